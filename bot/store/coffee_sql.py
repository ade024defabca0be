"""Virtual coffee on SQLAlchemy Core (SQLite and PostgreSQL): `CoffeeSqlMixin`, one of the
bases of `SqlStore` in bot/store/sql.py, which provides its transactions (bot/store/sql_host.py).

Each verb is one transaction. A round is written whole or not at all: its row, every group and
each member's `last_round`; its key is unique, so a retry or a second replica writes nothing
and a stored round is never reshuffled. Answers to "did you meet?" are kept under a hash of
the person's id, for counts only. Ids inside JSON lists are cleaned as CleanText cleans a
column, so a hostile id compares equal wherever it is stored.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, delete, func, insert, select, type_coerce, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.coffee.model import (
    CoffeeGroup,
    CoffeeRound,
    Frequency,
    GroupStatus,
    MeetingAnswer,
    Participant,
    Scope,
)
from bot.store.columns import clean_text
from bot.store.feature_tables import (
    coffee_answers,
    coffee_groups,
    coffee_participants,
    coffee_rounds,
    json_token,
)
from bot.store.sql_host import SqlHostBase, chunks


def person_hash(person_id: str) -> str:
    """The key of a person's answers: they are counted, never shown per person."""
    return hashlib.sha256(clean_text(person_id).encode("utf-8")).hexdigest()


