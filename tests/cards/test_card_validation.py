"""Every card the bot can send, in fi, sv and en, passes the Adaptive Cards object model
(npm ``adaptivecards``, run by Node.js through tools/cards_check.py) for schema 1.5 as Teams
renders it, and our own rules: size, unique input ids, handled verbs, accessibility.

The cards come from :func:`tools.card_samples.sample_cards`, so a card added there is checked
here without touching this file. Needs ``make tools`` (``make test`` runs it first).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import pytest

from bot.content.models import ContentPack
from tools.card_samples import sample_cards
from tools.cards_check import (
    MAX_CARD_BYTES,
    ModelReport,
    Problem,
    ToolsMissing,
    card_problems,
    card_size,
    handled_verbs,
    validate_with_object_model,
)

Cards = dict[str, dict[str, Any]]

# Defects the checks found in cards that are not fixed yet: (card kind, problem code).
# Each entry must still occur (test_known_defects_are_still_there), so a fix removes it here.
# - TooManyActions: the theme list, a theme's practices and "not found" put 10-18 buttons
#   in one ActionSet; Teams shows 6 in a row and cuts off or hides the rest. Fix in cards/:
#   ActionSets of at most 6, or one Container with selectAction per item.
KNOWN_DEFECTS: frozenset[tuple[str, str]] = frozenset()


def kind_of(name: str) -> str:
    """'did-you-mean-fi' -> 'did-you-mean'."""
    return name.rsplit("-", 1)[0]


def unexpected(name: str, problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if (kind_of(name), p.code) not in KNOWN_DEFECTS]


ACTIONS = handled_verbs()  # the verbs the bot's features handle


def report_failures(failures: dict[str, list[Problem]]) -> str:
    return "\n".join(f"{name}: {p}" for name, found in failures.items() for p in found)


@pytest.fixture(scope="module")
def cards(pack: ContentPack) -> Cards:
    return sample_cards(pack)


@pytest.fixture(scope="module")
def report(cards: Cards) -> ModelReport:
    try:
        return validate_with_object_model(cards)
    except ToolsMissing as exc:
        pytest.fail(f"the card validator cannot run: {exc}")


def _rule(cards: Cards, *codes: str) -> dict[str, list[Problem]]:
    failures: dict[str, list[Problem]] = {}
    for name, card in cards.items():
        found = [p for p in card_problems(card, ACTIONS) if p.code in codes]
        if found:
            failures[name] = found
    return failures


# ------------------------------------------------------------------ the object model


def test_the_object_model_saw_every_card_in_three_languages(
    cards: Cards, report: ModelReport
) -> None:
    assert set(report.cards) == set(cards)
    assert report.adaptivecards_version == "3.0.6" and report.target_version == "1.5"
    kinds = {kind_of(name) for name in cards}
    assert {f"{kind}-{lang}" for kind in kinds for lang in ("fi", "sv", "en")} == set(cards)
    for name, result in report.cards.items():
        assert result.elements > 0, f"{name}: the object model parsed no element"


def test_every_card_passes_the_object_model_for_teams(report: ModelReport) -> None:
    failures = {
        name: found
        for name, result in report.cards.items()
        if (found := unexpected(name, [*result.errors, *result.warnings]))
    }
    assert not failures, "\n" + report_failures(failures)


def test_known_defects_are_still_there(cards: Cards, report: ModelReport) -> None:
    """A fixed defect must leave KNOWN_DEFECTS, or it could come back unnoticed."""
    present = {
        (kind_of(name), p.code)
        for name, result in report.cards.items()
        for p in [*result.errors, *result.warnings, *card_problems(cards[name], ACTIONS)]
    }
    assert sorted(KNOWN_DEFECTS - present) == [], "fixed: remove these from KNOWN_DEFECTS"


# ------------------------------------------------------------------ our rules


def test_every_card_is_within_the_teams_size_limit(cards: Cards) -> None:
    sizes = {name: card_size(card) for name, card in cards.items()}
    assert {name: size for name, size in sizes.items() if size > MAX_CARD_BYTES} == {}


def test_input_ids_are_unique_within_each_card(cards: Cards) -> None:
    assert _rule(cards, "DuplicateInputId", "InputWithoutId") == {}


def test_every_execute_verb_has_a_handler(cards: Cards) -> None:
    assert _rule(cards, "VerbWithoutHandler") == {}


def test_every_image_has_alt_text(cards: Cards) -> None:
    assert _rule(cards, "ImageWithoutAltText") == {}


def test_every_input_has_a_label(cards: Cards) -> None:
    assert _rule(cards, "InputWithoutLabel") == {}


def test_text_wraps_headings_are_marked_and_buttons_have_titles(cards: Cards) -> None:
    codes = ("TextDoesNotWrap", "HeadingWithoutStyle", "CardWithoutHeading", "ActionWithoutTitle")
    assert _rule(cards, *codes) == {}


# ------------------------------------------------------------------ the checks catch defects


def paragraph_block(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True}


def _broken_card(cards: Cards) -> dict[str, Any]:
    card = copy.deepcopy(cards["settings-fi"])
    card["body"] += [
        {"type": "Image", "url": "https://example.fi/kuva.png"},
        {"type": "Input.Text", "id": "language"},
        {"type": "TextBlock", "text": "Iso otsikko", "size": "Large"},
        {"type": "TextBlock", "text": "x" * (MAX_CARD_BYTES + 1), "wrap": True},
    ]
    card["actions"].append({"type": "Action.Execute", "title": "", "verb": "noSuchVerb"})
    return card


def test_our_rules_find_each_kind_of_defect(cards: Cards) -> None:
    codes = {p.code for p in card_problems(_broken_card(cards), ACTIONS)}

    assert codes == {
        "TooLarge",
        "ImageWithoutAltText",
        "DuplicateInputId",
        "InputWithoutLabel",
        "TextDoesNotWrap",
        "HeadingWithoutStyle",
        "VerbWithoutHandler",
        "ActionWithoutTitle",
    }
    headless = {"type": "AdaptiveCard", "version": "1.5", "body": [paragraph_block("Hei")]}
    assert [p.code for p in card_problems(headless, ACTIONS)] == ["CardWithoutHeading"]


def test_the_object_model_refuses_what_teams_cannot_render(cards: Cards) -> None:
    card = copy.deepcopy(cards["answer-fi"])
    card["body"] += [
        {"type": "Carousel", "pages": []},  # schema 1.6
        {"type": "TextBlock", "text": "<b>lihavoitu</b>", "wrap": True, "altext": "typo"},
        {"type": "Input.Text", "id": "a", "label": "A", "inputStyle": "revealOnHover"},
        {"type": "Input.Text", "id": "a", "label": "B"},
        {"type": "Image", "url": "http://example.fi/kuva.png", "altText": "kuva"},
    ]
    card["actions"].append({"type": "Action.OpenUrl", "title": "x", "url": "javascript:alert(1)"})
    newer = copy.deepcopy(cards["tip-fi"])
    newer["version"] = "1.6"

    result = validate_with_object_model({"broken": card, "newer": newer, "fine": cards["tip-fi"]})

    codes = {p.code for p in result.cards["broken"].errors}
    assert codes >= {
        "UnknownElementType",
        "UnknownProperty",
        "UnsupportedProperty",
        "DuplicateId",
        "HtmlNotSupported",
        "ImageUrlNotSupported",
        "OpenUrlNotSupported",
    }
    assert [p.code for p in result.cards["newer"].errors] == ["UnsupportedCardVersion"]
    assert result.cards["fine"].errors == [] and result.cards["fine"].warnings == []


def test_a_valid_lang_is_never_reported_invalid(cards: Cards) -> None:
    """The object model's global-regex defect (every other `lang` invalid) is patched."""
    same = {f"copy-{i}": cards["tip-fi"] for i in range(4)}

    result = validate_with_object_model(same)

    assert all(r.errors == [] for r in result.cards.values())
