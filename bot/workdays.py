"""Working days in Finland: weekends and Finnish public holidays are off.

Ground floor: the scheduler (jobs/calendar.py), coffee slots, onboarding sequences and their
cards all count working days the same way, so none of them imports another for it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _finnish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FI", years=[year]).keys())


def is_holiday(day: date) -> bool:
    """A Finnish public holiday (including Midsummer Eve and Christmas Eve)."""
    return day in _finnish_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_working_days(start: date, count: int) -> date:
    """The date `count` working days after `start` (0: `start` if it is one, else the next)."""
    day = start
    while not is_working_day(day):
        day += timedelta(days=1)
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
