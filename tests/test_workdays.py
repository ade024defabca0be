"""Working days in Finland (bot/workdays.py): weekends and public holidays are off."""

from __future__ import annotations

from datetime import date

from bot.workdays import add_working_days, is_holiday, is_working_day


def test_working_days_skip_weekends_and_holidays() -> None:
    assert add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)  # over Christmas
    assert add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 30)  # Saturday → Monday
    assert add_working_days(date(2026, 11, 30), 5) == date(
        2026, 12, 7
    )  # Independence Day is Sunday


def test_holidays_include_the_eves_finns_take_off() -> None:
    assert is_holiday(date(2026, 12, 24))  # Christmas Eve
    assert is_holiday(date(2026, 6, 19))  # Midsummer Eve
    assert not is_working_day(date(2026, 12, 6))  # Independence Day
    assert is_working_day(date(2026, 12, 7))
