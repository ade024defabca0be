"""Sliding-window rate limits as Teams documents them for bots."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

__all__ = ["TEAMS_PER_CONVERSATION", "Limit", "RateLimits", "SlidingWindowLimiter"]


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    seconds: float


# Per bot per conversation (thread), "subject to change" (ARCHITECTURE.md §5).
TEAMS_PER_CONVERSATION: tuple[Limit, ...] = (
    Limit(7, 1.0),
    Limit(8, 2.0),
    Limit(60, 30.0),
    Limit(1800, 3600.0),
)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Limits the connector double enforces.

    ``per_conversation`` applies to activity writes (create conversation, send,
    reply, update, delete) addressed to one conversation; ``per_tenant`` applies to
    every connector call of the app in one tenant (docs: 30/s; benchmarks may scale it).
    """

    per_conversation: tuple[Limit, ...] = TEAMS_PER_CONVERSATION
    per_tenant: tuple[Limit, ...] = (Limit(30, 1.0),)
    enabled: bool = True

    @classmethod
    def off(cls) -> RateLimits:
        return cls(enabled=False)

    @classmethod
    def teams(cls, tenant_per_second: int = 30) -> RateLimits:
        return cls(per_tenant=(Limit(tenant_per_second, 1.0),))


class SlidingWindowLimiter:
    """Counts accepted requests per key in sliding windows.

    A rejected request does not use up budget, so a client that honours ``Retry-After``
    gets through once the window has moved on.
    """

    def __init__(self, limits: Sequence[Limit]) -> None:
        self._limits = tuple(limits)
        self._horizon = max((limit.seconds for limit in self._limits), default=0.0)
        self._accepted: dict[Hashable, deque[float]] = {}

    def wait_needed(self, key: Hashable, now: float) -> float:
        """Seconds until one more request for ``key`` fits every limit (0: it fits now)."""
        stamps = self._accepted.get(key)
        if not stamps:
            return 0.0
        while stamps and stamps[0] <= now - self._horizon:
            stamps.popleft()
        wait = 0.0
        for limit in self._limits:
            in_window = [t for t in stamps if t > now - limit.seconds]
            if len(in_window) >= limit.count:
                # The request that must leave the window before another one fits.
                oldest_blocking = in_window[len(in_window) - limit.count]
                wait = max(wait, oldest_blocking + limit.seconds - now)
        return wait

    def commit(self, key: Hashable, now: float) -> None:
        if not self._limits:
            return
        self._accepted.setdefault(key, deque()).append(now)

    def reset(self) -> None:
        self._accepted.clear()


def retry_after_seconds(wait: float) -> int:
    """``Retry-After`` is whole seconds; never advertise 0 for a rejected request."""
    return max(1, math.ceil(wait - 1e-9))
