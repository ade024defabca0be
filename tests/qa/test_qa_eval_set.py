"""The chat-style Q&A evaluation set (bench/qa_eval/chat/) is well formed and big enough.

Checks what the set promises in its header: every expected id is an entry of the bundled
pack, the composition per language and kind meets its minimums, dev and test are an even,
stratified split with no shared question, and no test question has leaked into the pack's
example questions (test.yaml is frozen and must never be tuned on).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.loader import load_pack
from bot.i18n import LANGUAGES
from bot.settings import BUNDLED_CONTENT_DIR

CHAT_DIR = Path(__file__).resolve().parents[2] / "bench" / "qa_eval" / "chat"
SPLITS = ("dev", "test")
ON_TOPIC_KINDS = {"short", "question", "problem", "long"}
OFF_TOPIC_KINDS = {"near-miss", "off-topic"}

# Minimums across both splits (on-topic questions per language; off-topic in any language).
MIN_TOTAL = 420
MIN_ON_TOPIC = {"fi": 230, "sv": 85, "en": 85}
MIN_OFF_TOPIC = 85
MIN_NEAR_MISS = 35

# Examples from the issue that must be in the set, verbatim.
ISSUE_EXAMPLES = (
    "kuinka pitkiä palaverien pitäisi olla",
    "etäkahvit",
    "mikä se VALOA oikein on",
    "miten saan kaikki osallistumaan kokouksessa",
    "meidän viikkopalaveri venähtää joka kerta yli tunnin",
    "how do I keep my team connected when everyone is remote",
    "esimiesten vertaisryhmä",
)


def load_split(name: str) -> list[dict[str, Any]]:
    items = yaml.safe_load((CHAT_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(items, list) and items, f"{name}.yaml must be a non-empty YAML list"
    return items


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict[str, Any]]]:
    return {name: load_split(name) for name in SPLITS}


def is_off_topic(item: dict[str, Any]) -> bool:
    # The convention of bench/qa_bench.py and bench/qa_eval/offtopic.yaml: `expect: none`.
    return bool(item["expect"] == "none")


def stratum(item: dict[str, Any]) -> tuple[str, str]:
    return ("off" if is_off_topic(item) else item["lang"], item["kind"])


def normalise(text: str) -> str:
    return re.sub(r"[^\w ]", "", text.lower()).strip()


def test_items_are_well_formed(splits: dict[str, list[dict[str, Any]]]) -> None:
    for name, items in splits.items():
        for item in items:
            where = f"{name}.yaml: {item!r}"
            assert set(item) == {"q", "lang", "kind", "expect"}, where
            assert isinstance(item["q"], str) and item["q"].strip(), where
            assert item["lang"] in LANGUAGES, where
            if is_off_topic(item):
                assert item["kind"] in OFF_TOPIC_KINDS, where
            else:
                assert item["kind"] in ON_TOPIC_KINDS, where
                expect = item["expect"]
                assert isinstance(expect, list) and expect, where
                assert len(set(expect)) == len(expect), f"duplicate id in {where}"
            words = len(item["q"].split())
            if item["kind"] == "long":
                assert 30 <= words <= 60, f"a long message has 30-60 words: {where}"
            if item["kind"] == "short":
                assert words <= 4, f"a short query has at most 4 words: {where}"


def test_every_expected_id_is_in_the_pack(splits: dict[str, list[dict[str, Any]]]) -> None:
    pack = load_pack(BUNDLED_CONTENT_DIR)
    known = {entry.id for entry in pack.entries}
    # Once entries are merged, their old ids stay valid as redirects.
    known |= set(getattr(pack, "redirects", None) or ())
    unknown = {
        (name, entry_id)
        for name, items in splits.items()
        for item in items
        if not is_off_topic(item)
        for entry_id in item["expect"]
        if entry_id not in known
    }
    assert not unknown, f"ids not in the pack: {sorted(unknown)}"


def test_composition_meets_the_minimums(splits: dict[str, list[dict[str, Any]]]) -> None:
    items = [item for split in splits.values() for item in split]
    assert len(items) >= MIN_TOTAL
    on_topic = Counter(item["lang"] for item in items if not is_off_topic(item))
    for lang, minimum in MIN_ON_TOPIC.items():
        assert on_topic[lang] >= minimum, f"{lang}: {on_topic[lang]} on-topic < {minimum}"
    off_topic = [item for item in items if is_off_topic(item)]
    assert len(off_topic) >= MIN_OFF_TOPIC
    assert sum(1 for item in off_topic if item["kind"] == "near-miss") >= MIN_NEAR_MISS
    # Off-topic questions come in every language, and Finnish has every on-topic kind.
    assert {item["lang"] for item in off_topic} == set(LANGUAGES)
    fi_kinds = {item["kind"] for item in items if item["lang"] == "fi" and not is_off_topic(item)}
    assert fi_kinds == ON_TOPIC_KINDS


def test_split_is_even_and_stratified(splits: dict[str, list[dict[str, Any]]]) -> None:
    dev, test = splits["dev"], splits["test"]
    assert abs(len(dev) - len(test)) <= 1
    dev_counts = Counter(stratum(item) for item in dev)
    test_counts = Counter(stratum(item) for item in test)
    for key in set(dev_counts) | set(test_counts):
        assert abs(dev_counts[key] - test_counts[key]) <= 1, f"stratum {key} is unbalanced"


def test_no_question_is_repeated_or_shared_between_splits(
    splits: dict[str, list[dict[str, Any]]],
) -> None:
    questions = [normalise(item["q"]) for split in splits.values() for item in split]
    repeated = [q for q, n in Counter(questions).items() if n > 1]
    assert not repeated, f"repeated questions: {repeated}"


def test_the_issue_examples_are_included(splits: dict[str, list[dict[str, Any]]]) -> None:
    questions = {item["q"] for split in splits.values() for item in split}
    missing = [q for q in ISSUE_EXAMPLES if q not in questions]
    assert not missing, missing


def test_frozen_test_questions_are_not_in_the_pack(splits: dict[str, list[dict[str, Any]]]) -> None:
    """test.yaml is frozen: copying its questions into the pack's examples would be tuning on it."""
    pack = load_pack(BUNDLED_CONTENT_DIR)
    examples = {
        normalise(question)
        for entry in pack.entries
        for lang in LANGUAGES
        for question in entry.questions.get(lang)
    }
    leaked = [item["q"] for item in splits["test"] if normalise(item["q"]) in examples]
    assert not leaked, f"test.yaml questions copied into the pack: {leaked}"
