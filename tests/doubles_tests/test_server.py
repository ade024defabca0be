"""LoopbackServer: a background-thread aiohttp server that survives a blocked caller loop."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request

import aiohttp
import pytest
from aiohttp import web

from tests.doubles import LoopbackServer


def _app() -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"thread": threading.current_thread().name})

    app = web.Application()
    app.router.add_get("/hello", hello)
    return app


def _get(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback http)
        result: dict[str, str] = json.loads(response.read())
    return result


def test_serves_on_loopback_ephemeral_port_in_its_own_thread() -> None:
    with LoopbackServer(_app(), name="probe") as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.port > 0
        answer = _get(f"{server.url}/hello")
        assert answer["thread"] == f"probe-{server.port}"
        assert answer["thread"] != threading.current_thread().name
    assert not server.running


def test_two_servers_get_different_ports() -> None:
    with LoopbackServer(_app()) as one, LoopbackServer(_app()) as two:
        assert one.port != two.port
        assert _get(f"{one.url}/hello") != _get(f"{two.url}/hello")


async def test_answers_a_blocking_call_made_inside_the_callers_event_loop() -> None:
    # The Bot Framework SDK calls requests.get from inside the bot's loop: the caller's
    # loop is blocked, so only a server on another thread can answer.
    async with LoopbackServer(_app()) as server:
        answer = _get(f"{server.url}/hello")  # blocks this loop on purpose
        assert answer["thread"].startswith("loopback-")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{server.url}/hello") as response,
        ):
            assert response.status == 200


def test_is_single_use_and_stop_is_idempotent() -> None:
    server = LoopbackServer(_app()).start()
    server.stop()
    server.stop()
    with pytest.raises(RuntimeError, match="starts once"):
        server.start()


def test_url_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = LoopbackServer(_app()).url


async def test_stop_cancels_a_held_request_quickly() -> None:
    release = asyncio.Event()

    async def hold(request: web.Request) -> web.Response:
        await release.wait()  # never set: only shutdown ends this
        return web.Response()

    app = web.Application()
    app.router.add_get("/hold", hold)
    server = LoopbackServer(app, shutdown_timeout=0.2).start()

    async def client() -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{server.url}/hold") as response,
        ):
            await response.read()

    task = asyncio.create_task(client())
    await asyncio.sleep(0.1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.to_thread(server.stop)
    assert loop.time() - started < 3.0
    with pytest.raises(aiohttp.ClientError):
        await task
