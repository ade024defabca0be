"""Chat commands: whole-message phrases and commands with arguments, read once per message.

Each feature brings its own words in Finnish, Swedish and English (`Feature.phrases`,
`Feature.readers`); the parser joins them. Each phrase names its language, so the reply
comes in the language the command was typed in. A question that merely contains a command
word is not a command.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot.chat.model import Incoming
from bot.i18n import Language

Phrases = Mapping[str, Mapping[str, Language | None]]
"""A feature's command words: command name → whole-message phrase → the phrase's language.
None: the phrase exists in more than one language ("tips"), the user's locale decides."""

_PAUSE_WORDS: dict[str, Language] = {
    "tauko": "fi",
    "tauota": "fi",
    "pausa": "sv",
    "paus": "sv",
    "pause": "en",
}
MAX_PAUSE_DAYS = 366
_TRIM = re.compile(r"^[\s/!.,:;]+|[\s!.,:;]+$")
_DATE_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True)
class Command:
    name: str
    lang: Language | None
    kind: str | None = None  # pause: tips | nudges | coffee; coffee_avoid: who
    until: date | None = None  # for pause; None when the date did not parse


CommandReader = Callable[[str], Command | None]
"""Reads a command with arguments (a pause with its date) from a normalised message."""


def normalise(text: str) -> str:
    return " ".join(_TRIM.sub("", text).lower().split())


def parse_date(text: str) -> date | None:
    """ISO (2026-12-31) or Finnish (31.12.2026) dates."""
    match = _DATE_DMY.match(text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(text)
    except ValueError:
        return None


def pause_reader(
    kinds: Mapping[str, tuple[str, Language | None]], rewrite: Callable[[str], str] | None = None
) -> CommandReader:
    """Reads "tauko <kind> 31.12.2026" (pausa, pause; asti, till, until) for the kind words a
    feature owns: word → (kind, the word's language or None when the verb tells)."""
    words = "|".join(re.escape(word) for word in kinds)
    pattern = re.compile(
        r"^(?P<verb>tauko|tauota|pausa|paus|pause)\s+(?P<kind>" + words + r")"
        r"\s+(?:asti\s+|till\s+|until\s+|to\s+)?(?P<date>\S+?)(?:\s+asti)?$"
    )

    def read(phrase: str) -> Command | None:
        match = pattern.match(rewrite(phrase) if rewrite else phrase)
        if match is None:
            return None
        kind, kind_lang = kinds[match["kind"]]
        lang = _PAUSE_WORDS[match["verb"]] if kind_lang is None else kind_lang
        return Command("pause", lang, kind=kind, until=parse_date(match["date"]))

    return read


class CommandParser:
    """The commands of every feature: whole-message phrases first, then the readers."""

    def __init__(self, phrases: Iterable[Phrases], readers: Iterable[CommandReader]) -> None:
        self.phrases: dict[str, dict[str, Language | None]] = {}
        self._by_phrase: dict[str, tuple[str, Language | None]] = {}
        for table in phrases:
            for name, words in table.items():
                self.phrases.setdefault(name, {}).update(words)
                for word, lang in words.items():
                    if word in self._by_phrase:
                        raise ValueError(f"the phrase {word!r} is a command twice")
                    self._by_phrase[word] = (name, lang)
        self.readers = tuple(readers)

    def parse(self, text: str) -> Command | None:
        """The command a whole message is, or None for a question."""
        phrase = normalise(text)
        if len(phrase) > 80:
            return None
        found = self._by_phrase.get(phrase)
        if found is not None:
            return Command(*found)
        for read in self.readers:
            command = read(phrase)
            if command is not None:
                return command
        return None


def command_language(
    incoming: Incoming, command: Command | None, default_language: Language
) -> Language:
    """The command word's language; for words shared by languages, the user's own."""
    if command is not None and command.lang is not None:
        return command.lang
    locale = incoming.locale_language
    if command is not None and command.name == "tip" and locale == "fi":
        return "en"  # 'tips' is not Finnish: a Finnish client typing it reads English or Swedish
    return locale or default_language


def valid_pause(until: date | None, today: date) -> bool:
    """A pause ends after today and at most a year ahead."""
    return until is not None and today < until <= today + timedelta(days=MAX_PAUSE_DAYS)
