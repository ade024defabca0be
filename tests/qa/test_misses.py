"""Unanswered questions are stored without personal data."""

from __future__ import annotations

import pytest

from bot.qa.misses import MAX_STORED_CHARS, prepare_miss, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail me at matti.meikalainen@valtori.fi please", "Mail me at [email] please"),
        ("soita 040 123 4567", "soita [number]"),
        ("hetu 010190-123A", "hetu [number]"),
        ("puh +358-40-1234567 tai x@y.fi", "puh +[number] tai [email]"),
        ("kokous klo 9 ja 10", "kokous klo 9 ja 10"),  # short numbers are kept
    ],
)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_whitespace_is_collapsed_and_length_capped() -> None:
    assert prepare_miss("  kokous \n\t  kesto  ") == "kokous kesto"
    long = prepare_miss("sana " * 500)
    assert long is not None and len(long) == MAX_STORED_CHARS


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_questions_are_not_kept(text: str) -> None:
    assert prepare_miss(text) is None
