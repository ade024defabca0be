"""Chat handlers and card actions, called directly without HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.chat.actions import perform
from bot.chat.commands import parse_command
from bot.chat.handlers import ChatDeps
from bot.chat.model import ConversationKind, Incoming
from bot.chat.routes import dispatch
from cards.base import VERB_FEEDBACK, VERB_SHOW_ENTRY, VERB_SHOW_THEME, VERB_THEMES, VERB_TIP


def message(text: str, locale: str | None = None, **kw: Any) -> Incoming:
    return Incoming(text=text, user_id="29:alice", conversation_id="a:1", locale=locale, **kw)


def texts_of(card: dict[str, Any] | None) -> str:
    return json.dumps(card, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "command", "lang"),
    [
        ("apua", "help", "fi"),
        ("Apua!", "help", "fi"),
        ("hjälp", "help", "sv"),
        ("help", "help", "en"),
        ("aiheet", "themes", "fi"),
        ("teman", "themes", "sv"),
        ("themes", "themes", "en"),
        ("vinkki", "tip", "fi"),
        ("tip", "tip", "en"),
        ("/help", "help", "en"),
    ],
)
def test_command_words_name_their_language(text: str, command: str, lang: str) -> None:
    parsed = parse_command(text)
    assert parsed is not None and (parsed.name, parsed.lang) == (command, lang)


def test_a_question_containing_a_command_word_is_not_a_command() -> None:
    assert parse_command("help with meetings") is None
    assert parse_command("") is None


async def test_help_is_answered_in_the_language_of_the_command(deps: ChatDeps) -> None:
    for word, heading in (
        ("apua", "Näin käytät minua"),
        ("hjälp", "Så här använder du mig"),
        ("help", "How to use me"),
    ):
        reply = await dispatch(message(word), deps)
        assert heading in texts_of(reply.card)


async def test_tips_follows_the_users_locale(deps: ChatDeps) -> None:
    swedish = await dispatch(message("tips", locale="sv-FI"), deps)
    english = await dispatch(message("tips", locale="en-US"), deps)
    assert swedish.lang == "sv" and "Dagens tips" in texts_of(swedish.card)
    assert english.lang == "en" and "Tip of the day" in texts_of(english.card)


async def test_themes_lists_every_theme(deps: ChatDeps) -> None:
    reply = await dispatch(message("aiheet"), deps)
    body = texts_of(reply.card)
    for theme in deps.pack.themes:
        assert theme.title.fi in body


async def test_a_clear_question_gets_the_answer_card_in_its_language(deps: ChatDeps) -> None:
    reply = await dispatch(message("Kuinka pitkä kokouksen pitäisi olla, 50 minuuttia?"), deps)
    entry = deps.pack.entry("calendar-50-minute-meetings")
    assert reply.lang == "fi"
    assert entry.title.fi in texts_of(reply.card)
    english = await dispatch(
        message("How long should a meeting be, 50 minutes instead of an hour?"), deps
    )
    assert english.lang == "en" and entry.title.en in texts_of(english.card)


async def test_off_topic_question_gets_not_found_with_themes_and_is_recorded(
    deps: ChatDeps,
) -> None:
    reply = await dispatch(message("Mikä on Suomen pääkaupunki?"), deps)
    body = texts_of(reply.card)
    assert "En löytänyt tähän vastausta" in body
    assert all(theme.title.fi in body for theme in deps.pack.themes)
    misses = await deps.store.misses()
    assert [m.question for m in misses] == ["Mikä on Suomen pääkaupunki?"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t",
        "😀🎉☕",
        "a" * 10_000,
        "\x00\x01\x07kokous\x1b[31m",
        "<script>alert(1)</script>",
        "**bold** [link](https://evil.example) ![img](x)",
        "${jndi:ldap://x}",
        "'; DROP TABLE users; --",
        "\u202eevil\u202c",
        "kokous " * 2000,
    ],
)
async def test_any_chat_text_gets_a_sensible_reply(deps: ChatDeps, text: str) -> None:
    reply = await dispatch(message(text), deps)
    assert not reply.empty
    rendered = texts_of(reply.card) + (reply.text or "")
    assert "<script>" not in rendered and "evil.example" not in rendered


async def test_a_very_long_message_says_only_the_beginning_was_read(deps: ChatDeps) -> None:
    reply = await dispatch(message("Miten kokous aloitetaan? " + "x" * 5000), deps)
    assert reply.text is not None and "alun" in reply.text


async def test_feedback_updates_counts_and_thanks(deps: ChatDeps) -> None:
    reply = await perform(
        message(""),
        VERB_FEEDBACK,
        {"entry": "meetings-cameras", "helpful": True, "lang": "sv"},
        deps,
    )
    assert await deps.store.feedback_counts("meetings-cameras") == (1, 0)
    assert "Tack för responsen" in texts_of(reply.card)
    assert "Action.Execute" not in texts_of(reply.card)  # the buttons are gone
    await perform(message(""), VERB_FEEDBACK, {"entry": "meetings-cameras", "helpful": False}, deps)
    assert await deps.store.feedback_counts("meetings-cameras") == (1, 1)


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        (VERB_FEEDBACK, {"entry": "no-such-entry", "helpful": True}),
        (VERB_FEEDBACK, {"entry": "meetings-cameras", "helpful": "yes"}),
        (VERB_FEEDBACK, {"entry": ["meetings-cameras"], "helpful": True}),
        (VERB_FEEDBACK, {"entry": "x" * 10_000, "helpful": True}),
        (VERB_SHOW_ENTRY, {}),
        (VERB_SHOW_ENTRY, {"entry": None}),
        (VERB_SHOW_THEME, {"theme": "../../etc/passwd"}),
        ("deleteEverything", {"entry": "meetings-cameras"}),
        (None, None),
        (42, "not a mapping"),
    ],
)
async def test_forged_or_broken_payloads_change_nothing(
    deps: ChatDeps, verb: object, data: object
) -> None:
    reply = await perform(message("", locale="en-GB"), verb, data, deps)
    assert reply.card is None
    assert reply.text == "This button no longer works. Ask again or type help."
    assert await deps.store.feedback_counts("meetings-cameras") == (0, 0)


async def test_payload_naming_another_user_is_ignored(deps: ChatDeps) -> None:
    data = {
        "entry": "meetings-cameras",
        "helpful": True,
        "user": "29:mallory",
        "from": {"id": "29:x"},
    }
    reply = await perform(message(""), VERB_FEEDBACK, data, deps)
    assert reply.card is not None
    assert await deps.store.feedback_counts("meetings-cameras") == (1, 0)


async def test_browse_actions(deps: ChatDeps) -> None:
    theme = await perform(message(""), VERB_SHOW_THEME, {"theme": "calendar", "lang": "en"}, deps)
    assert "Calendar practices" in texts_of(theme.card)
    entry = await perform(
        message(""), VERB_SHOW_ENTRY, {"entry": "calendar-open-calendars", "lang": "en"}, deps
    )
    assert deps.pack.entry("calendar-open-calendars").title.en in texts_of(entry.card)
    themes = await perform(message(""), VERB_THEMES, {"lang": "sv"}, deps)
    assert "Teman" in texts_of(themes.card)
    tip = await perform(message(""), VERB_TIP, {"lang": "de"}, deps)  # unknown lang falls back
    assert tip.lang == "fi" and "Päivän vinkki" in texts_of(tip.card)


def test_incoming_locale_language() -> None:
    assert message("", locale="sv-FI").locale_language == "sv"
    assert message("", locale="de-DE").locale_language is None
    assert message("", kind=ConversationKind.CHANNEL).kind is ConversationKind.CHANNEL


async def test_an_answer_card_offers_related_entries_as_buttons(deps: ChatDeps) -> None:
    """'See also' under an answer: up to two other entries, each a button that shows it."""
    for question in (
        "etäpalsun alussa kuulumiset",
        "taukoja kokouksissa",
        "how long should a meeting be",
    ):
        result = deps.answerer.answer(question)
        if not (result.answered and result.related):
            continue
        reply = await dispatch(message(question), deps)
        body = texts_of(reply.card)
        heading = "See also" if result.lang == "en" else "Katso myös"
        assert heading in body
        for entry in result.related:
            assert entry.title.get(result.lang) in body
            assert json.dumps(entry.id) in json.dumps(reply.card)
        return
    pytest.fail("none of the questions got related entries")


async def test_a_near_miss_gets_not_found_with_the_packs_pointer(deps: ChatDeps) -> None:
    reply = await dispatch(message("Unohdin VPN-salasanani, miten saan uuden?"), deps)
    body = texts_of(reply.card)
    assert "En löytänyt tähän vastausta" in body
    assert "Tähän en osaa vastata" in body and "IT-tuke" in body


async def test_feedback_and_show_entry_follow_redirects_of_merged_entries(
    deps: ChatDeps,
) -> None:
    """A card sent before a merge still works: its old id counts for the new entry."""
    await perform(
        message(""), VERB_FEEDBACK, {"entry": "reading-valoa-site", "helpful": True}, deps
    )
    assert await deps.store.feedback_counts("tools-valoa") == (1, 0)
    reply = await perform(message(""), VERB_SHOW_ENTRY, {"entry": "informal-hobby-groups"}, deps)
    assert deps.pack.entry("modes-virtual-community").title.fi in texts_of(reply.card)
