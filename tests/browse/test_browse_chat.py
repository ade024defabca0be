"""Browsing in chat: help, themes and tips by command and by card button."""

from __future__ import annotations

from bot.chat.dispatch import Dispatcher
from bot.content.models import ContentPack
from cards.base import VERB_SHOW_ENTRY, VERB_SHOW_THEME, VERB_THEMES, VERB_TIP
from tests.messages import message, texts_of


async def test_help_is_answered_in_the_language_of_the_command(chat: Dispatcher) -> None:
    for word, heading in (
        ("apua", "Näin käytät minua"),
        ("hjälp", "Så här använder du mig"),
        ("help", "How to use me"),
    ):
        reply = await chat.dispatch(message(word))
        assert heading in texts_of(reply.card)


async def test_tips_follows_the_users_locale(chat: Dispatcher) -> None:
    swedish = await chat.dispatch(message("tips", locale="sv-FI"))
    english = await chat.dispatch(message("tips", locale="en-US"))
    assert swedish.lang == "sv" and "Dagens tips" in texts_of(swedish.card)
    assert english.lang == "en" and "Tip of the day" in texts_of(english.card)


async def test_themes_lists_every_theme(chat: Dispatcher, pack: ContentPack) -> None:
    reply = await chat.dispatch(message("aiheet"))
    body = texts_of(reply.card)
    for theme in pack.themes:
        assert theme.title.fi in body


async def test_browse_actions(chat: Dispatcher, pack: ContentPack) -> None:
    theme = await chat.perform(message(""), VERB_SHOW_THEME, {"theme": "calendar", "lang": "en"})
    assert "Calendar practices" in texts_of(theme.card)
    entry = await chat.perform(
        message(""), VERB_SHOW_ENTRY, {"entry": "calendar-open-calendars", "lang": "en"}
    )
    assert pack.entry("calendar-open-calendars").title.en in texts_of(entry.card)
    themes = await chat.perform(message(""), VERB_THEMES, {"lang": "sv"})
    assert "Teman" in texts_of(themes.card)
    tip = await chat.perform(message(""), VERB_TIP, {"lang": "de"})  # unknown lang falls back
    assert tip.lang == "fi" and "Päivän vinkki" in texts_of(tip.card)
