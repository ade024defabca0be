"""Keeping to Teams' rate limits ourselves, so the connector rarely has to say 429.

Per bot per conversation Teams allows 7 sends/1 s, 8/2 s, 60/30 s and 1800/hour; per app per
tenant about 30 requests/s (the documented figure; design for it). The limiter keeps a little
below each. Clock and sleep are injectable so tests need no real waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

# (window seconds, sends allowed) per conversation, a notch below Teams' limits.
CONVERSATION_WINDOWS: tuple[tuple[float, int], ...] = (
    (1.0, 6),
    (2.0, 7),
    (30.0, 55),
    (3600.0, 1700),
)
MAX_TRACKED_CONVERSATIONS = 50_000
# Teams counts a tenant's requests as they arrive, in sliding windows. Our sends leave on a
# paced schedule but arrive with network and server jitter, so a schedule at exactly the
# budget now and then puts one request too many in a window, and a 429 pauses every sender
# for its Retry-After. Pacing 2 % below the budget absorbs 20 ms of jitter at 500/s.
TENANT_PACE = 0.98
# The most a tenant's pace may catch up at once after the event loop was held up, in
# seconds of sends (and never less than one send besides the one due).
CATCH_UP_SECONDS = 0.01

Sleep = Callable[[float], Awaitable[None]]


class TenantPacer:
    """Lets a tenant's sends go one at a time, `rate` a second, in the order they asked.

    The pace is kept from the moments sends actually go, not booked in advance: when the
    event loop is held up (a garbage collection, a large claim to decode), the sends that
    were due during the hold-up do not all go at once afterwards, which would put more than
    the budget into the sliding window Teams counts. At most `CATCH_UP_SECONDS` of credit
    is carried, which keeps the pace exact despite sleeps that end a little late.
    """

    def __init__(self, rate: float, clock: Callable[[], float], sleep: Sleep) -> None:
        self.set_rate(rate)
        self.clock = clock
        self.sleep = sleep
        self._tokens = 1.0  # a fresh process may follow one that has just sent
        self._updated = clock()
        self._turn = asyncio.Lock()  # FIFO: one waiter sleeps, the others queue behind it

    def set_rate(self, rate: float) -> None:
        self.rate = rate
        self.capacity = 1.0 + max(1.0, rate * CATCH_UP_SECONDS)

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def take(self) -> None:
        async with self._turn:
            self._refill()
            # A whole token, give or take rounding: a sleep too short to move the clock
            # would never end the loop.
            while self._tokens < 1.0 - 1e-9:
                await self.sleep((1.0 - self._tokens) / self.rate)
                self._refill()
            self._tokens = max(0.0, self._tokens - 1.0)


class RateLimiter:
    """Sliding windows per conversation plus a paced budget per tenant."""

    def __init__(
        self,
        tenant_rate: float = 25.0,
        conversation_windows: tuple[tuple[float, int], ...] = CONVERSATION_WINDOWS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if tenant_rate <= 0:
            raise ValueError("tenant_rate must be positive")
        self.tenant_rate = tenant_rate
        self.windows = conversation_windows
        self.clock = clock
        self.sleep = sleep
        self.senders = 1  # processes sending for the same tenants now (see share_with)
        self._sends: OrderedDict[str, deque[float]] = OrderedDict()
        self._tenants: dict[str, TenantPacer] = {}

    def _pace(self) -> float:
        return self.tenant_rate * TENANT_PACE / self.senders

    def share_with(self, senders: int) -> None:
        """`senders` processes (this one included) send for the same tenants now: each keeps
        to its part of the budget. Conversations are not split: a delivery is claimed by one
        sender only, so each conversation's sends come from whoever holds them."""
        self.senders = max(1, senders)
        for pacer in self._tenants.values():
            pacer.set_rate(self._pace())

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

    def reserve_conversation(self, conversation_id: str) -> float:
        """Book one send to a conversation; returns the seconds to wait before making it.
        Booking never sleeps, so many sends can be planned at once without a lock."""
        now = self.clock()
        at = self._conversation_ready_at(conversation_id, now)
        history = self._sends.setdefault(conversation_id, deque())
        history.append(at)
        self._sends.move_to_end(conversation_id)
        while len(self._sends) > MAX_TRACKED_CONVERSATIONS:
            self._sends.popitem(last=False)
        return max(0.0, at - now)

    def pacer(self, tenant: str) -> TenantPacer:
        pacer = self._tenants.get(tenant)
        if pacer is None:
            pacer = TenantPacer(self._pace(), self.clock, self.sleep)
            self._tenants[tenant] = pacer
        return pacer

    async def acquire(self, conversation_id: str, tenant: str) -> None:
        """Wait until one more send to this conversation keeps within both limits."""
        wait = self.reserve_conversation(conversation_id)
        if wait > 0:
            await self.sleep(wait)
        await self.pacer(tenant).take()