class CoffeeSqlMixin(SqlHostBase):
    """`bot.coffee.store.CoffeeStore` for SqlStore."""

    # --- participants ---------------------------------------------------------------

    async def save_participant(self, participant: Participant) -> None:
        """Insert or replace the row. `last_round` belongs to create_round: a participant
        saved from an older read never moves it back (it is taken only for a new row or
        one that has none). `joined_at` None keeps the stored one (now for a new row)."""
        now = self._clock()
        values = _participant_values(participant)
        stmt = self._insert(coffee_participants).values(
            **values,
            last_round=participant.last_round,
            joined_at=participant.joined_at or now,
            updated_at=now,
        )
        table = coffee_participants.c
        changes: dict[str, Any] = {name: stmt.excluded[name] for name in values}
        del changes["person_id"]
        changes["updated_at"] = stmt.excluded.updated_at
        changes["last_round"] = func.coalesce(table.last_round, stmt.excluded.last_round)
        if participant.joined_at is not None:
            changes["joined_at"] = stmt.excluded.joined_at
        stmt = stmt.on_conflict_do_update(index_elements=[table.person_id], set_=changes)
        async with self._write() as conn:
            await conn.execute(stmt)

    async def get_participant(self, person_id: str) -> Participant | None:
        row = await self._first(
            select(coffee_participants).where(coffee_participants.c.person_id == person_id)
        )
        return None if row is None else _participant(row)

    async def participants(self, *, active_only: bool = True) -> list[Participant]:
        """Ordered by id, so that pairing with a given seed is repeatable."""
        query = select(coffee_participants).order_by(coffee_participants.c.person_id)
        if active_only:
            query = query.where(coffee_participants.c.active.is_(True))
        async with self._read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_participant(row) for row in rows]

    async def erase_person(self, person_id: str) -> int:
        """See the protocol. Counted: the participant row, every answer removed (theirs,
        and the others' answers about the groups removed), the groups, and their entries in
        the rounds' unmatched lists. Other participants' do-not-pair lists are theirs and
        are kept."""
        pid = clean_text(person_id)
        # A LIKE on the JSON text finds the candidates; the decoded list decides.
        token = json_token(pid)
        members_text = type_coerce(coffee_groups.c.members, Text())
        unmatched_text = type_coerce(coffee_rounds.c.unmatched, Text())
        removed = 0
        async with self._write() as conn:
            result = await conn.execute(
                delete(coffee_participants).where(coffee_participants.c.person_id == pid)
            )
            removed += result.rowcount
            candidates = await conn.execute(
                select(coffee_groups.c.id, coffee_groups.c.members).where(
                    members_text.contains(token, autoescape=True)
                )
            )
            group_ids = [int(group_id) for group_id, members in candidates if pid in members]
            result = await conn.execute(
                delete(coffee_answers).where(coffee_answers.c.person_hash == person_hash(pid))
            )
            removed += result.rowcount
            for chunk in chunks(group_ids):
                result = await conn.execute(
                    delete(coffee_answers).where(coffee_answers.c.group_id.in_(chunk))
                )
                removed += result.rowcount
                result = await conn.execute(
                    delete(coffee_groups).where(coffee_groups.c.id.in_(chunk))
                )
                removed += result.rowcount
            rounds = await conn.execute(
                select(coffee_rounds.c.key, coffee_rounds.c.unmatched).where(
                    unmatched_text.contains(token, autoescape=True)
                )
            )
            for key, unmatched in rounds.all():
                kept = [entry for entry in unmatched if entry[0] != pid]
                if len(kept) < len(unmatched):
                    await conn.execute(
                        update(coffee_rounds)
                        .where(coffee_rounds.c.key == key)
                        .values(unmatched=kept)
                    )
                    removed += len(unmatched) - len(kept)
        return removed

    # --- rounds and groups -------------------------------------------------------------

    async def create_round(
        self,
        key: str,
        seed: int,
        groups: Sequence[tuple[tuple[str, ...], frozenset[str]]],
        unmatched: Sequence[tuple[str, str]],
        at: datetime,
    ) -> bool:
        rows = [
            {
                "round_key": key,
                "position": position,
                "members": list(members),
                "languages": _codes(languages),
                "status": GroupStatus.PLANNED.value,
                "updated_at": at,
            }
            for position, (members, languages) in enumerate(groups)
        ]
        matched = sorted({clean_text(member) for members, _ in groups for member in members})
        claim_key = (
            self._insert(coffee_rounds)
            .values(
                key=key,
                seed=seed,
                unmatched=[[person, reason] for person, reason in unmatched],
                created_at=at,
            )
            .on_conflict_do_nothing(index_elements=[coffee_rounds.c.key])
        )
        async with self._write() as conn:
            # The unique key decides a race: the second creator inserts nothing (on
            # PostgreSQL after waiting for the first to commit) and writes nothing else.
            if (await conn.execute(claim_key)).rowcount != 1:
                return False
            if rows:
                await conn.execute(insert(coffee_groups), rows)
            for chunk in chunks(matched):
                await conn.execute(
                    update(coffee_participants)
                    .where(coffee_participants.c.person_id.in_(chunk))
                    .values(last_round=key)
                )
        return True

    async def get_round(self, key: str) -> CoffeeRound | None:
        async with self._read() as conn:
            row = (
                (await conn.execute(select(coffee_rounds).where(coffee_rounds.c.key == key)))
                .mappings()
                .first()
            )
            if row is None:
                return None
            groups = await _groups_of(conn, [row["key"]])
        return _round(row, groups)

    async def recent_rounds(self, limit: int) -> list[CoffeeRound]:
        if limit <= 0:
            return []
        query = (
            select(coffee_rounds)
            .order_by(coffee_rounds.c.created_at.desc(), coffee_rounds.c.key.desc())
            .limit(limit)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).mappings().all()
            groups = await _groups_of(conn, [row["key"] for row in rows])
        return [_round(row, groups) for row in reversed(rows)]

    async def get_group(self, group_id: int) -> CoffeeGroup | None:
        async with self._read() as conn:
            query = select(*_GROUP_COLUMNS).where(coffee_groups.c.id == group_id)
            row = (await conn.execute(query)).first()
        return None if row is None else _group(row)

    async def update_group(self, group: CoffeeGroup) -> None:
        """Only the booking fields: members, languages and the round never change."""
        stmt = (
            update(coffee_groups)
            .where(coffee_groups.c.id == group.id)
            .values(
                status=GroupStatus(group.status).value,
                event_id=group.event_id,
                join_url=group.join_url,
                start=group.start,
                end=group.end,
                organizer_id=group.organizer_id,
                note=group.note,
                updated_at=self._clock(),
            )
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def delete_rounds_before(self, before: datetime) -> int:
        """Rounds created before `before`, with their groups and answers (the foreign keys
        cascade). Returns the number of rounds."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(coffee_rounds).where(coffee_rounds.c.created_at < before)
            )
        return result.rowcount

    # --- "did you meet?" ----------------------------------------------------------------

    async def record_answer(
        self, group_id: int, person_id: str, answer: MeetingAnswer, at: datetime
    ) -> bool:
        pid = clean_text(person_id)
        answer = MeetingAnswer(answer)
        members_query = select(coffee_groups.c.members).where(coffee_groups.c.id == group_id)
        if not self._sqlite:
            # Keeps the group (and so the foreign key) in place until the answer is in.
            members_query = members_query.with_for_update(read=True)
        stmt = self._insert(coffee_answers).values(
            group_id=group_id, person_hash=person_hash(pid), answer=answer.value, answered_at=at
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[coffee_answers.c.group_id, coffee_answers.c.person_hash],
            set_={"answer": stmt.excluded.answer, "answered_at": stmt.excluded.answered_at},
        )
        async with self._write() as conn:
            members = (await conn.execute(members_query)).scalar_one_or_none()
            if members is None or pid not in members:
                return False
            await conn.execute(stmt)
        return True

    async def answer_counts(self, since: datetime | None = None) -> dict[str, int]:
        """Every answer value with its count (zero included), answered at or after `since`."""
        query = select(coffee_answers.c.answer, func.count()).group_by(coffee_answers.c.answer)
        if since is not None:
            query = query.where(coffee_answers.c.answered_at >= since)
        async with self._read() as conn:
            counted = (await conn.execute(query)).all()
        counts = {answer.value: 0 for answer in MeetingAnswer}
        counts.update({str(answer): int(number) for answer, number in counted})
        return counts


# --- rows to plain data, and back --------------------------------------------------------


def _codes(values: Iterable[str]) -> str:
    """A set of short codes (languages) as sorted comma-separated text."""
    codes = sorted({clean_text(value) for value in values})
    if any("," in code or not code for code in codes):
        raise ValueError(f"not a list of codes: {codes!r}")
    return ",".join(codes)


@functools.lru_cache(maxsize=256)
def _split(text: str) -> frozenset[str]:
    """The set of a comma-separated text (cached: a round repeats a few language sets)."""
    return frozenset(item for item in text.split(",") if item)


def _time_text(value: time) -> str:
    """ISO text, "09:00" when the time is whole minutes (lossless either way)."""
    if value.second == 0 and value.microsecond == 0 and value.tzinfo is None:
        return value.isoformat(timespec="minutes")
    return value.isoformat()


def _participant_values(participant: Participant) -> dict[str, Any]:
    person_id = clean_text(participant.person_id)
    return {
        "person_id": person_id,
        "conversation_id": participant.conversation_id,
        "name": participant.name,
        "upn": participant.upn,
        "tenant_id": participant.tenant_id,
        "team_id": participant.team_id,
        "organisation_id": participant.organisation_id,
        "languages": _codes(participant.languages),
        "frequency": Frequency(participant.frequency).value,
        "group_size": participant.group_size,
        "scope": Scope(participant.scope).value,
        "weekdays": ",".join(str(day) for day in sorted(participant.weekdays)),
        "day_start": _time_text(participant.day_start),
        "day_end": _time_text(participant.day_end),
        "length_minutes": participant.length_minutes,
        # Cleaned here so that the list can never name the person (the model refuses that).
        "avoid": sorted({clean_text(other) for other in participant.avoid} - {person_id}),
        "active": participant.active,
        "paused_until": participant.paused_until,
    }


def _participant(row: RowMapping) -> Participant:
    return Participant(
        person_id=row["person_id"],
        conversation_id=row["conversation_id"],
        name=row["name"],
        upn=row["upn"],
        tenant_id=row["tenant_id"],
        team_id=row["team_id"],
        organisation_id=row["organisation_id"],
        languages=_split(row["languages"]),
        frequency=Frequency(row["frequency"]),
        group_size=int(row["group_size"]),
        scope=Scope(row["scope"]),
        weekdays=frozenset(int(day) for day in _split(row["weekdays"])),
        day_start=time.fromisoformat(row["day_start"]),
        day_end=time.fromisoformat(row["day_end"]),
        length_minutes=int(row["length_minutes"]),
        avoid=frozenset(row["avoid"]),
        active=bool(row["active"]),
        paused_until=row["paused_until"],
        last_round=row["last_round"],
        joined_at=row["joined_at"],
    )


_GROUP_COLUMNS = (
    coffee_groups.c.id,
    coffee_groups.c.round_key,
    coffee_groups.c.members,
    coffee_groups.c.languages,
    coffee_groups.c.status,
    coffee_groups.c.event_id,
    coffee_groups.c.join_url,
    coffee_groups.c.start,
    coffee_groups.c.end,
    coffee_groups.c.organizer_id,
    coffee_groups.c.note,
)
_STATUSES = {status.value: status for status in GroupStatus}


def _group(row: Sequence[Any]) -> CoffeeGroup:
    """A group from a row of _GROUP_COLUMNS (a round holds up to tens of thousands)."""
    group_id, key, members, languages, status, event_id, join_url, start, end, organizer, note = row
    return CoffeeGroup(
        id=int(group_id),
        round_key=key,
        members=tuple(members),
        languages=_split(languages),
        status=_STATUSES[status],
        event_id=event_id,
        join_url=join_url,
        start=start,
        end=end,
        organizer_id=organizer,
        note=note,
    )


def _round(row: RowMapping, groups: dict[str, list[CoffeeGroup]]) -> CoffeeRound:
    return CoffeeRound(
        key=row["key"],
        seed=int(row["seed"]),
        created_at=row["created_at"],
        groups=tuple(groups.get(row["key"], ())),
        unmatched=tuple((str(person), str(reason)) for person, reason in row["unmatched"]),
    )


async def _groups_of(conn: AsyncConnection, keys: Sequence[str]) -> dict[str, list[CoffeeGroup]]:
    """The groups of these rounds, in their order within each round."""
    groups: dict[str, list[CoffeeGroup]] = {}
    for chunk in chunks(keys):
        query = (
            select(*_GROUP_COLUMNS)
            .where(coffee_groups.c.round_key.in_(chunk))
            .order_by(coffee_groups.c.round_key, coffee_groups.c.position)
        )
        for row in (await conn.execute(query)).all():
            group = _group(row)
            groups.setdefault(group.round_key, []).append(group)
    return groups


if TYPE_CHECKING:
    from bot.coffee.store import CoffeeStore

    def _implements_the_protocol(store: CoffeeSqlMixin) -> CoffeeStore:
        return store
