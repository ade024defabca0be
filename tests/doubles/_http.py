"""Request plumbing shared by the connector and Graph doubles: record, authorize,
inject faults, admit (rate limits), handle."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ._faults import Fault, FaultInjector
from ._recording import CallLog, RecordedCall

__all__ = ["BadJson", "Reply", "read_json", "respond"]


@dataclass(slots=True)
class Reply:
    status: int
    body: Any = None
    """JSON-serialisable body; None answers with an empty body."""
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None

    def to_response(self) -> web.Response:
        if self.body is None:
            return web.Response(status=self.status, headers=self.headers)
        return web.Response(
            status=self.status,
            text=json.dumps(self.body, ensure_ascii=False),
            content_type="application/json",
            charset="utf-8",
            headers=self.headers,
        )


class BadJson(Exception):
    """The request body was not JSON (or not the JSON type expected)."""


async def read_json(request: web.Request) -> Any:
    if not request.body_exists:
        return None
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadJson(str(exc)) from exc


async def respond(
    log: CallLog,
    call: RecordedCall,
    *,
    authorize: Callable[[RecordedCall], Reply | None],
    faults: FaultInjector,
    render_fault: Callable[[Fault], Reply],
    admit: Callable[[RecordedCall], Reply | None],
    handle: Callable[[RecordedCall], Reply],
) -> web.Response:
    """Answer one recorded call; the order is authorize → faults → admit → handle."""
    reply = authorize(call)
    fault_name: str | None = None
    if reply is None:
        fault = faults.pick(call)
        if fault is not None:
            fault_name = fault.name
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            if fault.hold is not None:
                if fault.deliver:
                    handle(call)
                await asyncio.sleep(fault.hold)
                reply = render_fault(fault)
            elif fault.status is not None:
                reply = render_fault(fault)
    if reply is None:
        reply = admit(call)
    if reply is None:
        reply = handle(call)
    log.complete(call, reply.status, reply.body, reply.fault or fault_name)
    return reply.to_response()
