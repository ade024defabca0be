"""Subscribing to daily tips and weekly nudges, pausing, and the settings card.

The subscriber is the conversation where the command or the card action happened: a
person's 1:1 chat, or a channel (any team member may subscribe a channel by mentioning the
bot there). Nothing in a card payload can point these at another conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.chat.commands import (
    Command,
    Phrases,
    command_language,
    parse_date,
    pause_reader,
    valid_pause,
)
from bot.chat.feature import Feature, InvalidAction, Route, Tick, bind, bind_actions, command
from bot.chat.model import ConversationKind, Incoming, Reply
from bot.clock import Clock
from bot.i18n import Language, to_language
from bot.records import Subscription
from bot.storage import Store
from bot.texts import t
from cards.base import VERB_PAUSE, VERB_SAVE_SETTINGS, VERB_SETTINGS, VERB_UNSUBSCRIBE
from cards.scheduled import settings_card
from jobs.planner import Planner

log = logging.getLogger(__name__)

KINDS = ("tips", "nudges")

PHRASES: Phrases = {
    "settings": {"asetukset": "fi", "inställningar": "sv", "installningar": "sv",
                 "settings": "en"},
    "subscribe_tips": {"tilaa vinkit": "fi", "tilaa vinkki": "fi", "tilaa vinkkejä": "fi",
                       "tilaa päivän vinkki": "fi", "prenumerera på tips": "sv",
                       "prenumerera tips": "sv", "subscribe tips": "en",
                       "subscribe to tips": "en"},
    "unsubscribe_tips": {"lopeta vinkit": "fi", "peru vinkit": "fi", "peruuta vinkit": "fi",
                         "avsluta tips": "sv", "sluta med tips": "sv",
                         "avsluta prenumerationen på tips": "sv", "unsubscribe tips": "en",
                         "stop tips": "en"},
    "subscribe_nudges": {"tilaa muistutukset": "fi", "tilaa viikkomuistutukset": "fi",
                         "tilaa yhteisöteot": "fi", "prenumerera på påminnelser": "sv",
                         "prenumerera påminnelser": "sv", "subscribe nudges": "en",
                         "subscribe to nudges": "en"},
    "unsubscribe_nudges": {"lopeta muistutukset": "fi", "peru muistutukset": "fi",
                           "avsluta påminnelser": "sv", "sluta med påminnelser": "sv",
                           "unsubscribe nudges": "en", "stop nudges": "en"},
}  # fmt: skip
# "tauko vinkit 31.12.2026": pause words for tips and nudges (None: the verb's language).
PAUSE_KINDS: dict[str, tuple[str, Language | None]] = {
    "vinkit": ("tips", "fi"),
    "vinkkien": ("tips", "fi"),
    "tips": ("tips", None),
    "muistutukset": ("nudges", "fi"),
    "påminnelser": ("nudges", "sv"),
    "nudges": ("nudges", "en"),
}


@dataclass(frozen=True)
class SubscriptionDeps:
    store: Store
    clock: Clock
    default_language: Language = "fi"
    tips_time: time = time(9, 0)  # told to a person who subscribes to tips
    planner: Planner | None = None  # plans the daily tips and weekly nudges; None plans nothing


def _done_text(kind: str, incoming: Incoming, lang: Language, deps: SubscriptionDeps) -> str:
    if incoming.kind is ConversationKind.CHANNEL:
        return t("subscribe.channel_done", lang)
    if kind == "tips":
        return t("subscribe.tips_done", lang, time=deps.tips_time.strftime("%H:%M"))
    return t("subscribe.nudges_done", lang)


async def subscribe(incoming: Incoming, kind: str, lang: Language, deps: SubscriptionDeps) -> None:
    await deps.store.subscribe(
        Subscription(
            conversation_id=incoming.root_conversation_id,
            kind=kind,
            language=lang,
            created_by=incoming.aad_object_id,
        )
    )


async def handle_subscribe(
    incoming: Incoming, command: Command | None, deps: SubscriptionDeps
) -> Reply:
    kind = "tips" if command is not None and command.name == "subscribe_tips" else "nudges"
    lang = command_language(incoming, command, deps.default_language)
    await subscribe(incoming, kind, lang, deps)
    return Reply(text=_done_text(kind, incoming, lang, deps), lang=lang)


async def unsubscribe(
    incoming: Incoming, kind: str, lang: Language, deps: SubscriptionDeps
) -> Reply:
    removed = await deps.store.unsubscribe(incoming.root_conversation_id, kind)
    await deps.store.cancel_pending(incoming.root_conversation_id, [kind], deps.clock())
    return Reply(text=t("unsubscribe.done" if removed else "unsubscribe.none", lang), lang=lang)


async def handle_unsubscribe(
    incoming: Incoming, command: Command | None, deps: SubscriptionDeps
) -> Reply:
    kind = "tips" if command is not None and command.name == "unsubscribe_tips" else "nudges"
    return await unsubscribe(
        incoming, kind, command_language(incoming, command, deps.default_language), deps
    )


async def pause(
    incoming: Incoming, kind: str, until: date | None, lang: Language, deps: SubscriptionDeps
) -> Reply:
    today = deps.clock().date()
    if until is None or not valid_pause(until, today):
        return Reply(text=t("pause.bad_date", lang), lang=lang)
    found = await deps.store.pause(incoming.root_conversation_id, kind, until)
    if found:
        await deps.store.cancel_pending(incoming.root_conversation_id, [kind], deps.clock())
    if not found:
        return Reply(text=t("unsubscribe.none", lang), lang=lang)
    return Reply(text=t("pause.done", lang, until=until.strftime("%d.%m.%Y")), lang=lang)


async def handle_pause(
    incoming: Incoming, command: Command | None, deps: SubscriptionDeps
) -> Reply:
    lang = command_language(incoming, command, deps.default_language)
    kind = command.kind if command is not None and command.kind in KINDS else "tips"
    return await pause(incoming, kind, command.until if command else None, lang, deps)


async def settings_reply(
    incoming: Incoming, lang: Language, deps: SubscriptionDeps, notice: str | None = None
) -> Reply:
    conversation = incoming.root_conversation_id
    tips = await deps.store.get_subscription(conversation, "tips")
    nudges = await deps.store.get_subscription(conversation, "nudges")
    card = settings_card(
        lang,
        tips=tips is not None,
        nudges=nudges is not None,
        channel=incoming.kind is ConversationKind.CHANNEL,
        notice=notice,
    )
    return Reply(card=card, lang=lang)


async def handle_settings(
    incoming: Incoming, command: Command | None, deps: SubscriptionDeps
) -> Reply:
    return await settings_reply(
        incoming, command_language(incoming, command, deps.default_language), deps
    )


def _flag(value: Any) -> bool | None:
    """Adaptive Card toggles send 'true'/'false' strings; anything else is not a choice."""
    if value in (True, "true"):
        return True
    if value in (False, "false"):
        return False
    return None


async def save_settings(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: SubscriptionDeps
) -> Reply:
    """Apply the settings card: each toggle that came with a valid value is applied."""
    new_lang = to_language(data.get("language")) or lang
    for kind in KINDS:
        wanted = _flag(data.get(kind))
        if wanted is True:
            await subscribe(incoming, kind, new_lang, deps)
        elif wanted is False:
            await deps.store.unsubscribe(incoming.root_conversation_id, kind)
            await deps.store.cancel_pending(incoming.root_conversation_id, [kind], deps.clock())
    return await settings_reply(incoming, new_lang, deps, notice=t("settings.saved", new_lang))


# --- card actions -----------------------------------------------------------------------


def _kind(data: Mapping[str, Any]) -> str:
    kind = data.get("kind")
    if kind not in KINDS:
        raise InvalidAction("kind must be tips or nudges")
    return str(kind)


async def _pause(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: SubscriptionDeps
) -> Reply:
    until = data.get("until")
    return await pause(
        incoming, _kind(data), parse_date(until) if isinstance(until, str) else None, lang, deps
    )


async def _unsubscribe(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: SubscriptionDeps
) -> Reply:
    return await unsubscribe(incoming, _kind(data), lang, deps)


async def _settings(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: SubscriptionDeps
) -> Reply:
    return await settings_reply(incoming, lang, deps)


ACTIONS = {
    VERB_PAUSE: _pause,
    VERB_UNSUBSCRIBE: _unsubscribe,
    VERB_SETTINGS: _settings,
    VERB_SAVE_SETTINGS: save_settings,
}


def _planning_tick(planner: Planner) -> Tick:
    async def plan(now: datetime) -> list[str]:
        created = await planner.tick(now)
        for key in created:
            log.info("planned %s", key)
        return created

    return plan


def feature(deps: SubscriptionDeps) -> Feature:
    """Tips and nudges subscriptions, and the scheduled work that sends them. The generic
    `pause` route comes after coffee's own reading of a pause (coffee's route has
    `Priority.SPECIFIC`)."""
    ticks: tuple[tuple[str, Tick], ...] = (
        (("tips-nudges", _planning_tick(deps.planner)),) if deps.planner is not None else ()
    )
    return Feature(
        name="subscriptions",
        routes=(
            Route("settings", command("settings"), bind(handle_settings, deps)),
            Route(
                "subscribe",
                command("subscribe_tips", "subscribe_nudges"),
                bind(handle_subscribe, deps),
            ),
            Route(
                "unsubscribe",
                command("unsubscribe_tips", "unsubscribe_nudges"),
                bind(handle_unsubscribe, deps),
            ),
            Route("pause", command("pause"), bind(handle_pause, deps)),
        ),
        actions=bind_actions(ACTIONS, deps),
        phrases=PHRASES,
        readers=(pause_reader(PAUSE_KINDS),),
        ticks=ticks,
    )
