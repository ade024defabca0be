"""The `/api/messages` endpoint: checks every request before the SDK sees it.

Fails closed: a request that is not well-formed JSON of a sane size, or that lacks valid
credentials, is refused with 4xx, never 500 and never passed on. Two SDK defects are
guarded here: a missing Authorization header crashes CloudAdapter with an app id set (we
answer 401), and its missing Content-Type handling raises KeyError (we answer 415).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import Bot, TurnContext
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

log = logging.getLogger(__name__)

# Teams gives a bot about 15 s to answer; stop well before so the request always ends.
TURN_TIMEOUT_SECONDS = 13.0


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _read_body(request: web.Request, limit: int) -> bytes | web.Response:
    if request.content_length is not None and request.content_length > limit:
        return _error(413, f"body larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            return _error(413, f"body larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_activity(body: bytes) -> Activity | web.Response:
    try:
        document: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "body is not valid JSON")
    if not isinstance(document, dict):
        return _error(400, "body must be a JSON object (an activity)")
    if not isinstance(document.get("type"), str) or not document["type"]:
        return _error(400, "activity has no type")
    try:
        activity = Activity().deserialize(document)
    except Exception:  # msrest raises DeserializationError and plain errors for bad shapes
        return _error(400, "activity has fields of the wrong shape")
    return activity


class MessagesEndpoint:
    """POST /api/messages → CloudAdapter → TeamsBot."""

    def __init__(
        self, adapter: CloudAdapter, bot: Bot, *, require_auth: bool, max_body_bytes: int
    ) -> None:
        self.adapter = adapter
        self.bot = bot
        self.require_auth = require_auth
        self.max_body_bytes = max_body_bytes

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.content_type != "application/json":
            return _error(415, "Content-Type must be application/json")
        body = await _read_body(request, self.max_body_bytes)
        if isinstance(body, web.Response):
            return body
        auth_header = request.headers.get("Authorization", "")
        if self.require_auth and not auth_header.strip():
            return _error(401, "missing Authorization header")
        activity = _parse_activity(body)
        if isinstance(activity, web.Response):
            return activity
        return await self._process(activity, auth_header)

    async def _process(self, activity: Activity, auth_header: str) -> web.StreamResponse:
        turn_started = False

        async def logic(turn_context: TurnContext) -> None:
            nonlocal turn_started
            turn_started = True
            await self.bot.on_turn(turn_context)

        try:
            invoke_response = await asyncio.wait_for(
                self.adapter.process_activity(auth_header, activity, logic),
                timeout=TURN_TIMEOUT_SECONDS,
            )
        except PermissionError:
            return _error(401, "invalid credentials")
        except TimeoutError:
            log.warning("a turn did not finish in %.0f s", TURN_TIMEOUT_SECONDS)
            return web.Response(status=202)
        except Exception as error:
            if not turn_started:
                # Token parsing and validation fail with assorted exception types.
                log.info("request refused before the turn: %s", type(error).__name__)
                return _error(401, "invalid credentials")
            log.error("turn failed: %s", type(error).__name__, exc_info=error)
            return _error(500, "internal error")
        if invoke_response is not None:
            body = invoke_response.body
            # Our own invoke bodies may be plain dicts (a message response carries a string
            # value, which the msrest model cannot hold); SDK bodies are msrest models.
            payload = body if isinstance(body, dict | None) else serializer_helper(body)
            return web.json_response(payload, status=invoke_response.status)
        return web.Response(status=200)
