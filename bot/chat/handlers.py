"""Chat handlers: small async functions from `Incoming` to `Reply`.

The edge (bot/teams) turns activities into `Incoming` and sends the `Reply`; nothing here
knows about HTTP or the Bot Framework. The route table is in bot/chat/routes.py.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from bot.chat.commands import Command
from bot.chat.model import Incoming, Reply
from bot.coffee.ports import CalendarPort
from bot.coffee.store import CoffeeStore
from bot.content.models import ContentPack
from bot.onboarding.ports import TeamRoster
from bot.onboarding.sequences import Sequence
from bot.onboarding.store import OnboardingStore
from bot.qa.engine import Answerer, Outcome
from bot.qa.misses import prepare_miss
from bot.qa.text import MAX_QUESTION_CHARS
from bot.settings import Language
from bot.store.protocol import Store
from bot.texts import t
from cards.answers import answer_card, did_you_mean_card, not_found_card
from cards.browse import help_card, themes_card, tip_card
from jobs.planner import next_tip

if TYPE_CHECKING:
    from bot.coffee.rounds import CoffeeRounds
    from bot.onboarding.service import OnboardingService


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ChatDeps:
    """What the handlers need; built once in the composition root."""

    pack: ContentPack
    answerer: Answerer
    store: Store
    default_language: Language = "fi"
    tips_time: time = time(9, 0)
    timezone: str = "Europe/Helsinki"
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = _utc_now
    coffee: CoffeeStore | None = None
    coffee_rounds: CoffeeRounds | None = None
    calendar: CalendarPort | None = None
    onboarding: OnboardingStore | None = None
    onboarding_service: OnboardingService | None = None
    sequences: Mapping[str, Sequence] = field(default_factory=dict)
    roster: TeamRoster | None = None
    hr_user_ids: frozenset[str] = frozenset()

    def language_for(self, incoming: Incoming) -> Language:
        """The language to use when the text does not tell: the client's, else the default."""
        return incoming.locale_language or self.default_language


Handler = Callable[[Incoming, Command | None, ChatDeps], Awaitable[Reply]]


def command_language(incoming: Incoming, command: Command | None, deps: ChatDeps) -> Language:
    """The command word's language; for words shared by languages, the user's own."""
    if command is not None and command.lang is not None:
        return command.lang
    locale = incoming.locale_language
    if command is not None and command.name == "tip" and locale == "fi":
        return "en"  # 'tips' is not Finnish: a Finnish client typing it reads English or Swedish
    return locale or deps.default_language


async def handle_empty(incoming: Incoming, command: Command | None, deps: ChatDeps) -> Reply:
    lang = deps.language_for(incoming)
    return Reply(text=t("message.empty", lang), lang=lang)


async def handle_help(incoming: Incoming, command: Command | None, deps: ChatDeps) -> Reply:
    lang = command_language(incoming, command, deps)
    return Reply(card=help_card(lang), lang=lang)


async def handle_themes(incoming: Incoming, command: Command | None, deps: ChatDeps) -> Reply:
    lang = command_language(incoming, command, deps)
    return Reply(card=themes_card(deps.pack, lang), lang=lang)


async def tip_reply(incoming: Incoming, lang: Language, deps: ChatDeps) -> Reply:
    """The conversation's next tip, walking through all tips without repeats."""
    entry = await next_tip(
        deps.store, incoming.root_conversation_id, deps.pack.entries, deps.pack.redirects
    )
    await deps.store.record_tip(incoming.root_conversation_id, entry.id, deps.clock())
    return Reply(card=tip_card(entry, deps.pack.theme(entry.theme), lang), lang=lang)


async def handle_tip(incoming: Incoming, command: Command | None, deps: ChatDeps) -> Reply:
    return await tip_reply(incoming, command_language(incoming, command, deps), deps)


async def handle_question(incoming: Incoming, command: Command | None, deps: ChatDeps) -> Reply:
    """Answer a free-text question in the language it was asked in."""
    result = deps.answerer.answer(incoming.text, fallback=deps.language_for(incoming))
    reply_lang = result.lang
    miss = prepare_miss(incoming.text) if result.outcome is not Outcome.ANSWER else None
    if miss is not None:
        await deps.store.record_miss(miss, reply_lang, result.outcome.value, deps.clock())
    note = t("message.too_long", reply_lang) if len(incoming.text) > MAX_QUESTION_CHARS else None
    if result.outcome is Outcome.ANSWER and result.answer is not None:
        entry = result.answer
        theme = deps.pack.theme(entry.theme)
        card = answer_card(entry, theme, reply_lang, related=result.related)
    elif result.outcome is Outcome.DID_YOU_MEAN:
        card = did_you_mean_card(result.suggestions, reply_lang)
    else:
        card = not_found_card(deps.pack, reply_lang, result.pointer)
    return Reply(text=note, card=card, lang=reply_lang)
