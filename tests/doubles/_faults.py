"""Seeded fault injection shared by the connector and Graph doubles."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from ._recording import RecordedCall

__all__ = ["Fault", "FaultInjector", "FaultRule"]


@dataclass(frozen=True, slots=True)
class Fault:
    """What the double does instead of (or before) answering normally.

    ``status`` None means "answer normally after ``delay`` seconds" (a slow response).
    ``hold`` set means a timeout: the request is held that long (longer than the
    client waits) and then answered 504; with ``deliver`` the operation takes effect
    first, as when the service did its work but the answer never reached the client.
    """

    name: str
    status: int | None = None
    code: str | None = None
    message: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    hold: float | None = None
    deliver: bool = False

    @classmethod
    def http(
        cls,
        status: int,
        code: str,
        message: str = "",
        *,
        retry_after: int | None = None,
        delay: float = 0.0,
    ) -> Fault:
        return cls(
            name=f"http_{status}_{code}",
            status=status,
            code=code,
            message=message or code,
            retry_after=retry_after,
            delay=delay,
        )

    @classmethod
    def throttled(cls, retry_after: int = 1, *, code: str = "TooManyRequests") -> Fault:
        """429 with ``Retry-After`` in whole seconds (that is what clients parse)."""
        return cls(
            name="throttled",
            status=429,
            code=code,
            message="Too many requests. Please retry after the time in Retry-After.",
            retry_after=retry_after,
        )

    @classmethod
    def precondition_failed(cls) -> Fault:
        return cls.http(412, "PreconditionFailed", "Precondition failed, please retry.")

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        codes = {
            500: "InternalServerError",
            502: "BadGateway",
            503: "ServiceUnavailable",
            504: "GatewayTimeout",
        }
        if status not in codes:
            raise ValueError(f"not a server error status: {status}")
        return cls.http(status, codes[status], f"Injected {status}.")

    @classmethod
    def blocked_by_user(cls) -> Fault:
        """403 as when the user blocked the bot in a 1:1 chat."""
        return cls.http(
            403, "ConversationBlockedByUser", "User blocked the conversation with the bot."
        )

    @classmethod
    def writes_blocked(cls) -> Fault:
        """403 as when the bot was removed from (or may no longer write to) the chat."""
        return cls.http(
            403, "MessageWritesBlocked", "Bot is not allowed to send messages to this thread."
        )

    @classmethod
    def conversation_not_found(cls) -> Fault:
        return cls.http(404, "ConversationNotFound", "Conversation not found.")

    @classmethod
    def access_denied(cls, code: str = "ErrorAccessDenied") -> Fault:
        """Graph's 403 for a missing application permission."""
        return cls.http(403, code, "Access is denied. Check credentials and try again.")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls(name="slow", delay=seconds)

    @classmethod
    def timeout(cls, hold: float = 30.0, *, deliver: bool = False) -> Fault:
        return cls(
            name="timeout",
            status=504,
            code="GatewayTimeout",
            message="The request timed out.",
            hold=hold,
            deliver=deliver,
        )


@dataclass(slots=True, eq=False)
class FaultRule:
    """When to inject ``fault``: every matching call with probability ``rate``,
    optionally only for one ``target`` (conversation id / user), ``operation`` or
    ``method``, and at most ``times`` times (None: unlimited)."""

    fault: Fault
    rate: float = 1.0
    target: str | None = None
    operation: str | None = None
    method: str | None = None
    times: int | None = None
    hits: int = 0

    def matches(self, call: RecordedCall) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.target is not None and call.target != self.target:
            return False
        if self.operation is not None and call.operation != self.operation:
            return False
        return self.method is None or call.method == self.method.upper()


class FaultInjector:
    """Ordered fault rules; the first matching rule whose coin comes up wins.

    Coins are drawn from ``random.Random(seed)`` only for matching rules with a rate
    below 1, in arrival order, so the same seed and the same sequence of requests give
    the same faults.
    """

    def __init__(self, seed: int | None = 0) -> None:
        self._rng = random.Random(seed)
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(
        self,
        fault: Fault,
        *,
        rate: float = 1.0,
        target: str | None = None,
        operation: str | None = None,
        method: str | None = None,
        times: int | None = None,
    ) -> FaultRule:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        rule = FaultRule(fault, rate, target, operation, method, times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules = [r for r in self._rules if r is not rule]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self._rng.seed(seed)

    def pick(self, call: RecordedCall) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if not rule.matches(call):
                    continue
                if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                    continue
                rule.hits += 1
                return rule.fault
        return None
