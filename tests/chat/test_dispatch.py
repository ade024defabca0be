"""The kernel's dispatcher over the joined features: commands, the route order, any text,
forged card payloads."""

from __future__ import annotations

from datetime import date

import pytest

from bot.chat.commands import Command, CommandParser
from bot.chat.dispatch import Dispatcher
from bot.chat.feature import Action, Feature, Priority, Route
from bot.chat.model import ConversationKind, Incoming, Reply
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
def test_command_words_name_their_language(
    chat: Dispatcher, text: str, command: str, lang: str
) -> None:
    parsed = chat.parser.parse(text)
    assert parsed is not None and (parsed.name, parsed.lang) == (command, lang)


def test_a_question_containing_a_command_word_is_not_a_command(chat: Dispatcher) -> None:
    assert chat.parser.parse("help with meetings") is None
    assert chat.parser.parse("") is None


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


def test_the_joined_route_table_keeps_todays_order(chat: Dispatcher) -> None:
    """First match wins: coffee's reading of "pause" comes before the generic pause, the
    question catches everything else and is last."""
    assert [route.name for route in chat.routes] == [
        "coffee_pause",
        "help",
        "themes",
        "tip",
        "settings",
        "subscribe",
        "unsubscribe",
        "pause",
        "coffee_on",
        "coffee_off",
        "coffee_settings",
        "coffee_avoid",
        "erase",
        "hr_onboarding",
        "question",
    ]


async def test_a_coffee_pause_reaches_coffee_and_a_tips_pause_reaches_subscriptions(
    chat: Dispatcher,
) -> None:
    coffee = await chat.dispatch(message("kahvitauko 2027-01-15", aad_object_id="o-1"))
    assert coffee.text == "Et ole mukana virtuaalikahveilla. Liity kirjoittamalla: kahvi mukaan."
    tips = await chat.dispatch(message("tauko vinkit 2027-01-15", aad_object_id="o-1"))
    assert tips.text == "Sinulla ei ollut tätä tilausta."


def test_priority_orders_routes_across_features_and_ties_keep_the_feature_order() -> None:
    async def reply(incoming: Incoming, command: object) -> Reply:
        return Reply(text="x")

    def feature(name: str, *routes: tuple[str, Priority]) -> Feature:
        return Feature(name, tuple(Route(n, lambda i, c: True, reply, p) for n, p in routes))

    first = feature("first", ("a", Priority.COMMAND), ("fallback", Priority.FALLBACK))
    second = feature("second", ("b", Priority.COMMAND), ("narrow", Priority.SPECIFIC))
    names = [route.name for route in Dispatcher([first, second]).routes]
    assert names == ["narrow", "a", "b", "fallback"]


def test_a_verb_registered_by_two_features_stops_start_up() -> None:
    async def handler(incoming: Incoming, data: object, lang: object) -> Reply:
        return Reply(text="x")

    twice = [Feature("one", actions=(Action("same", handler),)),
             Feature("two", actions=(Action("same", handler),))]  # fmt: skip
    with pytest.raises(ValueError, match="registered twice"):
        Dispatcher(twice)


async def test_an_empty_message_gets_a_hint_before_any_feature() -> None:
    reply = await Dispatcher([]).dispatch(message("   ", locale="sv-FI"))
    assert reply.lang == "sv" and reply.text


def test_commands_with_arguments_are_read_by_the_feature_that_owns_the_word(
    chat: Dispatcher,
) -> None:
    until = date(2027, 1, 15)
    assert chat.parser.parse("kahvitauko 15.1.2027") == Command("pause", "fi", "coffee", until)
    assert chat.parser.parse("pause tips until 2027-01-15") == Command("pause", "en", "tips", until)
    assert chat.parser.parse("pausa tips 2027-01-15") == Command("pause", "sv", "tips", until)
    assert chat.parser.parse("tauko muistutukset 2027-01-15 asti") == Command(
        "pause", "fi", "nudges", until
    )
    assert chat.parser.parse("Don't pair me with maija@virasto.fi") == Command(
        "coffee_avoid", "en", "maija@virasto.fi"
    )


def test_a_phrase_claimed_by_two_features_stops_start_up() -> None:
    with pytest.raises(ValueError, match="a command twice"):
        CommandParser([{"help": {"apua": "fi"}}, {"coffee_on": {"apua": "fi"}}], [])
