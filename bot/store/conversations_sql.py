"""Conversations, people and incoming de-duplication on SQLAlchemy Core (SQLite and
PostgreSQL): `ConversationsSqlMixin`, one of the bases of `SqlStore` in bot/store/sql.py, which
provides its transactions (bot/store/sql_host.py).

A conversation reference is what a proactive message needs (the Bot Framework reference, the
tenant and service URL); it is kept when the bot is removed, only marked inactive. People are
the users the bot has met, with their language and time zone. Activity ids already handled are
remembered for a while, so that a message Teams delivers twice is answered once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import RowMapping

from bot.records import ConversationRef, Person
from bot.store.columns import clean_text
from bot.store.sql_host import SqlHostBase, chunks
from bot.store.tables import conversation_refs, people, processed_activities


class ConversationsSqlMixin(SqlHostBase):
    """The conversation, people and activity verbs of `bot.storage.Store`."""

    async def save_reference(self, ref: ConversationRef) -> None:
        now = self._clock()
        values = {
            "conversation_id": ref.conversation_id,
            "kind": ref.kind,
            "tenant_id": ref.tenant_id,
            "service_url": ref.service_url,
            "reference": ref.reference,
            "user_aad_id": ref.user_aad_id,
            "team_id": ref.team_id,
            "active": True,
            "updated_at": now,
        }
        stmt = self._insert(conversation_refs).values(created_at=now, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[conversation_refs.c.conversation_id],
            set_={name: stmt.excluded[name] for name in values if name != "conversation_id"},
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def get_reference(self, conversation_id: str) -> ConversationRef | None:
        row = await self._first(
            select(conversation_refs).where(conversation_refs.c.conversation_id == conversation_id)
        )
        return None if row is None else _reference(row)

    async def get_references(self, conversation_ids: Sequence[str]) -> dict[str, ConversationRef]:
        # Keyed by the ids as asked: a hostile id is stored cleaned (see CleanText), and
        # get_reference finds its row with the same id, so this finds it under that id too.
        asked: dict[str, list[str]] = {}
        for conversation_id in conversation_ids:
            asked.setdefault(clean_text(conversation_id), []).append(conversation_id)
        wanted = list(asked)
        found: dict[str, ConversationRef] = {}
        if not wanted:
            return found
        async with self._read() as conn:
            for chunk in chunks(wanted):
                query = select(conversation_refs).where(
                    conversation_refs.c.conversation_id.in_(chunk)
                )
                for row in (await conn.execute(query)).mappings():
                    ref = _reference(row)
                    for conversation_id in asked.get(ref.conversation_id, ()):
                        found[conversation_id] = ref
        return found

    async def deactivate_reference(self, conversation_id: str) -> None:
        stmt = (
            update(conversation_refs)
            .where(conversation_refs.c.conversation_id == conversation_id)
            .values(active=False, updated_at=self._clock())
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def save_person(self, person: Person) -> None:
        values = {
            "aad_object_id": person.aad_object_id,
            "name": person.name,
            "language": person.language,
            "time_zone": person.time_zone,
            "tenant_id": person.tenant_id,
            "teams_user_id": person.teams_user_id,
            "updated_at": self._clock(),
        }
        stmt = self._insert(people).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[people.c.aad_object_id],
            set_={name: stmt.excluded[name] for name in values if name != "aad_object_id"},
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def get_person(self, aad_object_id: str) -> Person | None:
        row = await self._first(select(people).where(people.c.aad_object_id == aad_object_id))
        if row is None:
            return None
        return Person(
            aad_object_id=row["aad_object_id"],
            name=row["name"],
            language=row["language"],
            time_zone=row["time_zone"],
            tenant_id=row["tenant_id"],
            teams_user_id=row["teams_user_id"],
        )

    async def first_time_seen(self, conversation_id: str, activity_id: str, at: datetime) -> bool:
        stmt = (
            self._insert(processed_activities)
            .values(conversation_id=conversation_id, activity_id=activity_id, seen_at=at)
            .on_conflict_do_nothing(
                index_elements=[
                    processed_activities.c.conversation_id,
                    processed_activities.c.activity_id,
                ]
            )
        )
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount == 1

    async def forget_activities_before(self, before: datetime) -> int:
        stmt = delete(processed_activities).where(processed_activities.c.seen_at < before)
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount


def _reference(row: RowMapping) -> ConversationRef:
    return ConversationRef(
        conversation_id=row["conversation_id"],
        kind=row["kind"],
        tenant_id=row["tenant_id"],
        service_url=row["service_url"],
        reference=row["reference"],
        user_aad_id=row["user_aad_id"],
        team_id=row["team_id"],
        active=bool(row["active"]),
    )
