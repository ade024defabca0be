"""The earliest common free slot of a group, from Graph-style availability views.

Pure: no SDK, no I/O. Arithmetic is done on absolute (UTC) instants and only *checked*
in local time, because adding a timedelta to a zone-aware datetime in Python is wall-clock
arithmetic and would be off by an hour across a DST change.

Rules (issue 5, "Booking the meeting"):

- working days only (`bot.workdays.is_working_day`: no weekends, no Finnish public
  holidays), inside local working hours `day_start`–`day_end`;
- every member is free (digit `0`) for the whole meeting *and* `gap_minutes` before and
  after it (recovery time between meetings). Tentative (1), busy (2), out of office (3),
  working elsewhere (4) and anything unknown block — a view that ends early, or starts
  late, says nothing about the time it does not cover, so that time is not free. Ask for
  free/busy over whole days (or at least `gap_minutes` around the working hours), or a
  slot at 09:00 cannot be proven to have its gap before it;
- the meeting starts on the view grid (the first view's start plus whole intervals) and,
  when that grid has quarter hours and the interval allows it (lcm(interval, 15) ≤ 60),
  only at :00/:15/:30/:45;
- the earliest slot on a preferred weekday wins; without one, the earliest on any day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.coffee.ports import FreeBusy
from bot.workdays import is_working_day

__all__ = ["find_slot"]

FREE = "0"


@dataclass(frozen=True)
class _Member:
    """One person's view as absolute instants with a prefix count of blocked steps."""

    start: datetime  # UTC
    step: timedelta
    blocked_before: tuple[int, ...]  # blocked_before[i] = non-free steps in view[:i]

    @classmethod
    def of(cls, fb: FreeBusy) -> _Member:
        if fb.start.tzinfo is None or fb.start.utcoffset() is None:
            raise ValueError(f"free/busy of {fb.user_id!r}: start must be timezone-aware")
        if fb.interval_minutes <= 0:
            raise ValueError(f"free/busy of {fb.user_id!r}: interval must be positive")
        counts = [0]
        for digit in fb.view:
            counts.append(counts[-1] + (digit != FREE))
        return cls(fb.start.astimezone(UTC), timedelta(minutes=fb.interval_minutes), tuple(counts))

    @property
    def end(self) -> datetime:
        return self.start + self.step * (len(self.blocked_before) - 1)

    def free(self, begin: datetime, end: datetime) -> bool:
        """Free for all of [begin, end): every step it touches is known and `0`."""
        if begin < self.start or end > self.end:
            return False
        first = (begin - self.start) // self.step
        last = -((self.start - end) // self.step)  # ceiling
        return self.blocked_before[last] == self.blocked_before[first]


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _quarter_grid(anchor: datetime, interval: int) -> bool:
    """Whether the grid anchor + k·interval hits quarter hours often enough to use only them."""
    if math.lcm(interval, 15) > 60 or anchor.second or anchor.microsecond:
        return False
    # Real-world UTC offsets are whole quarter hours, so UTC quarters are local quarters.
    offset = anchor.minute
    return any((offset + k * interval) % 15 == 0 for k in range(15))


def find_slot(
    busy: Sequence[FreeBusy],
    *,
    length_minutes: int,
    window_start: datetime,
    window_end: datetime,
    timezone: str = "Europe/Helsinki",
    day_start: time = time(9),
    day_end: time = time(16),
    preferred_weekdays: frozenset[int] = frozenset(),
    gap_minutes: int = 10,
    not_before: datetime | None = None,
) -> tuple[datetime, datetime] | None:
    """The earliest common slot `(start, end)` in `timezone`, or None if there is none.

    `busy` holds one FreeBusy per member (all of them must be free). The meeting lies
    within [window_start, window_end] and starts no earlier than `not_before`.
    Raises ValueError for inputs that cannot describe a meeting (see the tests).
    """
    _aware("window_start", window_start)
    _aware("window_end", window_end)
    _aware("not_before", not_before)
    zone = _zone(timezone)
    if day_start.tzinfo is not None or day_end.tzinfo is not None:
        raise ValueError("day_start and day_end are local wall times without a zone")
    if day_end <= day_start:
        raise ValueError("day_end must be after day_start")
    if length_minutes <= 0:
        raise ValueError("length_minutes must be positive")
    if length_minutes > _minutes(day_end) - _minutes(day_start):
        raise ValueError("the meeting is longer than the working day")
    if gap_minutes < 0:
        raise ValueError("gap_minutes must not be negative")
    if any(not 0 <= day <= 6 for day in preferred_weekdays):
        raise ValueError("preferred weekdays are 0 (Monday) to 6 (Sunday)")
    if window_end < window_start:
        raise ValueError("window_end is before window_start")
    if not busy:
        raise ValueError("no free/busy given: whose slot is it?")

    members = [_Member.of(fb) for fb in busy]
    length = timedelta(minutes=length_minutes)
    gap = timedelta(minutes=gap_minutes)
    anchor = members[0].start
    interval = max(fb.interval_minutes for fb in busy)
    step = timedelta(minutes=interval)
    quarters = _quarter_grid(anchor, interval)

    # Only time every member's view covers can be free.
    lower = max([window_start.astimezone(UTC), *(m.start for m in members)])
    if not_before is not None:
        lower = max(lower, not_before.astimezone(UTC))
    upper = min([window_end.astimezone(UTC), *(m.end for m in members)])
    if upper - lower < length:
        return None

    first_any: tuple[datetime, datetime] | None = None
    day: date = lower.astimezone(zone).date()
    last_day: date = upper.astimezone(zone).date()
    while day <= last_day:
        if is_working_day(day) and (first_any is None or day.weekday() in preferred_weekdays):
            opens = datetime.combine(day, day_start, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, day_end, tzinfo=zone).astimezone(UTC)
            begin, finish = max(opens, lower), min(closes, upper)
            k = -((anchor - begin) // step)  # first grid point at or after `begin`
            start = anchor + step * k
            while start + length <= finish:
                end = start + length
                local = start.astimezone(zone)
                on_grid = not quarters or local.minute % 15 == 0
                if on_grid and all(m.free(start - gap, end + gap) for m in members):
                    slot = (local, end.astimezone(zone))
                    if not preferred_weekdays or day.weekday() in preferred_weekdays:
                        return slot
                    first_any = first_any or slot
                    break  # later slots that day cannot beat this one
                start += step
        day += timedelta(days=1)
    return first_any
