"""Subscriptions, tip rotation, feedback and unanswered questions on SQLAlchemy Core (SQLite
and PostgreSQL): `SubscriptionsSqlMixin`, one of the bases of `SqlStore` in bot/store/sql.py,
which provides its transactions (bot/store/sql_host.py).

A subscription is one conversation's (daily tips, weekly nudges, ...); it is due on a day while
the conversation is active and it is not paused up to that day. Tip history is kept per
rotation, so that a conversation sees no tip twice before it has seen them all. Feedback and
misses hold no one's identity: only the entry or question, the language, the outcome and the
time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping

from bot.records import MissCount, Subscription
from bot.store.sql_host import SqlHostBase
from bot.store.tables import conversation_refs, feedback, misses, subscriptions, tip_history


def normalise_question(question: str) -> str:
    """The grouping key of an unanswered question: lowercased, whitespace collapsed."""
    return " ".join(question.lower().split())


class SubscriptionsSqlMixin(SqlHostBase):
    """The subscription, tip, feedback and miss verbs of `bot.storage.Store`."""

    # --- subscriptions and tip rotation ------------------------------------------------

    async def subscribe(self, subscription: Subscription) -> None:
        now = self._clock()
        # Subscribing (again) always clears a pause, whatever the given value says.
        stmt = self._insert(subscriptions).values(
            conversation_id=subscription.conversation_id,
            kind=subscription.kind,
            language=subscription.language,
            paused_until=None,
            created_by=subscription.created_by,
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[subscriptions.c.conversation_id, subscriptions.c.kind],
            set_={
                "language": stmt.excluded.language,
                "paused_until": None,
                "created_by": func.coalesce(stmt.excluded.created_by, subscriptions.c.created_by),
                "updated_at": stmt.excluded.updated_at,
            },
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def unsubscribe(self, conversation_id: str, kind: str) -> bool:
        stmt = delete(subscriptions).where(_subscription_is(conversation_id, kind))
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0

    async def pause(self, conversation_id: str, kind: str, until: date) -> bool:
        stmt = (
            update(subscriptions)
            .where(_subscription_is(conversation_id, kind))
            .values(paused_until=until, updated_at=self._clock())
        )
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0

    async def get_subscription(self, conversation_id: str, kind: str) -> Subscription | None:
        row = await self._first(
            select(subscriptions).where(_subscription_is(conversation_id, kind))
        )
        return None if row is None else _subscription(row)

    async def due_subscriptions(self, kind: str, on: date) -> list[Subscription]:
        stmt = (
            select(subscriptions)
            .join(
                conversation_refs,
                conversation_refs.c.conversation_id == subscriptions.c.conversation_id,
            )
            .where(
                subscriptions.c.kind == kind,
                conversation_refs.c.active.is_(True),
                or_(subscriptions.c.paused_until.is_(None), subscriptions.c.paused_until < on),
            )
            .order_by(subscriptions.c.conversation_id)
        )
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [_subscription(row) for row in rows]

    async def record_tip(self, conversation_id: str, entry_id: str, at: datetime) -> None:
        stmt = insert(tip_history).values(
            conversation_id=conversation_id, entry_id=entry_id, cycle=0, sent_at=at
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def record_tips(self, items: Sequence[tuple[str, str]], at: datetime) -> None:
        if not items:
            return
        rows = [
            {"conversation_id": conversation_id, "entry_id": entry_id, "cycle": 0, "sent_at": at}
            for conversation_id, entry_id in items
        ]
        async with self._write() as conn:
            await conn.execute(insert(tip_history), rows)

    async def tips_seen(self, conversation_id: str) -> set[str]:
        stmt = select(tip_history.c.entry_id).where(
            tip_history.c.conversation_id == conversation_id, tip_history.c.cycle == 0
        )
        async with self._read() as conn:
            return set((await conn.execute(stmt)).scalars().all())

    async def reset_tips(self, conversation_id: str) -> None:
        stmt = (
            update(tip_history)
            .where(tip_history.c.conversation_id == conversation_id)
            .values(cycle=tip_history.c.cycle + 1)
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    # --- feedback and misses ---------------------------------------------------------

    async def record_feedback(self, entry_id: str, helpful: bool, at: datetime) -> None:
        async with self._write() as conn:
            await conn.execute(insert(feedback).values(entry_id=entry_id, helpful=helpful, at=at))

    async def feedback_counts(self, entry_id: str) -> tuple[int, int]:
        stmt = select(
            func.count().filter(feedback.c.helpful.is_(True)),
            func.count().filter(feedback.c.helpful.is_(False)),
        ).where(feedback.c.entry_id == entry_id)
        async with self._read() as conn:
            helpful, unhelpful = (await conn.execute(stmt)).one()
        return int(helpful), int(unhelpful)

    async def record_miss(self, question: str, lang: str, outcome: str, at: datetime) -> None:
        stmt = insert(misses).values(
            question=question,
            question_key=normalise_question(question),
            lang=lang,
            outcome=outcome,
            at=at,
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def misses(self) -> list[MissCount]:
        groups = (
            select(
                misses.c.question_key,
                misses.c.lang,
                misses.c.outcome,
                func.count().label("count"),
                func.min(misses.c.id).label("first_id"),
            )
            .group_by(misses.c.question_key, misses.c.lang, misses.c.outcome)
            .subquery()
        )
        # Each group is shown as the question was first asked.
        stmt = (
            select(misses.c.question, groups.c.lang, groups.c.outcome, groups.c["count"])
            .join(groups, misses.c.id == groups.c.first_id)
            .order_by(groups.c["count"].desc(), groups.c.first_id)
        )
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            MissCount(question, lang, outcome, int(count))
            for question, lang, outcome, count in rows
        ]


def _subscription_is(conversation_id: str, kind: str) -> ColumnElement[bool]:
    return and_(subscriptions.c.conversation_id == conversation_id, subscriptions.c.kind == kind)


def _subscription(row: RowMapping) -> Subscription:
    return Subscription(
        conversation_id=row["conversation_id"],
        kind=row["kind"],
        language=row["language"],
        paused_until=row["paused_until"],
        created_by=row["created_by"],
    )
