"""Thread-safe recording of the HTTP calls a double receives, and waiting for them."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["CallLog", "Clock", "ManualClock", "RecordedCall"]

Clock = Callable[[], float]
"""A monotonic clock in seconds (``time.monotonic`` or a :class:`ManualClock`)."""


class ManualClock:
    """A clock that only moves when told to: for rate-limit windows of 30 s or an hour."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not go backwards")
        with self._lock:
            self._now += seconds


@dataclass(slots=True, eq=False)
class RecordedCall:
    """One request as the double saw it. ``status`` is filled in when it was answered."""

    seq: int
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    at: float
    """Reading of the double's clock when the request arrived."""
    wall_time: datetime
    operation: str
    """Name of the API operation, e.g. ``send_to_conversation`` or ``get_schedule``."""
    params: Mapping[str, str]
    """Path parameters, e.g. ``conversation_id`` and ``activity_id``."""
    target: str | None = None
    """Conversation id (connector) or user id / UPN (Graph) the call addresses."""
    status: int | None = None
    response: Any = None
    fault: str | None = None
    """Name of the injected fault or limit that produced the answer, if any."""

    @property
    def authorization(self) -> str | None:
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                return value
        return None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True, slots=True)
class _Filter:
    method: str | None = None
    operation: str | None = None
    target: str | None = None
    ok: bool | None = None
    status: int | None = None
    since: float | None = None
    where: Callable[[RecordedCall], bool] | None = None

    def __call__(self, call: RecordedCall) -> bool:
        if self.method is not None and call.method != self.method.upper():
            return False
        if self.operation is not None and call.operation != self.operation:
            return False
        if self.target is not None and call.target != self.target:
            return False
        if self.ok is not None and (call.status is None or call.ok != self.ok):
            return False
        if self.status is not None and call.status != self.status:
            return False
        if self.since is not None and call.at < self.since:
            return False
        return self.where is None or self.where(call)


class CallLog:
    """Every call a double received, in arrival order. Safe to read from any thread.

    Filters (all optional, combined with *and*): ``method``, ``operation``, ``target``,
    ``ok`` (answered 2xx / answered otherwise), ``status``, ``since`` (clock reading),
    ``where`` (any predicate).
    """

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._calls: list[RecordedCall] = []
        self._cond = threading.Condition()

    def now(self) -> float:
        return self._clock()

    def record(
        self,
        *,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: Any,
        operation: str,
        target: str | None,
        params: Mapping[str, str] | None = None,
    ) -> RecordedCall:
        with self._cond:
            call = RecordedCall(
                seq=len(self._calls),
                method=method.upper(),
                path=path,
                query=dict(query),
                headers=dict(headers),
                body=body,
                at=self._clock(),
                wall_time=datetime.now(UTC),
                operation=operation,
                params=dict(params or {}),
                target=target,
            )
            self._calls.append(call)
            self._cond.notify_all()
            return call

    def complete(
        self, call: RecordedCall, status: int, response: Any, fault: str | None = None
    ) -> None:
        with self._cond:
            call.status = status
            call.response = response
            call.fault = fault
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self._calls.clear()

    def __len__(self) -> int:
        with self._cond:
            return len(self._calls)

    def all(self) -> list[RecordedCall]:
        with self._cond:
            return list(self._calls)

    def find(
        self,
        *,
        method: str | None = None,
        operation: str | None = None,
        target: str | None = None,
        ok: bool | None = None,
        status: int | None = None,
        since: float | None = None,
        where: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        predicate = _Filter(method, operation, target, ok, status, since, where)
        with self._cond:
            return [call for call in self._calls if predicate(call)]

    def wait_for_sync(
        self,
        count: int = 1,
        *,
        timeout: float = 5.0,
        method: str | None = None,
        operation: str | None = None,
        target: str | None = None,
        ok: bool | None = None,
        status: int | None = None,
        since: float | None = None,
        where: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        """Block until at least ``count`` calls match; return all matching calls.

        Raises ``TimeoutError`` (listing what did arrive) after ``timeout`` seconds.
        """
        predicate = _Filter(method, operation, target, ok, status, since, where)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [call for call in self._calls if predicate(call)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(count, found, predicate))
                self._cond.wait(remaining)

    async def wait_for(
        self,
        count: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (documented test API)
        method: str | None = None,
        operation: str | None = None,
        target: str | None = None,
        ok: bool | None = None,
        status: int | None = None,
        since: float | None = None,
        where: Callable[[RecordedCall], bool] | None = None,
        poll_interval: float = 0.005,
    ) -> list[RecordedCall]:
        """Async variant of :meth:`wait_for_sync`; polls so the caller's loop keeps running."""
        predicate = _Filter(method, operation, target, ok, status, since, where)
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                found = [call for call in self._calls if predicate(call)]
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                with self._cond:
                    message = self._timeout_message(count, found, predicate)
                raise TimeoutError(message)
            await asyncio.sleep(poll_interval)

    def _timeout_message(self, count: int, found: list[RecordedCall], predicate: _Filter) -> str:
        seen = (
            ", ".join(f"{c.method} {c.path} -> {c.status}" for c in self._calls[-10:]) or "nothing"
        )
        return (
            f"expected {count} call(s) matching {predicate}, got {len(found)}; "
            f"last calls seen: {seen}"
        )
