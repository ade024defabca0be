"""Planners: turn a due schedule into one occurrence and its deliveries.

APScheduler only wakes `Planner.tick`; the database decides. `create_occurrence` is atomic
and keyed by the local period, so two replicas ticking at once create it once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.content.models import ContentPack, Entry
from bot.i18n import Language, to_language
from bot.records import NewDelivery, Subscription
from bot.storage import Store
from jobs.calendar import Schedule
from jobs.deliveries import to_json
from jobs.tips import Tip, WeeklyNudge

log = logging.getLogger(__name__)


def _language(value: str) -> Language:
    return to_language(value) or "fi"


def tip_order(conversation_id: str, entries: Sequence[Entry]) -> list[Entry]:
    """A stable shuffle of the tips per subscriber, so neighbours don't get the same tip."""

    def rank(entry: Entry) -> bytes:
        return hashlib.sha256(f"{conversation_id}\x00{entry.id}".encode()).digest()

    return sorted(entries, key=rank)


async def next_tip(
    store: Store,
    conversation_id: str,
    entries: Sequence[Entry],
    redirects: Mapping[str, str] | None = None,
) -> Entry:
    """The subscriber's next unseen tip; after the last one a new round starts.

    `redirects` (the pack's old id -> new id) count a tip seen under a merged-away id as
    seen for the entry that replaced it.
    """
    moved = redirects or {}
    seen = {moved.get(entry_id, entry_id) for entry_id in await store.tips_seen(conversation_id)}
    order = tip_order(conversation_id, entries)
    for entry in order:
        if entry.id not in seen:
            return entry
    await store.reset_tips(conversation_id)
    return order[0]


class Planner:
    def __init__(self, store: Store, pack: ContentPack, tips: Schedule, nudges: Schedule) -> None:
        self.store = store
        self.pack = pack
        self.tips = tips
        self.nudges = nudges

    async def tick(self, now: datetime) -> list[str]:
        """Create every occurrence due at `now`; returns the keys created."""
        created: list[str] = []
        for schedule, plan in ((self.tips, self.plan_tips), (self.nudges, self.plan_nudges)):
            key = schedule.due_key(now)
            if key is None or await self.store.occurrence_exists(key):
                continue
            if await plan(key, now):
                created.append(key)
        return created

    async def plan_tips(self, key: str, now: datetime) -> bool:
        subscriptions = await self.store.due_subscriptions("tips", self.tips.local_date(now))
        deliveries = [await self._tip_delivery(sub) for sub in subscriptions]
        return await self._create(key, "tips", deliveries, now)

    async def _tip_delivery(self, sub: Subscription) -> NewDelivery:
        entry = await next_tip(
            self.store, sub.conversation_id, self.pack.entries, self.pack.redirects
        )
        return NewDelivery(sub.conversation_id, to_json(Tip(entry.id, _language(sub.language))))

    async def plan_nudges(self, key: str, now: datetime) -> bool:
        if not self.pack.nudges:
            return False
        year, week, _ = self.nudges.local_date(now).isocalendar()
        nudge = self.pack.nudges[(year * 53 + week) % len(self.pack.nudges)]
        subscriptions = await self.store.due_subscriptions("nudges", self.nudges.local_date(now))
        deliveries = [
            NewDelivery(
                sub.conversation_id, to_json(WeeklyNudge(nudge.id, _language(sub.language)))
            )
            for sub in subscriptions
        ]
        return await self._create(key, "nudges", deliveries, now)

    async def _create(
        self, key: str, schedule: str, deliveries: list[NewDelivery], now: datetime
    ) -> bool:
        created = await self.store.create_occurrence(key, schedule, deliveries, now)
        if created:
            log.info("occurrence %s created with %d deliveries", key, len(deliveries))
        return created
