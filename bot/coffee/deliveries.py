"""Virtual coffee's delivery kinds: the match card, the 'no partner this round' card, the
'did you meet?' follow-up and a short note to the other members of a group.

Everything a card shows travels in the payload (names, the meeting time and link), so the
card says what was true when the round was made, even if a partner has since left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.chat.model import Reply
from bot.coffee.cards import followup_card, match_card, unmatched_card, when_text
from bot.content.models import ContentPack
from bot.i18n import Language
from bot.texts import CATALOGUE, t
from jobs.deliveries import DeliveryKind, DeliveryPayload


@dataclass(frozen=True)
class Partner:
    name: str
    upn: str | None  # for the chat link; None when the directory has none


@dataclass(frozen=True)
class CoffeeMatch(DeliveryPayload):
    tag = "coffee_match"

    lang: Language
    group: int
    round: str
    partners: tuple[Partner, ...]
    languages: tuple[str, ...]
    start: datetime | None  # None: not booked, the card asks them to agree on a time
    end: datetime | None
    join_url: str | None
    note: str | None
    starter: str | None  # a content entry to talk about


@dataclass(frozen=True)
class CoffeeUnmatched(DeliveryPayload):
    tag = "coffee_unmatched"

    lang: Language
    reason: str  # an UnmatchedReason; an unknown one reads as 'alone'


@dataclass(frozen=True)
class CoffeeFollowup(DeliveryPayload):
    tag = "coffee_followup"

    lang: Language
    group: int


@dataclass(frozen=True)
class CoffeeNote(DeliveryPayload):
    """A text from the catalogue (`coffee.*` only) filled with a few short values; a value
    named `when` is an ISO time, shown in the reader's language."""

    tag = "coffee_note"

    lang: Language
    text: str
    values: Mapping[str, str]


def delivery_kinds(pack: ContentPack) -> tuple[DeliveryKind[Any], ...]:
    def render_match(match: CoffeeMatch) -> Reply | None:
        entry = (
            pack.entry(match.starter)
            if match.starter is not None and pack.has_entry(match.starter)
            else None
        )
        card = match_card(
            lang=match.lang,
            group_id=match.group,
            partners=[(partner.name, partner.upn) for partner in match.partners],
            languages=list(match.languages),
            start=match.start,
            join_url=match.join_url,
            note=match.note,
            starter_title=entry.title.get(match.lang) if entry else None,
            starter_entry=entry.id if entry else None,
        )
        return Reply(card=card, lang=match.lang)

    return (
        DeliveryKind(CoffeeMatch, render_match),
        DeliveryKind(CoffeeUnmatched, _render_unmatched),
        DeliveryKind(CoffeeFollowup, _render_followup),
        DeliveryKind(CoffeeNote, _render_note),
    )


def _render_unmatched(unmatched: CoffeeUnmatched) -> Reply:
    return Reply(card=unmatched_card(unmatched.reason, unmatched.lang), lang=unmatched.lang)


def _render_followup(followup: CoffeeFollowup) -> Reply:
    return Reply(card=followup_card(followup.group, followup.lang), lang=followup.lang)


def _render_note(note: CoffeeNote) -> Reply | None:
    # Only coffee's own texts: a stored payload must not pick any sentence of the catalogue.
    if not note.text.startswith("coffee.") or note.text not in CATALOGUE:
        return None
    filled = {name: value[:100] for name, value in note.values.items()}
    when = _aware(filled.get("when"))
    if when is not None:
        filled["when"] = when_text(when, note.lang)
    try:
        return Reply(text=t(note.text, note.lang, **filled), lang=note.lang)
    except KeyError:  # the text needs a value the note does not carry
        return None


def _aware(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
