"""A small async limiter: at most N requests in flight and R per second on average.

The rate part is a GCRA ("virtual scheduling") token bucket: a burst of up to `burst`
requests may start at once, after that one every 1/R seconds. Waiters are served in
order (the lock is fair in asyncio). Pure asyncio: no SDK.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

__all__ = ["Pacer"]


class Pacer:
    def __init__(
        self,
        max_concurrency: int,
        per_second: float,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if not per_second > 0:
            raise ValueError("per_second must be positive")
        self.max_concurrency = max_concurrency
        self.per_second = per_second
        self._interval = 0.0 if math.isinf(per_second) else 1.0 / per_second
        self._tolerance = self._interval * (max(1, burst or max_concurrency) - 1)
        self._clock = clock
        self._sleep = sleep
        self._slots = asyncio.Semaphore(max_concurrency)
        self._turn = asyncio.Lock()
        self._next_at = -math.inf  # theoretical arrival time of the next request
        self.in_flight = 0
        self.peak_in_flight = 0

    async def acquire(self) -> None:
        await self._slots.acquire()
        try:
            async with self._turn:
                now = self._clock()
                due = max(self._next_at, now)
                wait = due - self._tolerance - now
                if wait > 0:
                    await self._sleep(wait)
                self._next_at = due + self._interval
        except BaseException:
            self._slots.release()
            raise
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def release(self) -> None:
        self.in_flight -= 1
        self._slots.release()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
