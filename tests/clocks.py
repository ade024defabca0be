"""The fixed moment the tests live at, so that none of them depends on the day it runs.

A Monday (a working day, not a holiday) at 10:00 in Helsinki. Tests that need another
moment build their own `FixedClock` and move it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FixedClock

FIXED_NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def fixed_clock(now: datetime = FIXED_NOW) -> FixedClock:
    return FixedClock(now)
