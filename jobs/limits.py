"""Keeping to Teams' rate limits ourselves, so the connector rarely has to say 429.

Per bot per conversation Teams allows 7 sends/1 s, 8/2 s, 60/30 s and 1800/hour; per app per
tenant about 30 requests/s (the documented figure; design for it). The limiter keeps a little
below each, and the clock is injectable so tests need no sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

# (window seconds, sends allowed) per conversation, a notch below Teams' limits.
CONVERSATION_WINDOWS: tuple[tuple[float, int], ...] = (
    (1.0, 6),
    (2.0, 7),
    (30.0, 55),
    (3600.0, 1700),
)
MAX_TRACKED_CONVERSATIONS = 50_000


@dataclass
class _Bucket:
    rate: float
    capacity: float
    tokens: float
    updated: float


class RateLimiter:
    """Sliding windows per conversation plus a token bucket per tenant.

    `reserve` never sleeps: it books the send and returns how long to wait before sending,
    so many sends can be planned at once without holding a lock across a sleep.
    """

    def __init__(
        self,
        tenant_rate: float = 25.0,
        conversation_windows: tuple[tuple[float, int], ...] = CONVERSATION_WINDOWS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if tenant_rate <= 0:
            raise ValueError("tenant_rate must be positive")
        self.tenant_rate = tenant_rate
        self.windows = conversation_windows
        self.clock = clock
        self._sends: OrderedDict[str, deque[float]] = OrderedDict()
        self._tenants: dict[str, _Bucket] = {}

    def _conversation_ready_at(self, conversation_id: str, now: float) -> float:
        history = self._sends.get(conversation_id)
        if not history:
            return now
        longest = max(window for window, _ in self.windows)
        while history and history[0] <= now - longest:
            history.popleft()
        ready = now
        for window, allowed in self.windows:
            recent = [t for t in history if t > now - window]
            if len(recent) >= allowed:
                ready = max(ready, recent[-allowed] + window)
        return ready

    def _tenant_ready_at(self, tenant: str, now: float) -> float:
        bucket = self._tenants.get(tenant)
        if bucket is None:
            # One token, never more: a bucket that saved up a second's worth while idle let
            # twice the rate into the next second, and Teams counts sliding windows. A fresh
            # process may also follow one that just sent.
            bucket = _Bucket(self.tenant_rate, 1.0, 1.0, now)
            self._tenants[tenant] = bucket
        bucket.tokens = min(bucket.capacity, bucket.tokens + (now - bucket.updated) * bucket.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            return now
        return now + (1.0 - bucket.tokens) / bucket.rate

    def reserve(self, conversation_id: str, tenant: str) -> float:
        """Book one send; returns the seconds to wait before making it."""
        now = self.clock()
        at = max(
            self._conversation_ready_at(conversation_id, now), self._tenant_ready_at(tenant, now)
        )
        # Booking at `at` keeps later reservations honest even before the send happens.
        bucket = self._tenants[tenant]
        bucket.tokens -= 1.0
        history = self._sends.setdefault(conversation_id, deque())
        history.append(at)
        self._sends.move_to_end(conversation_id)
        while len(self._sends) > MAX_TRACKED_CONVERSATIONS:
            self._sends.popitem(last=False)
        return max(0.0, at - now)

    async def acquire(self, conversation_id: str, tenant: str) -> None:
        wait = self.reserve(conversation_id, tenant)
        if wait > 0:
            await asyncio.sleep(wait)
