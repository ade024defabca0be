"""Run an aiohttp application on 127.0.0.1 in a background thread with its own event loop.

Why a thread: the Bot Framework SDK fetches OpenID metadata with a *blocking*
``requests.get`` from inside the bot's event loop (ARCHITECTURE.md §5). A double served
on that same loop could never answer, so every double runs on a loop of its own.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Self

from aiohttp import web

from ._lifecycle import StartStop

__all__ = ["LoopbackServer"]


class LoopbackServer(StartStop):
    """An aiohttp ``web.Application`` served on ``127.0.0.1`` and an ephemeral port.

    ``start()`` returns once the socket accepts connections; ``stop()`` cancels
    requests still in flight (a held "timeout" fault, for instance) after
    ``shutdown_timeout`` seconds. Usable as a sync or async context manager.
    """

    def __init__(
        self,
        app: web.Application,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        shutdown_timeout: float = 0.5,
        name: str = "loopback",
    ) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._shutdown_timeout = shutdown_timeout
        self._name = name
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._used = False

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:40123``."""
        if self._bound_port is None:
            raise RuntimeError("LoopbackServer is not started")
        return f"http://{self._host}:{self._bound_port}"

    @property
    def port(self) -> int:
        if self._bound_port is None:
            raise RuntimeError("LoopbackServer is not started")
        return self._bound_port

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The server's own event loop (for scheduling work onto the server thread)."""
        if self._loop is None:
            raise RuntimeError("LoopbackServer is not started")
        return self._loop

    def start(self, timeout: float = 10.0) -> Self:
        if self._used:
            raise RuntimeError("a LoopbackServer starts once; build a new one to restart")
        self._used = True
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._bound_port = int(sock.getsockname()[1])
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        async def setup() -> None:
            runner = web.AppRunner(
                self._app,
                handle_signals=False,
                access_log=None,
                shutdown_timeout=self._shutdown_timeout,
            )
            await runner.setup()
            await web.SockSite(runner, sock).start()
            self._runner = runner

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(setup())
            except BaseException as exc:  # handed to the starting thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._loop = loop
        self._thread = threading.Thread(
            target=run, name=f"{self._name}-{self._bound_port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout) or failure:
            self._thread.join(timeout)
            loop.close()
            sock.close()
            self._thread = None
            self._loop = None
            self._bound_port = None
            if failure:
                raise RuntimeError("LoopbackServer failed to start") from failure[0]
            raise TimeoutError("LoopbackServer did not start in time")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        thread, loop, runner = self._thread, self._loop, self._runner
        if thread is None or loop is None:
            return
        if runner is not None:
            future = asyncio.run_coroutine_threadsafe(runner.cleanup(), loop)
            future.result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        loop.close()
        self._thread = None
        self._loop = None
        self._runner = None
