"""Delivery payloads (plain JSON stored with each delivery) → what to send."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.chat.model import Reply
from bot.content.models import ContentPack
from bot.i18n import Language, to_language
from bot.onboarding.model import Introduction
from bot.onboarding.sequences import Sequence
from bot.texts import CATALOGUE, t
from cards.coffee import followup_card, match_card, unmatched_card, when_text
from cards.onboarding import intro_form_card, intro_post_card, step_card, teammate_prompt_card
from cards.scheduled import nudge_card, scheduled_tip_card


def _language(payload: Mapping[str, Any]) -> Language:
    return to_language(payload.get("lang")) or "fi"


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
    if isinstance(kind, str) and kind.startswith("coffee_"):
        return _render_coffee(pack, kind, payload, lang)
    return None


def render_onboarding(
    sequences: Mapping[str, Sequence], payload: Mapping[str, Any]
) -> Reply | None:
    """Onboarding payloads: a sequence step, the newcomer's welcome, the posted introduction
    and the teammates' prompt. Everything the card shows travels in the payload."""
    lang = _language(payload)
    kind = payload.get("kind")
    if kind == "onboarding_step":
        sequence = sequences.get(str(payload.get("sequence")))
        step = (
            next((s for s in sequence.steps if s.id == payload.get("step")), None)
            if sequence
            else None
        )
        raw_values = payload.get("values")
        values = {
            str(key): value
            for key, value in (raw_values.items() if isinstance(raw_values, Mapping) else ())
            if isinstance(value, str)
        }
        if step is None or not isinstance(payload.get("onboarding"), str):
            return None
        return Reply(card=step_card(step, lang, values, str(payload["onboarding"])), lang=lang)
    intro = _introduction(payload)
    if intro is None:
        return None
    if kind == "intro_welcome":
        return Reply(card=intro_form_card(intro, lang), lang=lang)
    if kind == "intro_post":
        upn = payload.get("upn") if isinstance(payload.get("upn"), str) else None
        return Reply(card=intro_post_card(intro, lang, upn), lang=lang)
    if kind == "intro_teammate":
        return Reply(card=teammate_prompt_card(intro, lang), lang=lang)
    return None


def _introduction(payload: Mapping[str, Any]) -> Introduction | None:
    def text(name: str) -> str:
        value = payload.get(name)
        return value if isinstance(value, str) else ""

    if not text("team") or not (text("person") or payload.get("kind") == "intro_welcome"):
        return None
    return Introduction(
        person_id=text("person"),
        team_id=text("team"),
        name=text("name"),
        role_text=text("role"),
        location_text=text("location"),
        languages_text=text("languages"),
        about_text=text("about"),
    )


class Renderer:
    """Payload → Reply for every kind of delivery (the sender's one renderer)."""

    def __init__(self, pack: ContentPack, sequences: Mapping[str, Sequence]) -> None:
        self.pack = pack
        self.sequences = sequences

    def __call__(self, payload: Mapping[str, Any]) -> Reply | None:
        kind = payload.get("kind")
        if isinstance(kind, str) and kind.startswith(("onboarding_", "intro_")):
            return render_onboarding(self.sequences, payload)
        return render(self.pack, payload)


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _render_coffee(
    pack: ContentPack, kind: str, payload: Mapping[str, Any], lang: Language
) -> Reply | None:
    group = payload.get("group")
    if kind == "coffee_match" and isinstance(group, int):
        partners = [
            (str(p.get("name") or ""), p.get("upn") if isinstance(p.get("upn"), str) else None)
            for p in payload.get("partners") or []
            if isinstance(p, Mapping)
        ]
        starter = payload.get("starter")
        entry = (
            pack.entry(starter) if isinstance(starter, str) and pack.has_entry(starter) else None
        )
        card = match_card(
            lang=lang,
            group_id=group,
            partners=partners,
            languages=[code for code in payload.get("languages") or [] if isinstance(code, str)],
            start=_datetime(payload.get("start")),
            join_url=payload.get("join_url") if isinstance(payload.get("join_url"), str) else None,
            note=payload.get("note") if isinstance(payload.get("note"), str) else None,
            starter_title=entry.title.get(lang) if entry else None,
            starter_entry=entry.id if entry else None,
        )
        return Reply(card=card, lang=lang)
    if kind == "coffee_unmatched":
        return Reply(card=unmatched_card(str(payload.get("reason")), lang), lang=lang)
    if kind == "coffee_followup" and isinstance(group, int):
        return Reply(card=followup_card(group, lang), lang=lang)
    if kind == "coffee_note":
        key = payload.get("text")
        raw = payload.get("values")
        values: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        if not isinstance(key, str) or not key.startswith("coffee.") or key not in CATALOGUE:
            return None
        filled = {name: str(value)[:100] for name, value in values.items()}
        when = _datetime(filled.get("when"))
        if when is not None:
            filled["when"] = when_text(when, lang)
        try:
            return Reply(text=t(key, lang, **filled), lang=lang)
        except KeyError:
            return None
    return None
