"""The one wall clock.

Everything in bot/, jobs/ and cards/ that needs "now" is handed a `Clock` by the composition
root (`bot.app.build_app`, the CLI): production passes `system_clock`, tests a `FixedClock`
they move themselves. This module is the only place allowed to read the wall clock (ruff's
banned-api rule and tests/test_clock.py hold the line), so no behaviour and no test depends on
the day it runs. Monotonic timers for timeouts and pacing are not wall time and stay where
they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""Returns the current time as a timezone-aware datetime in UTC."""


def system_clock() -> datetime:
    """The real time, aware, in UTC."""
    return datetime.now(UTC)


def system_seconds() -> float:
    """The real time as Unix seconds."""
    return time.time()


def epoch_seconds(clock: Clock) -> Callable[[], float]:
    """The same clock as Unix seconds (JWT lifetimes and other wire formats use them)."""
    if clock is system_clock:
        return system_seconds  # the same reading without building a datetime per call
    return lambda: clock().timestamp()


class FixedClock:
    """A clock that stands still until it is moved: tests and replays use it.

    It is callable like any `Clock`, so it can be passed wherever one is expected.
    """

    def __init__(self, now: datetime) -> None:
        self.now = _aware_utc(now)

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = _aware_utc(now)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` (never backwards) and return the new time."""
        if delta < timedelta(0):
            raise ValueError("a clock is not moved backwards")
        self.now += delta
        return self.now


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a clock needs a timezone-aware time, got {moment!r}")
    return moment.astimezone(UTC)
