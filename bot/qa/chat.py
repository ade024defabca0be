"""Questions in chat: the catch-all route (what is not a command is a question), and the
👍/👎 buttons of an answer card."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.chat.commands import Command
from bot.chat.feature import (
    Feature,
    InvalidAction,
    Priority,
    Route,
    bind,
    bind_actions,
    text_field,
)
from bot.chat.model import Incoming, Reply
from bot.clock import Clock
from bot.content.models import ContentPack
from bot.i18n import Language
from bot.qa.engine import Answerer, Outcome
from bot.qa.misses import prepare_miss
from bot.qa.text import MAX_QUESTION_CHARS
from bot.storage import Store
from bot.texts import t
from cards.answers import answer_card, did_you_mean_card, feedback_thanks_card, not_found_card
from cards.base import VERB_FEEDBACK


@dataclass(frozen=True)
class QaDeps:
    pack: ContentPack
    answerer: Answerer
    store: Store  # unanswered questions and feedback counts
    clock: Clock
    default_language: Language = "fi"

    def language_for(self, incoming: Incoming) -> Language:
        """The language to use when the text does not tell: the client's, else the default."""
        return incoming.locale_language or self.default_language


async def handle_question(incoming: Incoming, command: Command | None, deps: QaDeps) -> Reply:
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


async def _feedback(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: QaDeps
) -> Reply:
    # A card sent before two entries were merged carries the old id: count it for the new.
    entry_id = deps.pack.resolve(text_field(data, "entry"))
    helpful = data.get("helpful")
    if not isinstance(helpful, bool) or not deps.pack.has_entry(entry_id):
        raise InvalidAction("feedback needs a known entry and helpful true/false")
    await deps.store.record_feedback(entry_id, helpful, deps.clock())
    entry = deps.pack.entry(entry_id)
    card = feedback_thanks_card(entry, deps.pack.theme(entry.theme), lang, helpful)
    return Reply(card=card, lang=lang)


ACTIONS = {VERB_FEEDBACK: _feedback}


def feature(deps: QaDeps) -> Feature:
    return Feature(
        name="qa",
        routes=(
            Route(
                "question",
                lambda incoming, command: True,
                bind(handle_question, deps),
                Priority.FALLBACK,
            ),
        ),
        actions=bind_actions(ACTIONS, deps),
    )
