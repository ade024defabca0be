"""Browsing in chat: help, the themes, a tip on demand, and the card buttons that open an
entry, a theme or the next tip. Also the welcome card when the bot joins a conversation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.chat.commands import Command, Phrases, command_language
from bot.chat.feature import Feature, InvalidAction, Route, bind, bind_actions, command, text_field
from bot.chat.model import Incoming, Reply
from bot.clock import Clock
from bot.content.models import ContentPack
from bot.i18n import Language
from bot.storage import Store
from cards.answers import answer_card
from cards.base import VERB_SHOW_ENTRY, VERB_SHOW_THEME, VERB_THEMES, VERB_TIP
from cards.browse import help_card, theme_card, themes_card, tip_card, welcome_card
from jobs.planner import next_tip

PHRASES: Phrases = {
    "help": {"apua": "fi", "apu": "fi", "ohje": "fi", "ohjeet": "fi", "hjälp": "sv",
             "hjalp": "sv", "help": "en", "?": None},
    "themes": {"aiheet": "fi", "aihe": "fi", "teemat": "fi", "teman": "sv", "tema": "sv",
               "ämnen": "sv", "themes": "en", "topics": "en"},
    "tip": {"vinkki": "fi", "vinkkejä": "fi", "vinkkiä": "fi", "tips": None, "tip": "en"},
}  # fmt: skip


@dataclass(frozen=True)
class BrowseDeps:
    pack: ContentPack
    store: Store  # the tip rotation of each conversation
    clock: Clock
    default_language: Language = "fi"


async def handle_help(incoming: Incoming, command: Command | None, deps: BrowseDeps) -> Reply:
    lang = command_language(incoming, command, deps.default_language)
    return Reply(card=help_card(lang), lang=lang)


async def handle_themes(incoming: Incoming, command: Command | None, deps: BrowseDeps) -> Reply:
    lang = command_language(incoming, command, deps.default_language)
    return Reply(card=themes_card(deps.pack, lang), lang=lang)


async def tip_reply(incoming: Incoming, lang: Language, deps: BrowseDeps) -> Reply:
    """The conversation's next tip, walking through all tips without repeats."""
    entry = await next_tip(
        deps.store, incoming.root_conversation_id, deps.pack.entries, deps.pack.redirects
    )
    await deps.store.record_tip(incoming.root_conversation_id, entry.id, deps.clock())
    return Reply(card=tip_card(entry, deps.pack.theme(entry.theme), lang), lang=lang)


async def handle_tip(incoming: Incoming, command: Command | None, deps: BrowseDeps) -> Reply:
    return await tip_reply(
        incoming, command_language(incoming, command, deps.default_language), deps
    )


# --- card actions -----------------------------------------------------------------------


async def _show_entry(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: BrowseDeps
) -> Reply:
    entry_id = text_field(data, "entry")
    if not deps.pack.has_entry(entry_id):
        raise InvalidAction(f"unknown entry {entry_id!r}")
    entry = deps.pack.entry(entry_id)
    return Reply(card=answer_card(entry, deps.pack.theme(entry.theme), lang), lang=lang)


async def _show_theme(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: BrowseDeps
) -> Reply:
    theme_id = text_field(data, "theme")
    try:
        theme = deps.pack.theme(theme_id)
    except KeyError:
        raise InvalidAction(f"unknown theme {theme_id!r}") from None
    return Reply(card=theme_card(deps.pack, theme, lang), lang=lang)


async def _themes(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: BrowseDeps
) -> Reply:
    return Reply(card=themes_card(deps.pack, lang), lang=lang)


async def _tip(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: BrowseDeps
) -> Reply:
    return await tip_reply(incoming, lang, deps)


def _welcome(lang: Language) -> Reply:
    return Reply(card=welcome_card(lang), lang=lang)


ACTIONS = {
    VERB_SHOW_ENTRY: _show_entry,
    VERB_SHOW_THEME: _show_theme,
    VERB_THEMES: _themes,
    VERB_TIP: _tip,
}


def feature(deps: BrowseDeps) -> Feature:
    return Feature(
        name="browse",
        routes=(
            Route("help", command("help"), bind(handle_help, deps)),
            Route("themes", command("themes"), bind(handle_themes, deps)),
            Route("tip", command("tip"), bind(handle_tip, deps)),
        ),
        actions=bind_actions(ACTIONS, deps),
        phrases=PHRASES,
        welcome=_welcome,
    )
