"""find_slot: working days and hours, statuses, the 10-minute gap, DST, holidays, preferences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coffee.ports import FreeBusy
from bot.coffee.slots import find_slot
from bot.workdays import is_working_day

HELSINKI = ZoneInfo("Europe/Helsinki")
PRECEDENCE = {"0": 0, "4": 1, "1": 2, "2": 3, "3": 4}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HELSINKI)


def view(
    user: str,
    start: datetime,
    days: int,
    blocks: Sequence[tuple[datetime, datetime, str]] = (),
    *,
    interval: int = 15,
    minutes: int | None = None,
) -> FreeBusy:
    """A view from `start` (absolute time) over `days` days, `blocks` in any zone."""
    total = minutes if minutes is not None else days * 24 * 60
    step = timedelta(minutes=interval)
    begin = start.astimezone(UTC)
    digits = []
    for n in range(total // interval):
        slot_start = begin + step * n
        slot_end = slot_start + step
        digit = "0"
        for b_start, b_end, b_digit in blocks:
            if (
                b_start < slot_end
                and b_end > slot_start
                and PRECEDENCE[b_digit] > PRECEDENCE[digit]
            ):
                digit = b_digit
        digits.append(digit)
    return FreeBusy(user, start, interval, "".join(digits))


MONDAY = local(2026, 11, 30)  # winter time, an ordinary working week


def week(user: str, *blocks: tuple[datetime, datetime, str], interval: int = 15) -> FreeBusy:
    return view(user, MONDAY, 7, list(blocks), interval=interval)


def find(busy: list[FreeBusy], **kwargs: object) -> tuple[datetime, datetime] | None:
    options: dict[str, object] = {
        "length_minutes": 30,
        "window_start": MONDAY,
        "window_end": MONDAY + timedelta(days=7),
    }
    options.update(kwargs)
    return find_slot(busy, **options)  # type: ignore[arg-type]


def test_free_calendars_give_the_first_morning() -> None:
    slot = find([week("a"), week("b")])
    assert slot == (local(2026, 11, 30, 9), local(2026, 11, 30, 9, 30))
    assert slot is not None and slot[0].tzinfo == HELSINKI


@pytest.mark.parametrize(
    ("digit", "status"),
    [("1", "tentative"), ("2", "busy"), ("3", "out of office"), ("4", "working elsewhere")],
)
def test_every_status_but_free_blocks(digit: str, status: str) -> None:
    blocked = week("a", (local(2026, 11, 30, 9), local(2026, 11, 30, 10), digit))
    slot = find([blocked, week("b")])
    # 10:00 is too close to the block (10-minute gap); the next quarter is 10:15.
    assert slot is not None and slot[0] == local(2026, 11, 30, 10, 15), status


def test_free_block_does_not_block() -> None:
    assert find([week("a", (local(2026, 11, 30, 9), local(2026, 11, 30, 10), "0"))]) == (
        local(2026, 11, 30, 9),
        local(2026, 11, 30, 9, 30),
    )


@pytest.mark.parametrize(
    ("gap", "expected"),
    [(0, (9, 30)), (10, (9, 45)), (15, (9, 45)), (20, (10, 0))],
)
def test_gap_before_the_meeting(gap: int, expected: tuple[int, int]) -> None:
    a = week("a", (local(2026, 11, 30, 9), local(2026, 11, 30, 9, 30), "2"), interval=5)
    slot = find([a], gap_minutes=gap)
    assert slot is not None and slot[0] == local(2026, 11, 30, *expected)


def test_gap_after_the_meeting() -> None:
    monday_busy = (local(2026, 11, 30, 9), local(2026, 11, 30, 9, 30), "2")
    # 09:45-10:15 plus 10 minutes ends at 10:25: a meeting from 10:25 leaves just enough.
    roomy = week(
        "a", monday_busy, (local(2026, 11, 30, 10, 25), local(2026, 12, 1), "2"), interval=5
    )
    assert find([roomy]) == (local(2026, 11, 30, 9, 45), local(2026, 11, 30, 10, 15))
    # From 10:20 there is no room that Monday: Tuesday morning it is.
    tight = week(
        "a", monday_busy, (local(2026, 11, 30, 10, 20), local(2026, 12, 1), "2"), interval=5
    )
    assert find([tight]) == (local(2026, 12, 1, 9), local(2026, 12, 1, 9, 30))
    assert find([tight], gap_minutes=0) == (local(2026, 11, 30, 9, 30), local(2026, 11, 30, 10))


def test_gap_before_the_working_day_counts() -> None:
    early = week("a", (local(2026, 11, 30, 8), local(2026, 11, 30, 9), "2"))
    assert find([early]) == (local(2026, 11, 30, 9, 15), local(2026, 11, 30, 9, 45))


def test_starts_align_to_the_view_and_quarters() -> None:
    busy = (local(2026, 11, 30, 9), local(2026, 11, 30, 9, 5), "2")
    # 30-minute view: :00 and :30 only.
    slot = find([week("a", busy, interval=30)], gap_minutes=0)
    assert slot is not None and slot[0] == local(2026, 11, 30, 9, 30)
    # 5-minute view: quarters only (09:15, not 09:05 right after the block).
    slot = find([week("a", busy, interval=5)], gap_minutes=0)
    assert slot is not None and slot[0] == local(2026, 11, 30, 9, 15)
    # 60-minute view: whole hours.
    slot = find([week("a", busy, interval=60)], gap_minutes=0)
    assert slot is not None and slot[0] == local(2026, 11, 30, 10)


def test_a_coarse_view_makes_the_gap_cost_a_whole_step() -> None:
    busy = (local(2026, 11, 30, 9), local(2026, 11, 30, 9, 5), "2")
    # The 09:00-09:30 step is busy, so 09:30 has no free 10 minutes before it.
    slot = find([week("a", busy, interval=30)])
    assert slot is not None and slot[0] == local(2026, 11, 30, 10)
    slot = find([week("a", busy, interval=5)])
    assert slot is not None and slot[0] == local(2026, 11, 30, 9, 15)


def test_quarters_only_when_the_grid_has_them() -> None:
    # A 7-minute grid from 00:00 never lines up with quarters usefully: use the grid.
    start = local(2026, 11, 30)
    free = view("a", start, 7, interval=7)
    slot = find([free])
    assert slot is not None
    offset = (slot[0] - start) % timedelta(minutes=7)
    assert offset == timedelta(0) and slot[0] >= local(2026, 11, 30, 9)


def test_meeting_must_end_by_day_end() -> None:
    busy = (local(2026, 11, 30, 9), local(2026, 11, 30, 15, 35), "2")
    slot = find([week("a", busy, interval=5)], length_minutes=20)
    # 15:45-16:05 would end after 16:00; Tuesday 09:00 instead.
    assert slot == (local(2026, 12, 1, 9), local(2026, 12, 1, 9, 20))
    assert find([week("a", busy, interval=5)], length_minutes=15) == (
        local(2026, 11, 30, 15, 45),
        local(2026, 11, 30, 16),
    )


def test_spring_dst_week_with_easter_monday() -> None:
    # Summer time starts on Sunday 28 March 2027 (Easter Day); Monday 29 is Easter Monday.
    start = local(2027, 3, 26)  # Good Friday, still UTC+2
    a = view("a", start, 8, [(local(2027, 3, 30, 9), local(2027, 3, 30, 12), "2")])
    b = view("b", start, 8)
    slot = find_slot([a, b], length_minutes=30, window_start=start, window_end=local(2027, 4, 3))
    assert slot == (local(2027, 3, 30, 12, 15), local(2027, 3, 30, 12, 45))
    assert slot is not None and slot[0].utcoffset() == timedelta(hours=3)
    assert slot[0].astimezone(UTC) == datetime(2027, 3, 30, 9, 15, tzinfo=UTC)


def test_autumn_dst_week() -> None:
    # Winter time starts on Sunday 25 October 2026; the view starts in summer time.
    start = local(2026, 10, 23)  # Friday, UTC+3
    friday_busy = (local(2026, 10, 23, 8), local(2026, 10, 23, 17), "2")
    monday_busy = (local(2026, 10, 26, 9), local(2026, 10, 26, 11), "2")
    a = view("a", start, 5, [friday_busy])
    b = view("b", start, 5, [monday_busy])
    slot = find_slot([a, b], length_minutes=30, window_start=start, window_end=local(2026, 10, 28))
    assert slot == (local(2026, 10, 26, 11, 15), local(2026, 10, 26, 11, 45))
    assert slot is not None and slot[0].utcoffset() == timedelta(hours=2)
    assert slot[0].astimezone(UTC) == datetime(2026, 10, 26, 9, 15, tzinfo=UTC)


def test_christmas_week_is_skipped() -> None:
    start = local(2026, 12, 21)
    busy = (local(2026, 12, 21), local(2026, 12, 24), "2")  # Monday to Wednesday full
    a = view("a", start, 14, [busy])
    slot = find_slot([a], length_minutes=30, window_start=start, window_end=local(2027, 1, 4))
    # Thu 24 (Christmas Eve), Fri 25 (Christmas Day) and the weekend are not working days.
    assert slot == (local(2026, 12, 28, 9), local(2026, 12, 28, 9, 30))


def test_ascension_day_is_a_holiday() -> None:
    start = local(2027, 5, 6)  # Thursday, Ascension Day
    slot = find_slot(
        [view("a", start, 2)], length_minutes=30, window_start=start, window_end=local(2027, 5, 8)
    )
    assert slot == (local(2027, 5, 7, 9), local(2027, 5, 7, 9, 30))


def test_weekends_are_skipped() -> None:
    saturday = local(2026, 12, 5)
    assert (
        find_slot(
            [view("a", saturday, 2)],
            length_minutes=30,
            window_start=saturday,
            window_end=local(2026, 12, 7),
        )
        is None
    )
    friday = local(2026, 12, 4)
    busy_friday = view("a", friday, 4, [(friday, local(2026, 12, 5), "2")])
    assert find_slot(
        [busy_friday], length_minutes=30, window_start=friday, window_end=local(2026, 12, 8)
    ) == (local(2026, 12, 7, 9), local(2026, 12, 7, 9, 30))


def test_no_common_slot_is_none() -> None:
    blocks_a, blocks_b = [], []
    for day in range(7):
        date = MONDAY + timedelta(days=day)
        blocks_a.append((date.replace(hour=12), date.replace(hour=23), "2"))  # free mornings
        blocks_b.append((date, date.replace(hour=12, minute=30), "2"))  # free afternoons
    a = week("a", *blocks_a)
    b = week("b", *blocks_b)
    assert find([a]) is not None and find([b]) is not None
    assert find([a, b]) is None


def test_preferred_weekdays_first() -> None:
    free = [week("a"), week("b")]
    assert find(free, preferred_weekdays=frozenset({2, 3})) == (
        local(2026, 12, 2, 9),
        local(2026, 12, 2, 9, 30),
    )
    wednesday_busy = week("a", (local(2026, 12, 2), local(2026, 12, 3), "3"))
    # Wednesday taken: Thursday is the other preferred day.
    assert find([wednesday_busy], preferred_weekdays=frozenset({2, 3})) == (
        local(2026, 12, 3, 9),
        local(2026, 12, 3, 9, 30),
    )
    # No preferred day free: the earliest on any day.
    both = week("a", (local(2026, 12, 2), local(2026, 12, 4), "2"))
    assert find([both], preferred_weekdays=frozenset({2, 3})) == (
        local(2026, 11, 30, 9),
        local(2026, 11, 30, 9, 30),
    )
    # A preferred day that is a weekend is never used.
    assert find(free, preferred_weekdays=frozenset({6})) == (
        local(2026, 11, 30, 9),
        local(2026, 11, 30, 9, 30),
    )


def test_views_of_unequal_length() -> None:
    # a's view ends Monday 09:30: 09:00-09:30 plus the gap needs until 09:40, unknown.
    short = view("a", MONDAY, 0, minutes=9 * 60 + 30)
    assert find([short, week("b")]) is None
    # a covers Monday only; b is busy all Monday: nothing is known to be free after that.
    monday_only = view("a", MONDAY, 1)
    b = week("b", (MONDAY, local(2026, 12, 1), "2"))
    assert find([monday_only, b]) is None
    # Until 10:00 is enough for 09:00-09:30 with its gap.
    enough = view("a", MONDAY, 0, minutes=10 * 60)
    assert find([enough, week("b")]) == (local(2026, 11, 30, 9), local(2026, 11, 30, 9, 30))


def test_a_view_starting_late_is_unknown_before() -> None:
    late = view("a", local(2026, 11, 30, 12), 1)
    assert find([late, week("b")]) == (local(2026, 11, 30, 12, 15), local(2026, 11, 30, 12, 45))


def test_mixed_intervals() -> None:
    a = week("a", (local(2026, 11, 30, 9), local(2026, 11, 30, 9, 45), "2"), interval=15)
    b = week("b", interval=30)
    slot = find([a, b])
    assert slot == (local(2026, 11, 30, 10), local(2026, 11, 30, 10, 30))


def test_unknown_characters_block() -> None:
    fb = week("a")
    index = (9 * 60) // 15
    broken = FreeBusy("a", fb.start, 15, fb.view[:index] + "?" + fb.view[index + 1 :])
    slot = find([broken])
    assert slot is not None and slot[0] == local(2026, 11, 30, 9, 30)


def test_not_before_and_window() -> None:
    slot = find([week("a")], not_before=local(2026, 11, 30, 10, 5))
    assert slot == (local(2026, 11, 30, 10, 15), local(2026, 11, 30, 10, 45))
    slot = find([week("a")], window_start=local(2026, 12, 3, 15, 31))
    assert slot == (local(2026, 12, 4, 9), local(2026, 12, 4, 9, 30))
    assert find([week("a")], window_end=local(2026, 11, 30, 9, 20)) is None
    assert find([week("a")], window_end=MONDAY) is None


def test_custom_hours_and_zone() -> None:
    stockholm = ZoneInfo("Europe/Stockholm")
    slot = find([week("a")], timezone="Europe/Stockholm", day_start=time(13), day_end=time(15))
    assert slot is not None and slot[0] == datetime(2026, 11, 30, 13, tzinfo=stockholm)
    assert slot[0].astimezone(HELSINKI).hour == 14


@pytest.mark.parametrize("length", [0, -5, 7 * 60 + 1, 24 * 60])
def test_bad_lengths(length: int) -> None:
    with pytest.raises(ValueError, match=r"length|longer"):
        find([week("a")], length_minutes=length)


def test_whole_day_meeting_is_allowed() -> None:
    assert find([week("a")], length_minutes=7 * 60, gap_minutes=0) == (
        local(2026, 11, 30, 9),
        local(2026, 11, 30, 16),
    )


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 11, 30, 9)
    with pytest.raises(ValueError, match="window_start"):
        find([week("a")], window_start=naive)
    with pytest.raises(ValueError, match="window_end"):
        find([week("a")], window_end=naive)
    with pytest.raises(ValueError, match="not_before"):
        find([week("a")], not_before=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        find([FreeBusy("a", naive, 15, "0" * 96)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"day_start": time(16), "day_end": time(9)}, "day_end"),
        ({"day_start": time(9, tzinfo=UTC)}, "wall times"),
        ({"gap_minutes": -1}, "gap"),
        ({"preferred_weekdays": frozenset({7})}, "weekdays"),
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"window_end": MONDAY - timedelta(days=1)}, "before"),
    ],
)
def test_other_hostile_inputs(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        find([week("a")], **kwargs)


def test_nobody_and_bad_interval() -> None:
    with pytest.raises(ValueError, match="no free/busy"):
        find([])
    with pytest.raises(ValueError, match="interval"):
        find([FreeBusy("a", MONDAY, 0, "000")])


def test_huge_window_is_bounded_by_the_views() -> None:
    slot = find(
        [week("a", (MONDAY, MONDAY + timedelta(days=7), "2"))],
        window_start=MONDAY - timedelta(days=3650),
        window_end=MONDAY + timedelta(days=3650),
    )
    assert slot is None


# -- property: the answer is valid and nothing earlier is --------------------------------


def _valid(
    busy: list[FreeBusy], start: datetime, length: int, gap: int, window: tuple[datetime, datetime]
) -> bool:
    local_start = start.astimezone(HELSINKI)
    end = start + timedelta(minutes=length)
    local_end = end.astimezone(HELSINKI)
    if not is_working_day(local_start.date()) or local_start.minute % 15:
        return False
    if (
        local_start.time() < time(9)
        or local_end.time() > time(16)
        or local_end.date() != local_start.date()
    ):
        return False
    if start < window[0] or end > window[1]:
        return False
    for fb in busy:
        lo = start - timedelta(minutes=gap)
        hi = end + timedelta(minutes=gap)
        step = timedelta(minutes=fb.interval_minutes)
        if lo < fb.start or hi > fb.start + step * len(fb.view):
            return False
        touched = [
            digit
            for n, digit in enumerate(fb.view)
            if fb.start + step * n < hi and fb.start + step * (n + 1) > lo
        ]
        if set(touched) != {"0"}:
            return False
    return True


@settings(max_examples=40, deadline=None)
@given(
    blocks=st.lists(
        st.tuples(
            st.integers(0, 4),  # day
            st.integers(8 * 4, 16 * 4),  # start quarter
            st.integers(1, 12),  # quarters long
            st.sampled_from("1234"),
            st.booleans(),  # whose
        ),
        max_size=14,
    ),
    length=st.sampled_from([15, 20, 30]),
    gap=st.sampled_from([0, 5, 10]),
)
def test_answer_is_valid_and_earliest(
    blocks: list[tuple[int, int, int, str, bool]], length: int, gap: int
) -> None:
    mine: dict[bool, list[tuple[datetime, datetime, str]]] = {True: [], False: []}
    for day, quarter, quarters, digit, whose in blocks:
        begin = MONDAY + timedelta(days=day, minutes=15 * quarter)
        mine[whose].append((begin, begin + timedelta(minutes=15 * quarters), digit))
    busy = [view("a", MONDAY, 5, mine[True], interval=5), view("b", MONDAY, 5, mine[False])]
    window = (MONDAY, MONDAY + timedelta(days=5))
    slot = find(busy, length_minutes=length, gap_minutes=gap, window_end=window[1])
    candidates = [MONDAY.astimezone(UTC) + timedelta(minutes=15 * q) for q in range(5 * 24 * 4)]
    earliest = next((c for c in candidates if _valid(busy, c, length, gap, window)), None)
    if earliest is None:
        assert slot is None
    else:
        assert slot is not None and slot[0] == earliest
        assert slot[1] - slot[0] == timedelta(minutes=length)
