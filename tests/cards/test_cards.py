"""Structural checks on every card: schema 1.5, size, verbs with handlers, accessibility basics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.chat.dispatch import Dispatcher
from bot.content.models import ContentPack
from cards.base import VERBS
from tools.card_samples import sample_cards

ELEMENTS = {
    "AdaptiveCard",  # the card inside an Action.ShowCard
    "TextBlock",
    "Container",
    "ActionSet",
    "ColumnSet",
    "Column",
    "Image",
    "FactSet",
    "Input.Text",
    "Input.Toggle",
    "Input.ChoiceSet",
    "Input.Time",
    "Input.Date",
    "Input.Number",
    "RichTextBlock",
}
ACTION_TYPES = {
    "Action.Execute",
    "Action.OpenUrl",
    "Action.Submit",
    "Action.ShowCard",
    "Action.ToggleVisibility",
}
MAX_CARD_BYTES = 28 * 1024


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


@pytest.fixture(scope="module")
def cards(pack: ContentPack) -> dict[str, dict[str, Any]]:
    return sample_cards(pack)


def test_every_card_kind_exists_in_three_languages(cards: dict[str, dict[str, Any]]) -> None:
    kinds = {name.rsplit("-", 1)[0] for name in cards}
    for kind in kinds:
        assert {f"{kind}-{lang}" for lang in ("fi", "sv", "en")} <= set(cards)


def test_cards_are_adaptive_cards_1_5_under_the_teams_size_limit(
    cards: dict[str, dict[str, Any]],
) -> None:
    for name, card in cards.items():
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.5", name
        assert len(json.dumps(card, ensure_ascii=False).encode()) < MAX_CARD_BYTES, name
        for node in walk(card):
            kind = node.get("type")
            if kind is None or node is card:
                continue
            assert kind in ELEMENTS | ACTION_TYPES, (name, kind)


def test_every_execute_verb_has_a_handler(
    cards: dict[str, dict[str, Any]], chat: Dispatcher
) -> None:
    assert set(chat.actions) == VERBS
    for name, card in cards.items():
        for node in walk(card):
            if node.get("type") == "Action.Execute":
                assert node["verb"] in chat.actions, (name, node["verb"])
                assert node["title"].strip(), name


def test_text_wraps_and_is_never_empty(cards: dict[str, dict[str, Any]]) -> None:
    for name, card in cards.items():
        for node in walk(card):
            if node.get("type") == "TextBlock":
                assert node.get("wrap") is True, name
                assert node["text"].strip(), name


def test_input_ids_are_unique(cards: dict[str, dict[str, Any]]) -> None:
    for name, card in cards.items():
        ids = [node["id"] for node in walk(card) if str(node.get("type", "")).startswith("Input.")]
        assert len(ids) == len(set(ids)), name


def test_every_input_has_a_label(cards: dict[str, dict[str, Any]]) -> None:
    for name, card in cards.items():
        for node in walk(card):
            if str(node.get("type", "")).startswith("Input."):
                assert str(node.get("label", "")).strip(), (name, node["id"])


def test_open_url_actions_use_https(cards: dict[str, dict[str, Any]]) -> None:
    for card in cards.values():
        for node in walk(card):
            if node.get("type") == "Action.OpenUrl":
                assert node["url"].startswith("https://")
