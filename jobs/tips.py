"""The delivery kinds of the scheduled content: a daily practice tip and a weekly nudge.

Both name content by id and are rendered from the pack at send time; an id the pack no
longer has renders nothing (the delivery fails rather than sending something else).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.chat.model import Reply
from bot.content.models import ContentPack
from bot.i18n import Language
from cards.scheduled import nudge_card, scheduled_tip_card
from jobs.deliveries import DeliveryKind, DeliveryPayload


@dataclass(frozen=True)
class Tip(DeliveryPayload):
    tag = "tip"

    entry: str  # content entry id
    lang: Language


@dataclass(frozen=True)
class WeeklyNudge(DeliveryPayload):
    tag = "nudge"

    nudge: str  # nudge id
    lang: Language


def delivery_kinds(pack: ContentPack) -> tuple[DeliveryKind[Any], ...]:
    def render_tip(tip: Tip) -> Reply | None:
        if not pack.has_entry(tip.entry):
            return None
        entry = pack.entry(tip.entry)
        return Reply(
            card=scheduled_tip_card(entry, pack.theme(entry.theme), tip.lang), lang=tip.lang
        )

    def render_nudge(nudge: WeeklyNudge) -> Reply | None:
        try:
            found = pack.nudge(nudge.nudge)
        except KeyError:
            return None
        return Reply(card=nudge_card(found, pack.entry(found.entry), nudge.lang), lang=nudge.lang)

    return (
        DeliveryKind(Tip, render_tip, tip_entry=lambda tip: tip.entry),
        DeliveryKind(WeeklyNudge, render_nudge),
    )
