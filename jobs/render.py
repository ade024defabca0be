"""Delivery payloads (plain JSON stored with each delivery) → what to send."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.chat.model import Reply
from bot.content.models import ContentPack
from bot.settings import LANGUAGES, Language
from cards.scheduled import nudge_card, scheduled_tip_card


def _language(payload: Mapping[str, Any]) -> Language:
    value = payload.get("lang")
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return "fi"


def tip_payload(entry_id: str, lang: Language) -> dict[str, Any]:
    return {"kind": "tip", "entry": entry_id, "lang": lang}


def nudge_payload(nudge_id: str, lang: Language) -> dict[str, Any]:
    return {"kind": "nudge", "nudge": nudge_id, "lang": lang}


def render(pack: ContentPack, payload: Mapping[str, Any]) -> Reply | None:
    """The reply for a payload, or None when it names something the pack no longer has."""
    lang = _language(payload)
    kind = payload.get("kind")
    if kind == "tip":
        entry_id = payload.get("entry")
        if not isinstance(entry_id, str) or not pack.has_entry(entry_id):
            return None
        entry = pack.entry(entry_id)
        return Reply(card=scheduled_tip_card(entry, pack.theme(entry.theme), lang), lang=lang)
    if kind == "nudge":
        nudge_id = payload.get("nudge")
        try:
            nudge = pack.nudge(nudge_id) if isinstance(nudge_id, str) else None
        except KeyError:
            nudge = None
        if nudge is None:
            return None
        return Reply(card=nudge_card(nudge, pack.entry(nudge.entry), lang), lang=lang)
    return None
