"""The kernel's dispatcher over the joined features: commands, the route order, any text,
forged card payloads."""

from __future__ import annotations

import pytest

from bot.chat.commands import parse_command
from bot.chat.dispatch import Dispatcher
from bot.chat.model import ConversationKind
from bot.store.sql import SqlStore
from cards.base import VERB_FEEDBACK, VERB_SHOW_ENTRY, VERB_SHOW_THEME
from tests.messages import message, texts_of


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
async def test_any_chat_text_gets_a_sensible_reply(chat: Dispatcher, text: str) -> None:
    reply = await chat.dispatch(message(text))
    assert not reply.empty
    rendered = texts_of(reply.card) + (reply.text or "")
    assert "<script>" not in rendered and "evil.example" not in rendered


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
    chat: Dispatcher, sqlite_store: SqlStore, verb: object, data: object
) -> None:
    reply = await chat.perform(message("", locale="en-GB"), verb, data)
    assert reply.card is None
    assert reply.text == "This button no longer works. Ask again or type help."
    assert await sqlite_store.feedback_counts("meetings-cameras") == (0, 0)


def test_incoming_locale_language() -> None:
    assert message("", locale="sv-FI").locale_language == "sv"
    assert message("", locale="de-DE").locale_language is None
    assert message("", kind=ConversationKind.CHANNEL).kind is ConversationKind.CHANNEL
