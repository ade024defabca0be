"""Chat handlers: small async functions from `Incoming` to `Reply`, and the route table.

The route table is data: a list of (matcher, handler) pairs, first match wins. The edge
(bot/teams) turns activities into `Incoming` and sends the `Reply`; nothing here knows
about HTTP or the Bot Framework.
"""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.chat.feedback import FeedbackCounts
from bot.chat.model import Incoming, Reply
from bot.content.models import ContentPack
from bot.qa.engine import Answerer, Outcome
from bot.qa.misses import MissLog
from bot.qa.text import MAX_QUESTION_CHARS
from bot.settings import Language
from bot.texts import t
from cards.answers import answer_card, did_you_mean_card, not_found_card
from cards.browse import help_card, themes_card, tip_card


@dataclass
class ChatDeps:
    """What the handlers need; built once in the composition root."""

    pack: ContentPack
    answerer: Answerer
    misses: MissLog
    feedback: FeedbackCounts
    default_language: Language = "fi"
    rng: random.Random = random.Random()  # noqa: RUF009 - replaced per app in build_app

    def language_for(self, incoming: Incoming) -> Language:
        """The language to use when the text does not tell: the client's, else the default."""
        return incoming.locale_language or self.default_language


Handler = Callable[[Incoming, Language, ChatDeps], Awaitable[Reply]]

# Command words: each names its language; None means "the user's language decides"
# ('tips' is both Swedish and English).
_COMMAND_WORDS: dict[str, dict[str, Language | None]] = {
    "help": {
        "apua": "fi",
        "apu": "fi",
        "ohje": "fi",
        "ohjeet": "fi",
        "hjälp": "sv",
        "hjalp": "sv",
        "help": "en",
        "?": None,
    },
    "themes": {
        "aiheet": "fi",
        "aihe": "fi",
        "teemat": "fi",
        "teman": "sv",
        "tema": "sv",
        "ämnen": "sv",
        "themes": "en",
        "topics": "en",
    },
    "tip": {"vinkki": "fi", "vinkkejä": "fi", "vinkkiä": "fi", "tips": None, "tip": "en"},
}
_TRIM = re.compile(r"^[\s/!.,:;]+|[\s!.,:;]+$")


def command_of(text: str) -> tuple[str, Language | None] | None:
    """(command, language of the word) when the whole message is a command word."""
    word = _TRIM.sub("", text).lower()
    for command, words in _COMMAND_WORDS.items():
        if word in words:
            return command, words[word]
    return None


def _pick_language(incoming: Incoming, word_lang: Language | None, deps: ChatDeps) -> Language:
    if word_lang is not None:
        return word_lang
    locale = incoming.locale_language
    return locale if locale in ("sv", "en") else "en" if locale else deps.language_for(incoming)


async def handle_empty(incoming: Incoming, lang: Language, deps: ChatDeps) -> Reply:
    return Reply(text=t("message.empty", lang), lang=lang)


async def handle_help(incoming: Incoming, lang: Language, deps: ChatDeps) -> Reply:
    return Reply(card=help_card(lang), lang=lang)


async def handle_themes(incoming: Incoming, lang: Language, deps: ChatDeps) -> Reply:
    return Reply(card=themes_card(deps.pack, lang), lang=lang)


async def handle_tip(incoming: Incoming, lang: Language, deps: ChatDeps) -> Reply:
    entry = deps.rng.choice(deps.pack.entries)
    return Reply(card=tip_card(entry, deps.pack.theme(entry.theme), lang), lang=lang)


async def handle_question(incoming: Incoming, lang: Language, deps: ChatDeps) -> Reply:
    """Answer a free-text question in the language it was asked in."""
    result = deps.answerer.answer(incoming.text, fallback=lang)
    reply_lang = result.lang
    if result.outcome is not Outcome.ANSWER:
        deps.misses.record(incoming.text, reply_lang, result.outcome.value)
    note = t("message.too_long", reply_lang) if len(incoming.text) > MAX_QUESTION_CHARS else None
    if result.outcome is Outcome.ANSWER and result.answer is not None:
        entry = result.answer
        card = answer_card(entry, deps.pack.theme(entry.theme), reply_lang)
    elif result.outcome is Outcome.DID_YOU_MEAN:
        card = did_you_mean_card(result.suggestions, reply_lang)
    else:
        card = not_found_card(deps.pack, reply_lang)
    return Reply(text=note, card=card, lang=reply_lang)


@dataclass(frozen=True)
class Route:
    name: str
    matches: Callable[[Incoming], Language | bool]
    handler: Handler


def _is_command(name: str) -> Callable[[Incoming], Language | bool]:
    def matches(incoming: Incoming) -> Language | bool:
        found = command_of(incoming.text)
        if found is None or found[0] != name:
            return False
        return found[1] if found[1] is not None else True

    return matches


ROUTES: tuple[Route, ...] = (
    Route("empty", lambda incoming: not incoming.text.strip(), handle_empty),
    Route("help", _is_command("help"), handle_help),
    Route("themes", _is_command("themes"), handle_themes),
    Route("tip", _is_command("tip"), handle_tip),
    Route("question", lambda incoming: True, handle_question),
)


async def dispatch(incoming: Incoming, deps: ChatDeps, routes: tuple[Route, ...] = ROUTES) -> Reply:
    """Run the first route whose matcher accepts the message."""
    for route in routes:
        matched = route.matches(incoming)
        if matched is False:
            continue
        word_lang: Language | None = matched if isinstance(matched, str) else None
        if route.name in ("help", "themes", "tip"):
            lang = _pick_language(incoming, word_lang, deps)
        else:
            lang = deps.language_for(incoming)
        return await route.handler(incoming, lang, deps)
    raise LookupError("the route table has no catch-all route")
