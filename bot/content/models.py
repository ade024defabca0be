"""Typed model of a content pack: themes and entries, every text in fi, sv and en."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator

from bot.i18n import LANGUAGES, Language

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _pack_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"must be lowercase words joined by '-', got {value!r}")
    return value


PackId = Annotated[str, AfterValidator(_pack_id)]
"""The id of a theme, entry, nudge or pointer: lowercase words joined by '-'."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Text(_Strict):
    """One user-facing text in the three languages."""

    fi: str
    sv: str
    en: str

    @field_validator("fi", "sv", "en")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    def get(self, lang: Language) -> str:
        return str(getattr(self, lang))


class Words(_Strict):
    """A list of short texts per language (keywords, example questions)."""

    fi: tuple[str, ...]
    sv: tuple[str, ...]
    en: tuple[str, ...]

    def get(self, lang: Language) -> tuple[str, ...]:
        words: tuple[str, ...] = getattr(self, lang)
        return words


class Link(_Strict):
    title: str
    url: str

    @field_validator("url")
    @classmethod
    def _https_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc or " " in value:
            raise ValueError(f"must be an https URL, got {value!r}")
        return value


class Theme(_Strict):
    id: PackId
    title: Text
    description: Text


class Entry(_Strict):
    id: PackId
    theme: str
    title: Text
    body: Text
    tip: Text
    keywords: Words
    questions: Words
    # Phrasings as people type them in chat, written from the chat dev set. They are
    # matched like `questions`, but kept apart so that bench/fit_gates.py can fit the gates
    # without them (a gate fitted on questions the pack already contains is overconfident).
    chat: Words = Words(fi=(), sv=(), en=())
    links: tuple[Link, ...] = ()

    @field_validator("title")
    @classmethod
    def _short_title(cls, value: Text) -> Text:
        for lang in LANGUAGES:
            if len(value.get(lang)) > 120:
                raise ValueError(f"{lang} title is longer than 120 characters")
        return value

    @field_validator("keywords")
    @classmethod
    def _some_keywords(cls, value: Words) -> Words:
        for lang in LANGUAGES:
            if not value.get(lang):
                raise ValueError(f"needs at least one {lang} keyword")
        return value

    @field_validator("questions")
    @classmethod
    def _three_questions(cls, value: Words) -> Words:
        for lang in LANGUAGES:
            if len(value.get(lang)) < 3:
                raise ValueError(f"needs at least 3 {lang} example questions")
        return value


class Nudge(_Strict):
    """A weekly community nudge: one concrete act, linked to the practice behind it."""

    id: PackId
    entry: str
    title: Text
    body: Text
    action: Text


class Pointer(_Strict):
    """Where to ask instead, for questions near the pack's topics but outside them
    (IT support, pay and leave, how to use Outlook or Teams, room booking)."""

    id: PackId
    keywords: Words  # words that mark such a question (any form; matched by stem)
    text: Text  # one or two sentences, e.g. "Tähän en osaa vastata: kysy IT-tuesta."

    @field_validator("keywords")
    @classmethod
    def _some_keywords(cls, value: Words) -> Words:
        for lang in LANGUAGES:
            words = value.get(lang)
            if not words:
                raise ValueError(f"needs at least one {lang} keyword")
            if len(words) > 200 or any(not word or len(word) > 60 for word in words):
                raise ValueError(f"{lang}: at most 200 keywords of 1-60 characters")
        return value

    @field_validator("text")
    @classmethod
    def _short_text(cls, value: Text) -> Text:
        for lang in LANGUAGES:
            if len(value.get(lang)) > 300:
                raise ValueError(f"{lang} text is longer than 300 characters")
        return value


@dataclass(frozen=True)
class ContentPack:
    """A validated pack. Entries keep the order of their files."""

    version: str
    themes: tuple[Theme, ...]
    entries: tuple[Entry, ...]
    nudges: tuple[Nudge, ...] = ()
    # Old entry id -> the id of the entry that replaced it (merged entries), so feedback,
    # tip history and eval expectations recorded under the old id stay valid.
    redirects: Mapping[str, str] = field(default_factory=dict)
    pointers: tuple[Pointer, ...] = ()

    def resolve(self, entry_id: str) -> str:
        """The current id of an entry, following a redirect from a merged-away id."""
        return self.redirects.get(entry_id, entry_id)

    def without_chat(self) -> ContentPack:
        """This pack with every entry's `chat` phrasings left out (for fitting and
        measuring the engine on the questions those phrasings were written from)."""
        empty = Words(fi=(), sv=(), en=())
        entries = tuple(entry.model_copy(update={"chat": empty}) for entry in self.entries)
        return replace(self, entries=entries)

    def nudge(self, nudge_id: str) -> Nudge:
        for nudge in self.nudges:
            if nudge.id == nudge_id:
                return nudge
        raise KeyError(nudge_id)

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)

    def entry(self, entry_id: str) -> Entry:
        """The entry with this id, or with the id it was merged into."""
        entry_id = self.resolve(entry_id)
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def has_entry(self, entry_id: str) -> bool:
        entry_id = self.resolve(entry_id)
        return any(entry.id == entry_id for entry in self.entries)

    def entries_of(self, theme_id: str) -> tuple[Entry, ...]:
        return tuple(entry for entry in self.entries if entry.theme == theme_id)
