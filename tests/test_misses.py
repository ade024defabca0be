"""The log of unanswered questions: recording, summary, redaction, torn lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.qa.misses import MissLog, redact


def test_record_and_summary_most_frequent_first(tmp_path: Path) -> None:
    log = MissLog(tmp_path / "data" / "unanswered.jsonl")
    log.record("Miten haen lomaa?", "fi", "not_found")
    log.record("miten  haen   LOMAA?", "fi", "not_found")  # same question, other spacing
    log.record("Vad blir vädret?", "sv", "not_found")
    log.record("kokous", "fi", "did_you_mean")
    log.record("Miten haen lomaa?", "fi", "not_found")

    summary = log.summary()
    assert summary[0].question == "Miten haen lomaa?"
    assert summary[0].count == 3
    assert summary[0].lang == "fi"
    assert summary[0].outcome == "not_found"
    assert {miss.question for miss in summary[1:]} == {"Vad blir vädret?", "kokous"}
    assert all(miss.count == 1 for miss in summary[1:])


def test_stored_line_has_no_identity(tmp_path: Path) -> None:
    path = tmp_path / "unanswered.jsonl"
    when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    MissLog(path).record("Kysymys", "fi", "not_found", when=when)
    item = json.loads(path.read_text(encoding="utf-8"))
    assert set(item) == {"question", "lang", "outcome", "at"}
    assert item["at"] == "2025-03-04T05:06:07+00:00"


def test_emails_and_long_digit_runs_are_redacted(tmp_path: Path) -> None:
    path = tmp_path / "unanswered.jsonl"
    log = MissLog(path)
    log.record(
        "Olen matti.meikalainen@virasto.fi, soita 040 123 4567 tai hetu 010203-123A",
        "fi",
        "not_found",
    )
    text = path.read_text(encoding="utf-8")
    assert "matti" not in text
    assert "@" not in text
    assert "4567" not in text
    assert "123A" not in text
    assert "[email]" in text
    assert "[number]" in text
    # short numbers stay: they are part of the question
    assert redact("50 minuutin kokoukset") == "50 minuutin kokoukset"


def test_empty_question_is_not_recorded(tmp_path: Path) -> None:
    path = tmp_path / "unanswered.jsonl"
    MissLog(path).record("   ", "fi", "not_found")
    assert not path.exists()
    assert MissLog(path).summary() == []


def test_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "unanswered.jsonl"
    log = MissLog(path)
    log.record("Ensimmäinen", "fi", "not_found")
    log.record("Toinen", "fi", "not_found")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"question": "Kolm')  # a crash in the middle of a write
    summary = log.summary()
    assert sorted(miss.question for miss in summary) == ["Ensimmäinen", "Toinen"]


def test_long_question_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "unanswered.jsonl"
    MissLog(path).record("x" * 5000, "en", "not_found")
    item = json.loads(path.read_text(encoding="utf-8"))
    assert len(item["question"]) <= 300


def test_unwritable_path_does_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    MissLog(blocker / "sub" / "unanswered.jsonl").record("Kysymys", "fi", "not_found")
