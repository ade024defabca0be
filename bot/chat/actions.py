"""Card actions (Action.Execute verbs and Action.Submit data), one small handler per verb.

Payloads come from the client and are untrusted: every field is checked, and the person
acting is always the authenticated user of the activity, never one named in the data. The
conversation affected is the one the card is in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.chat.commands import parse_date
from bot.chat.handlers import ChatDeps, tip_reply
from bot.chat.model import Incoming, Reply
from bot.chat.subscriptions import KINDS, pause, save_settings, settings_reply, unsubscribe
from bot.coffee.chat import (
    NotAllowed,
    cancel_group,
    cant_make_it,
    pause_from_card,
    rebook_group,
    record_meeting,
    save_coffee_settings,
    show_settings,
)
from bot.onboarding.chat import (
    coffee_join,
    hr_cancel,
    hr_confirm,
    intro_book,
    intro_decline,
    intro_edit,
    intro_post,
    intro_preview,
    step_ack,
    step_pulse,
)
from bot.settings import LANGUAGES, Language
from bot.texts import t
from cards.answers import answer_card, feedback_thanks_card
from cards.base import (
    VERB_COFFEE_CANCEL,
    VERB_COFFEE_CANT,
    VERB_COFFEE_JOIN,
    VERB_COFFEE_MET,
    VERB_COFFEE_PAUSE,
    VERB_COFFEE_REBOOK,
    VERB_COFFEE_SAVE,
    VERB_COFFEE_SETTINGS,
    VERB_FEEDBACK,
    VERB_HR_CANCEL,
    VERB_HR_CONFIRM,
    VERB_INTRO_BOOK,
    VERB_INTRO_DECLINE,
    VERB_INTRO_EDIT,
    VERB_INTRO_POST,
    VERB_INTRO_PREVIEW,
    VERB_ONBOARDING_ACK,
    VERB_ONBOARDING_PULSE,
    VERB_PAUSE,
    VERB_SAVE_SETTINGS,
    VERB_SETTINGS,
    VERB_SHOW_ENTRY,
    VERB_SHOW_THEME,
    VERB_THEMES,
    VERB_TIP,
    VERB_UNSUBSCRIBE,
)
from cards.browse import theme_card, themes_card

ActionHandler = Callable[[Incoming, Mapping[str, Any], Language, ChatDeps], Awaitable[Reply]]
MAX_ID_LENGTH = 100


class InvalidAction(ValueError):
    """The payload does not describe an action we can perform."""


def _text_field(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise InvalidAction(f"field {name!r} is missing or not a short text")
    return value


def _kind(data: Mapping[str, Any]) -> str:
    kind = data.get("kind")
    if kind not in KINDS:
        raise InvalidAction("kind must be tips or nudges")
    return str(kind)


def _language(data: Mapping[str, Any], incoming: Incoming, deps: ChatDeps) -> Language:
    value = data.get("lang")
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return deps.language_for(incoming)


async def _feedback(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    # A card sent before two entries were merged carries the old id: count it for the new.
    entry_id = deps.pack.resolve(_text_field(data, "entry"))
    helpful = data.get("helpful")
    if not isinstance(helpful, bool) or not deps.pack.has_entry(entry_id):
        raise InvalidAction("feedback needs a known entry and helpful true/false")
    await deps.store.record_feedback(entry_id, helpful, deps.clock())
    entry = deps.pack.entry(entry_id)
    card = feedback_thanks_card(entry, deps.pack.theme(entry.theme), lang, helpful)
    return Reply(card=card, lang=lang)


async def _show_entry(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    entry_id = _text_field(data, "entry")
    if not deps.pack.has_entry(entry_id):
        raise InvalidAction(f"unknown entry {entry_id!r}")
    entry = deps.pack.entry(entry_id)
    return Reply(card=answer_card(entry, deps.pack.theme(entry.theme), lang), lang=lang)


async def _show_theme(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    theme_id = _text_field(data, "theme")
    try:
        theme = deps.pack.theme(theme_id)
    except KeyError:
        raise InvalidAction(f"unknown theme {theme_id!r}") from None
    return Reply(card=theme_card(deps.pack, theme, lang), lang=lang)


async def _themes(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    return Reply(card=themes_card(deps.pack, lang), lang=lang)


async def _tip(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    return await tip_reply(incoming, lang, deps)


async def _pause(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    until = data.get("until")
    return await pause(
        incoming, _kind(data), parse_date(until) if isinstance(until, str) else None, lang, deps
    )


async def _unsubscribe(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    return await unsubscribe(incoming, _kind(data), lang, deps)


async def _settings(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    return await settings_reply(incoming, lang, deps)


ACTIONS: dict[str, ActionHandler] = {
    VERB_FEEDBACK: _feedback,
    VERB_SHOW_ENTRY: _show_entry,
    VERB_SHOW_THEME: _show_theme,
    VERB_THEMES: _themes,
    VERB_TIP: _tip,
    VERB_PAUSE: _pause,
    VERB_UNSUBSCRIBE: _unsubscribe,
    VERB_SETTINGS: _settings,
    VERB_SAVE_SETTINGS: save_settings,
    VERB_COFFEE_CANT: cant_make_it,
    VERB_COFFEE_CANCEL: cancel_group,
    VERB_COFFEE_REBOOK: rebook_group,
    VERB_COFFEE_PAUSE: pause_from_card,
    VERB_COFFEE_SETTINGS: show_settings,
    VERB_COFFEE_SAVE: save_coffee_settings,
    VERB_COFFEE_MET: record_meeting,
    VERB_COFFEE_JOIN: coffee_join,
    VERB_ONBOARDING_ACK: step_ack,
    VERB_ONBOARDING_PULSE: step_pulse,
    VERB_INTRO_EDIT: intro_edit,
    VERB_INTRO_PREVIEW: intro_preview,
    VERB_INTRO_POST: intro_post,
    VERB_INTRO_DECLINE: intro_decline,
    VERB_INTRO_BOOK: intro_book,
    VERB_HR_CONFIRM: hr_confirm,
    VERB_HR_CANCEL: hr_cancel,
}


async def perform(incoming: Incoming, verb: object, data: object, deps: ChatDeps) -> Reply:
    """Run the action named by `verb`; a bad payload gets a friendly text, never an exception."""
    payload: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    lang = _language(payload, incoming, deps)
    handler = ACTIONS.get(verb) if isinstance(verb, str) else None
    if handler is None:
        return Reply(text=t("action.invalid", lang), lang=lang)
    try:
        return await handler(incoming, payload, lang, deps)
    except (InvalidAction, NotAllowed):
        return Reply(text=t("action.invalid", lang), lang=lang)
