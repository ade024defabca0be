"""When scheduled cards are due: local send times, quiet hours, catch-up (working days come
from bot/workdays.py).

Pure functions over timezone-aware datetimes. Occurrences are keyed by the *local* period
(`tips:2026-11-30`, `nudges:2026-W49`), so a DST change, a restart or a second replica
can never make the same period due twice under two keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.workdays import is_working_day

# No card is sent at night, whatever the configuration says.
QUIET_START = time(21, 0)
QUIET_END = time(7, 0)


def in_quiet_hours(moment: time) -> bool:
    return moment >= QUIET_START or moment < QUIET_END


@dataclass(frozen=True)
class Schedule:
    """A recurring card: on which local days, from what time, and until when it may catch up."""

    name: str  # tips | nudges
    send_at: time
    catch_up_until: time
    weekdays: frozenset[int]  # 0 = Monday
    weekly: bool = False  # key by ISO week instead of date
    timezone: str = "Europe/Helsinki"

    def __post_init__(self) -> None:
        if in_quiet_hours(self.send_at) or in_quiet_hours(self.catch_up_until):
            raise ValueError(f"{self.name}: send times must be between 07:00 and 21:00")
        if self.catch_up_until <= self.send_at:
            raise ValueError(f"{self.name}: the catch-up limit must be after the send time")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def period_key(self, day: date) -> str:
        if self.weekly:
            year, week, _ = day.isocalendar()
            return f"{self.name}:{year}-W{week:02d}"
        return f"{self.name}:{day.isoformat()}"

    def due_key(self, now: datetime) -> str | None:
        """The occurrence key due at `now`, or None.

        Due on a working day of the schedule from `send_at` local time until
        `catch_up_until`: a process that was down in the morning still sends, but a card
        that would arrive after the catch-up limit is skipped for that period.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        local = now.astimezone(self.zone)
        day = local.date()
        if day.weekday() not in self.weekdays or not is_working_day(day):
            return None
        if not self.send_at <= local.time().replace(tzinfo=None) < self.catch_up_until:
            return None
        return self.period_key(day)

    def local_date(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()


def tips_schedule(send_at: time, timezone: str) -> Schedule:
    """Working days at `send_at`, caught up until noon."""
    return Schedule("tips", send_at, time(12, 0), frozenset(range(5)), timezone=timezone)


def nudges_schedule(weekday: int, send_at: time, timezone: str) -> Schedule:
    """Once a week on `weekday`, caught up until 16:00 that day.

    When that day is a holiday the week's nudge moves to the next working day of the week.
    """
    days = frozenset(range(weekday, 5))
    return Schedule("nudges", send_at, time(16, 0), days, weekly=True, timezone=timezone)
