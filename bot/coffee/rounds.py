"""Coffee rounds: who is due, pairing, storing the groups, booking, and the cards.

Order matters for "nothing lost, nothing doubled": the groups are stored before anything
is booked or sent, each booking carries a transaction id derived from the group, and the
match cards become deliveries (that must arrive) only when every group of the round has
been booked or has fallen back to deep links. A crash anywhere resumes on the next tick.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.coffee.deliveries import CoffeeFollowup, CoffeeMatch, CoffeeUnmatched, Partner
from bot.coffee.model import CoffeeGroup, CoffeeRound, GroupStatus, Participant
from bot.coffee.pairing import Candidate, pair
from bot.coffee.ports import CalendarPort
from bot.coffee.slots import find_slot
from bot.coffee.store import CoffeeStore
from bot.content.models import ContentPack
from bot.directory import ServiceError
from bot.i18n import LANGUAGES, Language
from bot.records import NewDelivery
from bot.storage import Store
from bot.texts import t
from bot.workdays import is_working_day
from jobs.calendar import Schedule
from jobs.deliveries import to_json

log = logging.getLogger(__name__)

REPEAT_WINDOW = 6
HISTORY_MARGIN_ROUNDS = 4  # round history older than window + margin is deleted
BOOKING_HORIZON = timedelta(days=7)
BOOKING_LEAD = timedelta(hours=2)
STARTER_THEMES = ("informal", "meeting-modes", "competence", "work-meetings")


def round_week(key: str) -> tuple[int, int]:
    """(ISO year, week) of a round key such as coffee:2026-W49."""
    year, week = key.split(":", 1)[1].split("-W")
    return int(year), int(week)


def weeks_between(earlier: str, later: str) -> int:
    first = date.fromisocalendar(*round_week(earlier), 1)
    second = date.fromisocalendar(*round_week(later), 1)
    return (second - first).days // 7


def is_due(participant: Participant, key: str, today: date) -> bool:
    if not participant.active:
        return False
    if participant.paused_until is not None and today <= participant.paused_until:
        return False
    if participant.last_round is None:
        return True
    return weeks_between(participant.last_round, key) >= participant.frequency.weeks


def seed_for(key: str) -> int:
    """A round's seed, stored with it so the round can be explained later."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:6], "big")


def transaction_id(group: CoffeeGroup, move: str = "") -> str:
    """Stable per group (and per move): a retried booking finds the first event instead of
    creating a second one."""
    text = f"coffee:{group.round_key}:{group.id}:{move}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def shared_language(languages: frozenset[str]) -> Language:
    for lang in LANGUAGES:
        if lang in languages:
            return lang
    return "fi"


def _candidate(participant: Participant) -> Candidate:
    return Candidate(
        id=participant.person_id,
        languages=participant.languages,
        group_size=participant.group_size,
        scope=participant.scope.value,
        team_id=participant.team_id,
        organisation_id=participant.organisation_id or participant.tenant_id,
        avoid=participant.avoid,
    )


