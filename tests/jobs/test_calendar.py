"""Holidays, DST and the catch-up rule for scheduled cards (working days: test_workdays.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.workdays import is_working_day
from jobs.calendar import Schedule, nudges_schedule, tips_schedule

HELSINKI = ZoneInfo("Europe/Helsinki")
TIPS = tips_schedule(time(9, 0), "Europe/Helsinki")
NUDGES = nudges_schedule(0, time(9, 30), "Europe/Helsinki")


def local(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HELSINKI)


def test_tips_are_due_on_a_working_day_from_send_time_until_noon() -> None:
    assert TIPS.due_key(local(2026, 11, 30, 8, 59)) is None
    assert TIPS.due_key(local(2026, 11, 30, 9, 0)) == "tips:2026-11-30"
    assert TIPS.due_key(local(2026, 11, 30, 11, 59)) == "tips:2026-11-30"  # caught up
    assert TIPS.due_key(local(2026, 11, 30, 12, 0)) is None  # skipped after noon


def test_no_tips_on_weekends_or_finnish_holidays() -> None:
    assert TIPS.due_key(local(2026, 11, 28, 9, 30)) is None  # Saturday
    assert TIPS.due_key(local(2026, 12, 6, 9, 30)) is None  # Independence Day (Sunday anyway)
    assert TIPS.due_key(local(2026, 12, 24, 9, 30)) is None  # Christmas Eve, Thursday
    assert TIPS.due_key(local(2026, 12, 25, 9, 30)) is None  # Christmas Day
    assert TIPS.due_key(local(2027, 1, 6, 9, 30)) is None  # Epiphany, Wednesday
    assert TIPS.due_key(local(2027, 1, 7, 9, 30)) == "tips:2027-01-07"


def test_keys_are_local_dates_whatever_the_utc_date() -> None:
    # 07:30 UTC on Monday 30 November is 09:30 in Helsinki (UTC+2).
    assert TIPS.due_key(datetime(2026, 11, 30, 7, 30, tzinfo=UTC)) == "tips:2026-11-30"


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2027, 3, 26), 7),  # Friday before the spring change: UTC+2 (Good Friday! holiday)
        (date(2027, 3, 29), 6),  # Monday after: UTC+3 (Easter Monday, holiday)
        (date(2027, 3, 30), 6),  # Tuesday after the change: 09:00 local is 06:00 UTC
        (date(2026, 10, 23), 6),  # Friday before the autumn change: UTC+3
        (date(2026, 10, 26), 7),  # Monday after: UTC+2
    ],
)
def test_dst_weeks_keep_the_local_send_time(day: date, utc_hour: int) -> None:
    at_nine_local = datetime(day.year, day.month, day.day, utc_hour, 0, tzinfo=UTC)
    assert at_nine_local.astimezone(HELSINKI).time() == time(9, 0)
    expected = f"tips:{day.isoformat()}" if is_working_day(day) else None
    assert TIPS.due_key(at_nine_local) == expected
    assert TIPS.due_key(at_nine_local - timedelta(minutes=1)) is None


def test_a_whole_dst_week_gives_exactly_one_key_per_working_day() -> None:
    """Tick every five minutes through the autumn change week: each day due once, by date."""
    keys: set[str] = set()
    moment = datetime(2026, 10, 24, 0, 0, tzinfo=UTC)  # Saturday; DST ends Sunday 25 Oct
    while moment < datetime(2026, 11, 1, tzinfo=UTC):
        key = TIPS.due_key(moment)
        if key:
            keys.add(key)
        moment += timedelta(minutes=5)
    assert keys == {f"tips:2026-10-{day}" for day in (26, 27, 28, 29, 30)}


def test_nudges_are_weekly_and_move_past_a_holiday_monday() -> None:
    assert NUDGES.due_key(local(2026, 11, 30, 9, 30)) == "nudges:2026-W49"
    assert NUDGES.due_key(local(2026, 11, 30, 9, 29)) is None
    # Easter Monday 2027 (29 March): the week's nudge comes on Tuesday with the same key.
    assert NUDGES.due_key(local(2027, 3, 29, 10, 0)) is None
    assert NUDGES.due_key(local(2027, 3, 30, 10, 0)) == "nudges:2027-W13"


def test_send_times_in_quiet_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="07:00 and 21:00"):
        tips_schedule(time(22, 0), "Europe/Helsinki")
    with pytest.raises(ValueError, match="07:00 and 21:00"):
        Schedule("x", time(6, 30), time(12, 0), frozenset(range(5)))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TIPS.due_key(datetime(2026, 11, 30, 9, 0))
