"""Behaviour of the Q&A engine on the real bundled pack: Finnish morphology, typos,
colloquial words, language detection, off-topic questions, hostile text and a quality floor.

Uses the session fixtures `pack` and `answerer` from conftest.py (the bundled pack).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bot.content.models import ContentPack
from bot.qa.contract import result_to_json
from bot.qa.engine import Answerer, Outcome, QaResult
from bot.qa.stemming import stem
from bot.qa.text import tokens

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from qa_bench import evaluate, load_cases


def top(result: QaResult) -> str | None:
    return result.ranking[0].id if result.ranking else None


def assert_valid(result: QaResult, question: str) -> None:
    """The result honours the public contract whatever the question was."""
    assert result.lang in ("fi", "sv", "en")
    assert isinstance(result.outcome, Outcome)
    assert 0.0 <= result.confidence <= 1.0
    assert result.answered == (result.outcome is Outcome.ANSWER)
    assert (result.answer is not None) == result.answered
    if result.outcome is Outcome.DID_YOU_MEAN:
        assert 1 <= len(result.suggestions) <= 3
    else:
        assert result.suggestions == ()
    document = result_to_json(result)
    assert set(document) == {
        "question",
        "lang",
        "answered",
        "confidence",
        "answer",
        "suggestions",
    }
    assert document["question"] == question
    json.dumps(document)  # serialisable


# ---------- Finnish inflection and compounds ----------


def test_inflected_forms_share_a_stem() -> None:
    assert stem("kokouksissa", "fi") == stem("kokous", "fi") == stem("kokouksen", "fi")
    assert stem("tapaamisissa", "fi") == stem("tapaaminen", "fi")
    assert stem("yhteisen", "fi") == stem("yhteinen", "fi")


def test_inflected_question_finds_the_same_entry(answerer: Answerer) -> None:
    base = answerer.answer("tauko kokousten välissä")
    inflected = answerer.answer("taukoja kokouksissa")
    assert top(base) == top(inflected) == "meetings-recovery-breaks"
    assert inflected.answered


def test_compound_is_split_into_both_parts(answerer: Answerer) -> None:
    parts = answerer.index.split_compound("hybridikokouksen")
    assert parts[0] == "hybridi"
    assert stem(parts[-1], "fi") == stem("kokous", "fi")
    result = answerer.answer("hybridikokouksen osallistujat")
    assert result.answered
    assert top(result) == "modes-hybrid-participation"


# ---------- typos ----------


def test_typo_in_a_word_is_repaired(answerer: Answerer) -> None:
    result = answerer.answer("kokouksn kesto", lang="fi")
    assert top(result) == "calendar-50-minute-meetings"
    assert result.outcome is not Outcome.NOT_FOUND


def test_split_and_misspelt_compound(answerer: Answerer) -> None:
    result = answerer.answer("perehdytys suunitelma uudelle työntekijälle")
    assert top(result) in {"competence-orientation", "leadership-newcomer-integration"}
    assert result.outcome is not Outcome.NOT_FOUND


# ---------- colloquial words ----------


def test_colloquial_meeting_words(answerer: Answerer) -> None:
    assert stem("palaveri", "fi") == stem("kokous", "fi")
    assert stem("palsuissa", "fi") == stem("kokous", "fi")  # inflected colloquial word
    result = answerer.answer("palaverin asialista")
    assert result.answered and top(result) == "meetings-clear-agenda"


def test_colloquial_compound_with_inflection(answerer: Answerer) -> None:
    assert stem("etäpalsun", "fi") == stem("etäkokous", "fi")
    result = answerer.answer("etäpalsun alussa kuulumiset")
    assert result.answered and top(result) == "meetings-informal-start"


def test_tyky_day_with_hyphen(answerer: Answerer) -> None:
    assert "tykypäivä" in tokens("tyky-päivä")
    result = answerer.answer("tyky-päivän järjestäminen")
    assert top(result) == "modes-team-days"


def test_one_to_one_spellings_are_one_token() -> None:
    for text in ("1:1", "1-on-1", "one-to-one", "1 to 1"):
        assert tokens(text) == ["1to1"], text


# ---------- language detection ----------


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("miten palsut kannattaa aloittaa", "fi"),
        ("kamerat päällä?", "fi"),
        ("pitäskö meiän pitää viikkopalsu", "fi"),
        ("hur funkar möten på distans", "sv"),
        ("kameran på?", "sv"),
        ("vad är en kontorsdag", "sv"),
        ("how do we run meetings", "en"),
        ("cameras on?", "en"),
        ("tips for the first day of a new hire", "en"),
    ],
)
def test_detects_language_of_short_informal_questions(
    answerer: Answerer, question: str, lang: str
) -> None:
    assert answerer.detect(question) == lang
    assert answerer.answer(question).lang == lang


def test_explicit_language_overrides_detection(answerer: Answerer) -> None:
    result = answerer.answer("kamerat päällä?", lang="sv")
    assert result.lang == "sv"
    document = result_to_json(result)
    if document["answer"] is not None:
        assert document["answer"]["title"] == result.ranking[0].title.get("sv")


def test_fallback_language_when_there_is_no_evidence(answerer: Answerer) -> None:
    assert answerer.detect("12345", fallback="en") == "en"
    assert answerer.answer("", fallback="sv").lang == "sv"


# ---------- off-topic ----------


@pytest.mark.parametrize(
    "question",
    [
        "Millainen sää on huomenna Helsingissä?",
        "What's the weather like tomorrow?",
        "Unohdin VPN-salasanani, miten saan uuden?",
        "I forgot my VPN password",
        "Paljonko lomarahaa maksetaan?",
        "How much holiday pay do I get?",
        "Mikä on Suomen pääkaupunki?",
        "What is the capital of Finland?",
        "Vad är Finlands huvudstad?",
        "asdkjh qwe zxcv lkj",
        "ghjkl ööö ääkkönen 12345",
    ],
)
def test_off_topic_is_not_answered(answerer: Answerer, question: str) -> None:
    result = answerer.answer(question)
    assert not result.answered
    assert result.answer is None
    assert result.outcome is Outcome.NOT_FOUND


# ---------- hostile text ----------


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   \n\t  ",
        "kokous " * 1500,
        "a" * 10_000,
        "😀🙈🔥 kokous? 🤷",
        "\x00\x01\x02kokous\x1b[31m\x7f",
        "<script>alert('x')</script> kamerat päällä",
        "**bold** [link](http://example.com) `code` # otsikko",
        '{"type": "AdaptiveCard", "body": []}',
        "\u202e\u200b\ufeffkokous",
        "Ωμέγα кириллица 中文",
    ],
)
def test_hostile_text_never_raises(answerer: Answerer, question: str) -> None:
    result = answerer.answer(question)
    assert_valid(result, question)


def test_empty_question_is_not_found(answerer: Answerer) -> None:
    result = answerer.answer("")
    assert result.outcome is Outcome.NOT_FOUND
    assert result.confidence == 0.0


# ---------- outcomes and public API ----------


def test_confident_answer_carries_the_entry(answerer: Answerer, pack: ContentPack) -> None:
    result = answerer.answer("Pitäisikö kokousten kestää 50 minuuttia tunnin sijaan?")
    assert result.outcome is Outcome.ANSWER
    assert result.confidence >= 0.5
    assert result.answer is not None
    assert result.answer is pack.entry("calendar-50-minute-meetings")
    document = result_to_json(result)
    assert document["answered"] is True
    assert document["answer"]["id"] == "calendar-50-minute-meetings"
    assert document["suggestions"] == []


def test_broad_question_asks_did_you_mean(answerer: Answerer) -> None:
    result = answerer.answer("kokouksissa")
    assert result.outcome is Outcome.DID_YOU_MEAN
    assert answerer.mode.suggest_at <= result.confidence < answerer.mode.answer_at
    assert 1 <= len(result.suggestions) <= 3


# ---------- quality floor on the eval set ----------


def test_quality_floor_on_the_eval_set(answerer: Answerer, pack: ContentPack) -> None:
    report = evaluate(answerer, load_cases(pack=pack))
    assert min(report.top1.values()) >= 0.93, report.top1
    assert report.offtopic >= 0.95
    assert report.answered_precision >= 0.95


# Measured with `make bench-qa` (see bench/README.md): top-1 fi 0.811, sv 0.935, en 0.833,
# answered 0.644, answered-precision 0.993, off-topic rejection 0.980. The floor sits a
# little below, so a change that makes the bot worse on questions it was never tuned on
# fails here. Quality only: timing is the benchmark's business.
CHAT_TEST_FLOOR = {"fi": 0.78, "sv": 0.90, "en": 0.80}


def test_quality_floor_on_the_chat_test_set(answerer: Answerer, pack: ContentPack) -> None:
    report = evaluate(answerer, load_cases(pack=pack, split="chat/test"))
    assert sum(report.counts.values()) >= 200
    for lang, floor in CHAT_TEST_FLOOR.items():
        assert report.top1[lang] >= floor, (lang, report.top1)
    assert report.answered_precision >= 0.97
    assert report.offtopic >= 0.95
    assert report.answer_rate >= 0.60
