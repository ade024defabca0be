"""Questions in chat and the 👍/👎 feedback buttons, through the kernel."""

from __future__ import annotations

import json

import pytest

from bot.chat.dispatch import Dispatcher
from bot.content.models import ContentPack
from bot.qa.engine import Answerer
from bot.store.sql import SqlStore
from cards.base import VERB_FEEDBACK, VERB_SHOW_ENTRY
from tests.messages import message, texts_of


async def test_a_clear_question_gets_the_answer_card_in_its_language(
    chat: Dispatcher, pack: ContentPack
) -> None:
    reply = await chat.dispatch(message("Kuinka pitkä kokouksen pitäisi olla, 50 minuuttia?"))
    entry = pack.entry("calendar-50-minute-meetings")
    assert reply.lang == "fi"
    assert entry.title.fi in texts_of(reply.card)
    english = await chat.dispatch(
        message("How long should a meeting be, 50 minutes instead of an hour?")
    )
    assert english.lang == "en" and entry.title.en in texts_of(english.card)


async def test_off_topic_question_gets_not_found_with_themes_and_is_recorded(
    chat: Dispatcher, sqlite_store: SqlStore, pack: ContentPack
) -> None:
    reply = await chat.dispatch(message("Mikä on Suomen pääkaupunki?"))
    body = texts_of(reply.card)
    assert "En löytänyt tähän vastausta" in body
    assert all(theme.title.fi in body for theme in pack.themes)
    misses = await sqlite_store.misses()
    assert [m.question for m in misses] == ["Mikä on Suomen pääkaupunki?"]


async def test_a_very_long_message_says_only_the_beginning_was_read(chat: Dispatcher) -> None:
    reply = await chat.dispatch(message("Miten kokous aloitetaan? " + "x" * 5000))
    assert reply.text is not None and "alun" in reply.text


async def test_feedback_updates_counts_and_thanks(chat: Dispatcher, sqlite_store: SqlStore) -> None:
    reply = await chat.perform(
        message(""), VERB_FEEDBACK, {"entry": "meetings-cameras", "helpful": True, "lang": "sv"}
    )
    assert await sqlite_store.feedback_counts("meetings-cameras") == (1, 0)
    assert "Tack för responsen" in texts_of(reply.card)
    assert "Action.Execute" not in texts_of(reply.card)  # the buttons are gone
    await chat.perform(message(""), VERB_FEEDBACK, {"entry": "meetings-cameras", "helpful": False})
    assert await sqlite_store.feedback_counts("meetings-cameras") == (1, 1)


async def test_payload_naming_another_user_is_ignored(
    chat: Dispatcher, sqlite_store: SqlStore
) -> None:
    data = {
        "entry": "meetings-cameras",
        "helpful": True,
        "user": "29:mallory",
        "from": {"id": "29:x"},
    }
    reply = await chat.perform(message(""), VERB_FEEDBACK, data)
    assert reply.card is not None
    assert await sqlite_store.feedback_counts("meetings-cameras") == (1, 0)


async def test_an_answer_card_offers_related_entries_as_buttons(
    chat: Dispatcher, answerer: Answerer
) -> None:
    """'See also' under an answer: up to two other entries, each a button that shows it."""
    for question in (
        "etäpalsun alussa kuulumiset",
        "taukoja kokouksissa",
        "how long should a meeting be",
    ):
        result = answerer.answer(question)
        if not (result.answered and result.related):
            continue
        reply = await chat.dispatch(message(question))
        body = texts_of(reply.card)
        heading = "See also" if result.lang == "en" else "Katso myös"
        assert heading in body
        for entry in result.related:
            assert entry.title.get(result.lang) in body
            assert json.dumps(entry.id) in json.dumps(reply.card)
        return
    pytest.fail("none of the questions got related entries")


async def test_a_near_miss_gets_not_found_with_the_packs_pointer(chat: Dispatcher) -> None:
    reply = await chat.dispatch(message("Unohdin VPN-salasanani, miten saan uuden?"))
    body = texts_of(reply.card)
    assert "En löytänyt tähän vastausta" in body
    assert "Tähän en osaa vastata" in body and "IT-tuke" in body


async def test_feedback_and_show_entry_follow_redirects_of_merged_entries(
    chat: Dispatcher, sqlite_store: SqlStore, pack: ContentPack
) -> None:
    """A card sent before a merge still works: its old id counts for the new entry."""
    await chat.perform(message(""), VERB_FEEDBACK, {"entry": "reading-valoa-site", "helpful": True})
    assert await sqlite_store.feedback_counts("tools-valoa") == (1, 0)
    reply = await chat.perform(message(""), VERB_SHOW_ENTRY, {"entry": "informal-hobby-groups"})
    assert pack.entry("modes-virtual-community").title.fi in texts_of(reply.card)
