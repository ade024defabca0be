"""The command line, including the public `ask --json` contract."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.content.loader import load_pack
from bot.settings import BUNDLED_CONTENT_DIR

CONTRACT_KEYS = {"question", "lang", "answered", "confidence", "answer", "suggestions"}


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


def check_contract(payload: dict[str, object]) -> None:
    assert set(payload) == CONTRACT_KEYS
    assert payload["lang"] in ("fi", "sv", "en")
    assert isinstance(payload["answered"], bool)
    confidence = payload["confidence"]
    assert isinstance(confidence, float) and 0.0 <= confidence <= 1.0
    answer = payload["answer"]
    if payload["answered"]:
        assert isinstance(answer, dict)
        assert set(answer) == {"id", "theme", "title", "body", "links"}
        assert all(set(link) == {"title", "url"} for link in answer["links"])
    else:
        assert answer is None
    suggestions = payload["suggestions"]
    assert isinstance(suggestions, list)
    assert all(set(item) == {"id", "title"} for item in suggestions)


def test_ask_json_answers_in_the_question_language() -> None:
    code, out = run("ask", "--json", "Miksi kokous kannattaa pitää 50 minuutin mittaisena?")
    payload = json.loads(out)
    check_contract(payload)
    assert code == 0 and payload["answered"] and payload["lang"] == "fi"
    assert payload["answer"]["id"] == "calendar-50-minute-meetings"
    assert "50" in payload["answer"]["body"]


def test_ask_json_lang_override_changes_the_answer_language() -> None:
    _, out = run(
        "ask", "--json", "--lang", "sv", "Miksi kokous kannattaa pitää 50 minuutin mittaisena?"
    )
    payload = json.loads(out)
    check_contract(payload)
    entry = load_pack(BUNDLED_CONTENT_DIR).entry("calendar-50-minute-meetings")
    assert payload["lang"] == "sv" and payload["answered"]
    assert payload["answer"]["title"] == entry.title.sv
    assert payload["answer"]["body"] == entry.body.sv


def test_ask_json_off_topic_is_not_answered_and_recorded(_data_dir: Path) -> None:
    _, out = run("ask", "--json", "What is the capital of Finland?")
    payload = json.loads(out)
    check_contract(payload)
    assert payload["answered"] is False and payload["answer"] is None
    _, misses = run("content", "misses")
    assert "capital of Finland" in misses


def test_ask_json_reads_questions_from_stdin_as_json_lines() -> None:
    questions = "Miten aloitan etäpalaverin?\n\nHur ska vi ha kamerorna på möten?\nweather today\n"
    code, out = run("ask", "--json", stdin=questions)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3  # the blank line is skipped
    for line in lines:
        check_contract(json.loads(line))
    assert json.loads(lines[1])["lang"] == "sv"


def test_ask_text_output() -> None:
    code, out = run("ask", "Miten kameroita käytetään kokouksissa?")
    assert code == 0 and "confidence" in out


def test_ask_without_question_or_json_is_a_usage_error() -> None:
    code, _ = run("ask")
    assert code == 2


def test_content_check_summarises_and_rejects_broken_pack(tmp_path: Path) -> None:
    code, out = run("content", "check")
    assert code == 0 and "55 entries" in out and "10 themes" in out
    (tmp_path / "pack.yaml").write_text("version: [", encoding="utf-8")
    code, _ = run("content", "check", str(tmp_path))
    assert code == 2


def test_misses_when_nothing_recorded() -> None:
    code, out = run("content", "misses")
    assert code == 0 and "No unanswered" in out


def test_bad_setting_exits_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_PORT", "not-a-port")
    code, _ = run("ask", "--json", "hello")
    assert code == 2
    assert "BOT_PORT" in capsys.readouterr().err


def test_module_entry_point_prints_one_json_object(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "Hur bokar jag ett tåg?"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    payload = json.loads(result.stdout)
    check_contract(payload)


def test_db_upgrade_and_copy_to_an_empty_database(tmp_path: Path) -> None:
    code, out = run("db", "upgrade")
    assert code == 0 and "up to date" in out
    run("ask", "--json", "capital of Finland")  # leaves one unanswered question
    target = f"sqlite+aiosqlite:///{tmp_path / 'copy.db'}"
    code, out = run("db", "copy", "--to", target)
    assert code == 0 and "misses" in out
    code, _ = run("db", "copy", "--to", target)  # not empty any more
    assert code == 2


def test_deliveries_and_send_now_without_subscribers() -> None:
    code, out = run("deliveries")
    assert code == 0 and "No deliveries" in out
    code, out = run("send-now", "tips")
    assert code == 0 and "created" in out
    code, out = run("send-now", "tips")  # idempotent: the same day's occurrence
    assert code == 0 and "already existed" in out


def test_onboarding_list_when_empty() -> None:
    code, out = run("onboarding", "list")
    assert code == 0 and "No onboardings" in out