@dataclass
class CoffeeRounds:
    store: Store
    coffee: CoffeeStore
    calendar: CalendarPort
    pack: ContentPack
    schedule: Schedule
    clock: Callable[[], datetime]
    repeat_window: int = REPEAT_WINDOW

    async def tick(self, now: datetime) -> None:
        """Plan a due round, finish one a crash interrupted, and ask how past meetings went."""
        key = self.schedule.due_key(now)
        if key is not None and await self.coffee.get_round(key) is None:
            await self.plan_round(key, now)
        # A round a crash interrupted is finished on a later tick; a finished one costs one
        # indexed lookup here, not a reload of its groups.
        current = self.schedule.period_key(self.schedule.local_date(now))
        if not await self.store.occurrence_exists(self._match_key(current)):
            round_ = await self.coffee.get_round(current)
            if round_ is not None:
                await self.finish_round(round_, now)
        await self.follow_up(now)

    @staticmethod
    def _match_key(round_key: str) -> str:
        return f"coffee-match:{round_key.split(':', 1)[1]}"

    async def plan_round(self, key: str, now: datetime) -> bool:
        today = now.astimezone(ZoneInfo(self.schedule.timezone)).date()
        due = [p for p in await self.coffee.participants() if is_due(p, key, today)]
        reachable = [p for p in due if await self._reachable(p)]
        history = [
            [set(group.members) for group in past.groups]
            for past in await self.coffee.recent_rounds(self.repeat_window)
        ]
        seed = seed_for(key)
        result = pair(
            [_candidate(p) for p in reachable], history, seed=seed, repeat_window=self.repeat_window
        )
        created = await self.coffee.create_round(
            key,
            seed,
            [(group.members, group.languages) for group in result.groups],
            [(item.id, item.reason.value) for item in result.unmatched],
            now,
        )
        if created:
            log.info(
                "coffee round %s: %d groups, %d unmatched",
                key,
                len(result.groups),
                len(result.unmatched),
            )
            await self.coffee.delete_rounds_before(
                now - timedelta(weeks=self.repeat_window * 4 + HISTORY_MARGIN_ROUNDS * 4)
            )
            round_ = await self.coffee.get_round(key)
            if round_ is not None:
                await self.finish_round(round_, now)
        return created

    async def _reachable(self, participant: Participant) -> bool:
        ref = await self.store.get_reference(participant.conversation_id)
        return ref is not None and ref.active

    async def finish_round(self, round_: CoffeeRound, now: datetime) -> None:
        """Book every planned group, then hand the match cards to the delivery pipeline."""
        for group in round_.groups:
            if group.status is GroupStatus.PLANNED:
                await self.book(group, now)
        match_key = self._match_key(round_.key)
        if await self.store.occurrence_exists(match_key):
            return
        fresh = await self.coffee.get_round(round_.key)
        if fresh is None or any(g.status is GroupStatus.PLANNED for g in fresh.groups):
            return
        deliveries = await self._match_deliveries(fresh)
        await self.store.create_occurrence(match_key, "coffee", deliveries, now)

    async def book(self, group: CoffeeGroup, now: datetime) -> CoffeeGroup:
        """Find a common free slot and create the meeting; on any failure, fall back."""
        members = [await self.coffee.get_participant(pid) for pid in group.members]
        people = [p for p in members if p is not None]
        if len(people) < 2:
            updated = replace(group, status=GroupStatus.CANCELLED, note="member_left")
            await self.coffee.update_group(updated)
            return updated
        try:
            updated = await self._book(group, people, now)
        except ServiceError as error:
            updated = replace(group, status=GroupStatus.FALLBACK, note=error.kind.value)
        await self.coffee.update_group(updated)
        return updated

    async def rebook(self, group: CoffeeGroup, now: datetime) -> CoffeeGroup:
        """Move a booked meeting to the next common free slot after it (can't make it)."""
        people = [p for p in [await self.coffee.get_participant(m) for m in group.members] if p]
        if len(people) < 2 or group.start is None:
            return group
        try:
            moved = await self._book(
                group,
                people,
                now,
                not_before=max(now + BOOKING_LEAD, group.start + timedelta(minutes=30)),
                txid=transaction_id(group, move=group.start.isoformat()),
            )
        except ServiceError:
            return group
        if moved.status is not GroupStatus.BOOKED:
            return group
        if group.event_id and group.organizer_id:
            try:
                await self.calendar.cancel_meeting(group.organizer_id, group.event_id)
            except ServiceError:
                log.warning("coffee group %d: the old meeting could not be cancelled", group.id)
        await self.coffee.update_group(moved)
        return moved

    async def _book(
        self,
        group: CoffeeGroup,
        people: list[Participant],
        now: datetime,
        *,
        not_before: datetime | None = None,
        txid: str | None = None,
    ) -> CoffeeGroup:
        start = now + BOOKING_LEAD
        end = (not_before or now) + BOOKING_HORIZON
        busy = await self.calendar.free_busy([p.person_id for p in people], start, end, 5)
        if len(busy) < len(people):
            return replace(group, status=GroupStatus.FALLBACK, note="not_found")
        weekdays = frozenset.intersection(*(p.weekdays for p in people))
        slot = find_slot(
            list(busy.values()),
            length_minutes=min(p.length_minutes for p in people),
            window_start=start,
            window_end=end,
            timezone=self.schedule.timezone,
            day_start=max(p.day_start for p in people),
            day_end=min(p.day_end for p in people),
            preferred_weekdays=weekdays,
            not_before=not_before,
        )
        if slot is None:
            return replace(group, status=GroupStatus.FALLBACK, note="no_slot")
        lang = shared_language(group.languages)
        organizer, *others = sorted(people, key=lambda p: p.person_id)
        names = ", ".join(p.name or "?" for p in people)
        meeting = await self.calendar.create_meeting(
            organizer.person_id,
            [p.person_id for p in others],
            t("coffee.subject", lang),
            t("coffee.meeting_body", lang, names=names),
            slot[0],
            slot[1],
            txid or transaction_id(group),
        )
        return replace(
            group,
            status=GroupStatus.BOOKED,
            event_id=meeting.event_id,
            join_url=meeting.join_url,
            start=meeting.start,
            end=meeting.end,
            organizer_id=organizer.person_id,
        )

    def _starter(self, group: CoffeeGroup) -> str | None:
        entries = [e for e in self.pack.entries if e.theme in STARTER_THEMES] or list(
            self.pack.entries
        )
        if not entries:
            return None
        return random.Random(f"{group.round_key}:{group.id}").choice(entries).id

    async def _match_deliveries(self, round_: CoffeeRound) -> list[NewDelivery]:
        people: dict[str, Participant] = {}
        for pid in {m for g in round_.groups for m in g.members} | {
            pid for pid, _ in round_.unmatched
        }:
            found = await self.coffee.get_participant(pid)
            if found is not None:
                people[pid] = found
        deliveries: list[NewDelivery] = []
        for group in round_.groups:
            if group.status is GroupStatus.CANCELLED:
                continue
            lang = shared_language(group.languages)
            starter = self._starter(group)
            for pid in group.members:
                person = people.get(pid)
                if person is None:
                    continue
                partners = tuple(
                    Partner(
                        name=people[o].name if o in people else "",
                        upn=people[o].upn if o in people else None,
                    )
                    for o in group.members
                    if o != pid
                )
                match = CoffeeMatch(
                    lang=lang,
                    group=group.id,
                    round=group.round_key,
                    partners=partners,
                    languages=tuple(sorted(group.languages)),
                    start=group.start,
                    end=group.end,
                    join_url=group.join_url,
                    note=group.note,
                    starter=starter,
                )
                deliveries.append(
                    NewDelivery(person.conversation_id, to_json(match), must_arrive=True)
                )
        for pid, reason in round_.unmatched:
            person = people.get(pid)
            if person is not None:
                lang = shared_language(person.languages)
                unmatched = to_json(CoffeeUnmatched(lang=lang, reason=reason))
                deliveries.append(NewDelivery(person.conversation_id, unmatched, must_arrive=True))
        return deliveries

    async def follow_up(self, now: datetime) -> None:
        """The working day after a booked meeting: 'did you meet?' to each member."""
        zone = ZoneInfo(self.schedule.timezone)
        today = now.astimezone(zone).date()
        if not is_working_day(today) or not self.schedule.send_at <= now.astimezone(zone).time():
            return
        key = f"coffee-followup:{today.isoformat()}"
        if await self.store.occurrence_exists(key):
            return
        previous = today - timedelta(days=1)
        while not is_working_day(previous):
            previous -= timedelta(days=1)
        deliveries: list[NewDelivery] = []
        for round_ in await self.coffee.recent_rounds(3):
            for group in round_.groups:
                if group.status is not GroupStatus.BOOKED or group.start is None:
                    continue
                if not previous <= group.start.astimezone(zone).date() < today:
                    continue
                deliveries.extend(await self._followups(group))
        await self.store.create_occurrence(key, "coffee", deliveries, now)

    async def _followups(self, group: CoffeeGroup) -> Sequence[NewDelivery]:
        result: list[NewDelivery] = []
        for pid in group.members:
            person = await self.coffee.get_participant(pid)
            if person is not None:
                followup = CoffeeFollowup(lang=shared_language(group.languages), group=group.id)
                result.append(NewDelivery(person.conversation_id, to_json(followup)))
        return result
