"""The one wall clock: the fixed clock behaves, and no code outside bot/clock.py reads the
wall clock itself (ruff's banned-api rule says the same at lint time; this test also catches
spellings the linter cannot resolve, such as a method called on an alias)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path

import pytest

from bot.clock import FixedClock, epoch_seconds, system_clock, system_seconds

ROOT = Path(__file__).resolve().parents[1]
GUARDED = ("bot", "jobs", "cards", "appmanifest")
CLOCK_MODULE = ROOT / "bot" / "clock.py"
# Class methods that read the wall clock, on `datetime` or `date` (however imported).
WALL_CLOCK_METHODS = {"now", "utcnow", "today"}
DATE_CLASSES = {"datetime", "date"}
# time module functions that read the wall clock when called without arguments.
WALL_CLOCK_TIME_FUNCTIONS = {"time", "time_ns", "localtime", "gmtime", "ctime"}


def _is_date_class(node: ast.expr) -> bool:
    """`datetime`, `date`, or `<module>.datetime` / `<module>.date`."""
    if isinstance(node, ast.Name):
        return node.id in DATE_CLASSES
    return isinstance(node, ast.Attribute) and node.attr in DATE_CLASSES


def _is_time_module(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "time"


def wall_clock_reads(source: str) -> list[int]:
    """Line numbers of direct wall-clock reads in `source`."""
    found: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, owner = node.func.attr, node.func.value
            if (name in WALL_CLOCK_METHODS and _is_date_class(owner)) or (
                name in WALL_CLOCK_TIME_FUNCTIONS and _is_time_module(owner) and not node.args
            ):
                found.add(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            if any(alias.name in WALL_CLOCK_TIME_FUNCTIONS for alias in node.names):
                found.add(node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and _is_time_module(node.value)
            and node.attr in {"time", "time_ns"}
        ):
            found.add(node.lineno)  # `clock=time.time` hands the wall clock on unseen
    return sorted(found)


def test_the_scanner_finds_every_spelling_of_a_wall_clock_read() -> None:
    source = "\n".join(
        [
            "import time",
            "from datetime import date, datetime",
            "import datetime as dt",
            "a = datetime.now()",
            "b = dt.datetime.utcnow()",
            "c = date.today()",
            "d = time.time()",
            "e = time.localtime()",
            "f = time.time",
            "from time import time_ns",
            "g = time.monotonic()",  # not wall time: allowed
            "h = time.gmtime(0)",  # converts a given time: allowed
            "i = clock()",  # the injected clock: allowed
            "j = self.today()",  # a method that asks the injected clock: allowed
        ]
    )
    assert wall_clock_reads(source) == [4, 5, 6, 7, 8, 9, 10]


def test_no_code_outside_the_clock_module_reads_the_wall_clock() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in GUARDED
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != CLOCK_MODULE
        for line in wall_clock_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "read the time through an injected bot.clock.Clock: " + ", ".join(
        offenders
    )


def test_the_clock_module_is_the_one_place_that_reads_it() -> None:
    assert wall_clock_reads(CLOCK_MODULE.read_text(encoding="utf-8"))


def test_the_system_clock_is_aware_utc_and_agrees_with_the_seconds() -> None:
    now = system_clock()
    assert now.tzinfo is UTC
    assert abs(now.timestamp() - system_seconds()) < 5
    assert epoch_seconds(system_clock) is system_seconds


def test_a_fixed_clock_stands_still_until_moved() -> None:
    start = datetime(2027, 6, 25, 9, 0, tzinfo=UTC)
    clock = FixedClock(start)
    assert clock() == clock() == start
    assert clock.advance(timedelta(minutes=30)) == start + timedelta(minutes=30)
    assert clock() == start + timedelta(minutes=30)
    clock.set(datetime(2027, 12, 31, 23, 30, tzinfo=UTC))
    assert clock() == datetime(2027, 12, 31, 23, 30, tzinfo=UTC)
    assert epoch_seconds(clock)() == clock().timestamp()


def test_a_fixed_clock_keeps_utc_whatever_zone_it_is_given() -> None:
    helsinki_summer = timezone(timedelta(hours=3))
    clock = FixedClock(datetime(2027, 6, 25, 12, 0, tzinfo=helsinki_summer))
    assert clock() == datetime(2027, 6, 25, 9, 0, tzinfo=UTC)
    assert clock().tzinfo is UTC


def test_a_fixed_clock_refuses_naive_times_and_going_backwards() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2027, 1, 1, 12, 0))
    clock = FixedClock(datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2027, 1, 2))
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))
    assert clock() == datetime(2027, 1, 1, tzinfo=UTC)


def test_a_fixed_clock_may_be_advanced_by_nothing() -> None:
    start = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    clock = FixedClock(start)
    assert clock.advance(timedelta(0)) == start


class _NoOffset(tzinfo):
    """A zone that names itself but cannot say its offset: such a time is not aware."""

    def utcoffset(self, moment: datetime | None) -> timedelta | None:
        return None

    def tzname(self, moment: datetime | None) -> str:
        return "nowhere"

    def dst(self, moment: datetime | None) -> timedelta | None:
        return None


def test_a_fixed_clock_refuses_a_zone_without_an_offset() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2027, 1, 1, tzinfo=_NoOffset()))
