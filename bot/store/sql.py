"""The SQLAlchemy implementation of the `Store` protocol, for SQLite and PostgreSQL.

SQLite (`sqlite+aiosqlite:///path`, the default): WAL, a busy timeout, foreign keys on. SQLite
has a single writer; within a process writes also queue on an asyncio lock, and every write
transaction starts with BEGIN IMMEDIATE so that a read-then-write transaction (claiming) holds
the write lock from its first statement and two processes cannot interleave.

PostgreSQL (`postgresql+asyncpg://...`): claiming selects with FOR UPDATE SKIP LOCKED and
updates in the same transaction, so concurrent senders never take the same row.

Each verb is one transaction. No ORM objects leave this module: rows become `bot.store.model`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.store.model import (
    ConversationRef,
    Delivery,
    DeliveryReport,
    DeliveryState,
    MissCount,
    NewDelivery,
    Outcome,
    Person,
    Subscription,
)
from bot.store.tables import (
    UtcDateTime,
    clean_text,
    conversation_refs,
    dump_json,
    feedback,
    misses,
    occurrences,
    people,
    processed_activities,
    subscriptions,
    throttle,
    tip_history,
)
from bot.store.tables import deliveries as delivery_table

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
FAILURES_REPORTED = 1_000  # newest failures in a report; the counts cover all of them
_IMMEDIATE = "yhteiso_sqlite_immediate"  # execution option read by the BEGIN hook

# Literal states (not bound parameters): neither database uses a partial index otherwise.
_IS_PENDING = delivery_table.c.state == literal_column(f"'{DeliveryState.PENDING.value}'")
_IS_SENDING = delivery_table.c.state == literal_column(f"'{DeliveryState.SENDING.value}'")
_BULK_COLUMNS = (
    "occurrence_key",
    "recipient",
    "payload",
    "state",
    "attempts",
    "must_arrive",
    "next_attempt_at",
    "created_at",
    "updated_at",
)
_SQLITE_BULK_INSERT = str(
    insert(delivery_table).compile(dialect=sqlite.dialect(), column_keys=list(_BULK_COLUMNS))
)


def make_engine(url: str, *, create_directory: bool = True) -> AsyncEngine:
    """An async engine set up for the store: SQLite pragmas and BEGIN handling, or asyncpg."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if create_directory and database and database != ":memory:" and "mode=memory" not in url:
            Path(database.removeprefix("file:")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(parsed)
        _set_up_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_async_engine(parsed, pool_pre_ping=True)
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")


def _set_up_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 driver (it skips it for SELECT and DDL); the
        # "begin" hook below emits it, so transactions and transactional DDL are real.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # The timeout first: switching a new file to WAL waits for another migrator.
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable with WAL up to the last commit
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


async def open_store(url: str, *, migrate: bool = True) -> SqlStore:
    """Open the store at `url`, applying migrations first unless `migrate` is False."""
    # Imported here: migrate.py builds its engines with make_engine from this module.
    from bot.store.migrate import upgrade_engine

    engine = make_engine(url)
    try:
        if migrate:
            await upgrade_engine(engine)
    except BaseException:
        await engine.dispose()
        raise
    return SqlStore(engine)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def normalise_question(question: str) -> str:
    """The grouping key of an unanswered question: lowercased, whitespace collapsed."""
    return " ".join(question.lower().split())


class SqlStore:
    """`bot.store.protocol.Store` on SQLAlchemy Core (async)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        # SQLite allows one writer: queue writes here rather than in SQLite's busy handler.
        self._write_lock = asyncio.Lock()

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    async def close(self) -> None:
        await self._engine.dispose()

    # --- transactions ----------------------------------------------------------------

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction (SQLite: BEGIN IMMEDIATE, one at a time per store)."""
        if not self._sqlite:
            async with self._engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self._engine.connect() as conn:
            await conn.execution_options(**{_IMMEDIATE: True})
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as conn:
            yield conn

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        return sqlite.insert(table) if self._sqlite else postgresql.insert(table)

    # --- conversations and people ----------------------------------------------------

    async def save_reference(self, ref: ConversationRef) -> None:
        now = _utcnow()
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
        async with self._read() as conn:
            row = (
                (
                    await conn.execute(
                        select(conversation_refs).where(
                            conversation_refs.c.conversation_id == conversation_id
                        )
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
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

    async def deactivate_reference(self, conversation_id: str) -> None:
        stmt = (
            update(conversation_refs)
            .where(conversation_refs.c.conversation_id == conversation_id)
            .values(active=False, updated_at=_utcnow())
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
            "updated_at": _utcnow(),
        }
        stmt = self._insert(people).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[people.c.aad_object_id],
            set_={name: stmt.excluded[name] for name in values if name != "aad_object_id"},
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def get_person(self, aad_object_id: str) -> Person | None:
        async with self._read() as conn:
            row = (
                (await conn.execute(select(people).where(people.c.aad_object_id == aad_object_id)))
                .mappings()
                .first()
            )
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

    # --- subscriptions and tip rotation ------------------------------------------------

    async def subscribe(self, subscription: Subscription) -> None:
        now = _utcnow()
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

    def _subscription_is(self, conversation_id: str, kind: str) -> ColumnElement[bool]:
        return and_(
            subscriptions.c.conversation_id == conversation_id, subscriptions.c.kind == kind
        )

    async def unsubscribe(self, conversation_id: str, kind: str) -> bool:
        stmt = delete(subscriptions).where(self._subscription_is(conversation_id, kind))
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0

    async def pause(self, conversation_id: str, kind: str, until: date) -> bool:
        stmt = (
            update(subscriptions)
            .where(self._subscription_is(conversation_id, kind))
            .values(paused_until=until, updated_at=_utcnow())
        )
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0

    async def get_subscription(self, conversation_id: str, kind: str) -> Subscription | None:
        async with self._read() as conn:
            row = (
                (
                    await conn.execute(
                        select(subscriptions).where(self._subscription_is(conversation_id, kind))
                    )
                )
                .mappings()
                .first()
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

    # --- feedback, misses, incoming de-duplication -----------------------------------

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

    # --- delivery pipeline -------------------------------------------------------------

    async def create_occurrence(
        self, key: str, schedule: str, deliveries: Sequence[NewDelivery], at: datetime
    ) -> bool:
        if await self.occurrence_exists(key):
            return False  # the common case of a restart: skip preparing the rows
        unique: dict[str, NewDelivery] = {}
        for new in deliveries:
            # (occurrence, recipient) is unique: one message per recipient, the first one.
            unique.setdefault(new.recipient, new)
        if len(unique) < len(deliveries):
            log.warning(
                "occurrence %s: %d duplicate recipients dropped", key, len(deliveries) - len(unique)
            )
        records = self._delivery_records(key, unique.values(), at)
        claim_key = (
            self._insert(occurrences)
            .values(key=key, schedule=schedule, created_at=at)
            .on_conflict_do_nothing(index_elements=[occurrences.c.key])
        )
        async with self._write() as conn:
            # The unique key decides a race: the second creator inserts nothing here (on
            # PostgreSQL it first waits for the other transaction) and writes nothing else.
            if (await conn.execute(claim_key)).rowcount != 1:
                return False
            if records:
                await self._bulk_insert_deliveries(conn, records)
        return True

    def _delivery_records(
        self, key: str, new_deliveries: Iterable[NewDelivery], at: datetime
    ) -> list[tuple[Any, ...]]:
        """Rows in _BULK_COLUMNS order, already in the driver's terms.

        A fan-out is up to 100 000 rows: converting each value through SQLAlchemy's type
        machinery took longer than the insert itself, so the shared values are converted once
        and the rest with the same functions the column types use.
        """
        to_db = delivery_table.c.created_at.type.bind_processor(self._engine.dialect)
        stamp = to_db(at) if to_db is not None else at
        pending = DeliveryState.PENDING.value
        occurrence_key = clean_text(key)
        return [
            (
                occurrence_key,
                clean_text(new.recipient),
                dump_json(new.payload),
                pending,
                0,
                bool(new.must_arrive),
                stamp,
                stamp,
                stamp,
            )
            for new in new_deliveries
        ]

    async def _bulk_insert_deliveries(
        self, conn: AsyncConnection, records: list[tuple[Any, ...]]
    ) -> None:
        if self._sqlite:
            await conn.exec_driver_sql(_SQLITE_BULK_INSERT, records)
            return
        # PostgreSQL: COPY on the transaction's own asyncpg connection (measured about twice
        # as fast as executemany for a large fan-out).
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.copy_records_to_table(
            delivery_table.name, records=records, columns=list(_BULK_COLUMNS)
        )

    async def occurrence_exists(self, key: str) -> bool:
        stmt = select(literal(1)).where(occurrences.c.key == key)
        async with self._read() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def claim_deliveries(
        self, owner: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[Delivery]:
        if limit <= 0:
            return []
        due = and_(_IS_PENDING, delivery_table.c.next_attempt_at <= now)
        expired = and_(_IS_SENDING, delivery_table.c.lease_until <= now)
        async with self._write() as conn:
            # Two range scans of the partial indexes rather than one OR; leases left by a
            # crashed sender first.
            ids = await self._pick(
                conn,
                select(delivery_table.c.id)
                .where(expired)
                .order_by(delivery_table.c.state, delivery_table.c.lease_until),
                limit,
            )
            if len(ids) < limit:
                ids += await self._pick(
                    conn,
                    select(delivery_table.c.id)
                    .where(due)
                    .order_by(
                        delivery_table.c.state,
                        delivery_table.c.next_attempt_at,
                        delivery_table.c.id,
                    ),
                    limit - len(ids),
                )
            if not ids:
                return []
            # Conditional again, so that nothing another sender holds is ever taken over. The
            # states are bound here, which keeps the planners on the primary key.
            still_claimable = or_(
                and_(
                    delivery_table.c.state == DeliveryState.PENDING.value,
                    delivery_table.c.next_attempt_at <= now,
                ),
                and_(
                    delivery_table.c.state == DeliveryState.SENDING.value,
                    delivery_table.c.lease_until <= now,
                ),
            )
            stmt = (
                update(delivery_table)
                .where(delivery_table.c.id.in_(ids), still_claimable)
                .values(
                    state=DeliveryState.SENDING.value,
                    lease_owner=owner,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=delivery_table.c.attempts + 1,
                    updated_at=now,
                )
                .returning(*delivery_table.c)
            )
            rows = (await conn.execute(stmt)).mappings().all()
        order = {delivery_id: index for index, delivery_id in enumerate(ids)}
        return sorted((_delivery(row) for row in rows), key=lambda d: order[d.id])

    async def _pick(self, conn: AsyncConnection, query: Select[Any], limit: int) -> list[int]:
        query = query.limit(limit)
        if not self._sqlite:
            query = query.with_for_update(skip_locked=True)
        return [int(delivery_id) for delivery_id in (await conn.execute(query)).scalars()]

    async def finish_delivery(
        self,
        delivery_id: int,
        owner: str,
        outcome: Outcome,
        status: int | None,
        now: datetime,
        next_attempt_at: datetime | None = None,
    ) -> bool:
        retry_at = next_attempt_at or now
        state: Any
        next_at: Any
        if outcome is Outcome.SENT:
            state, next_at = DeliveryState.SENT.value, None
        elif outcome is Outcome.FAILED:
            state, next_at = DeliveryState.FAILED.value, None
        elif outcome is Outcome.RETRY:
            state, next_at = DeliveryState.PENDING.value, retry_at
        elif outcome is Outcome.UNKNOWN:
            # A message that matters is sent again; a tip or nudge is not (it may have arrived).
            state = case(
                (delivery_table.c.must_arrive, DeliveryState.PENDING.value),
                else_=DeliveryState.UNKNOWN.value,
            )
            next_at = case(
                (delivery_table.c.must_arrive, literal(retry_at, UtcDateTime())), else_=None
            )
        else:  # pragma: no cover - Outcome is closed
            raise ValueError(f"unknown outcome {outcome!r}")
        stmt = (
            update(delivery_table)
            .where(
                delivery_table.c.id == delivery_id,
                delivery_table.c.lease_owner == owner,
                delivery_table.c.state == DeliveryState.SENDING.value,
            )
            .values(
                state=state,
                next_attempt_at=next_at,
                last_status=status,
                lease_owner=None,
                lease_until=None,
                updated_at=now,
            )
        )
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount == 1

    async def delivery_report(self, occurrence_key: str | None = None) -> DeliveryReport:
        counts_stmt = select(delivery_table.c.state, func.count()).group_by(delivery_table.c.state)
        failures_stmt = (
            select(delivery_table)
            .where(
                delivery_table.c.state.in_(
                    [DeliveryState.FAILED.value, DeliveryState.UNKNOWN.value]
                )
            )
            .order_by(delivery_table.c.updated_at.desc(), delivery_table.c.id.desc())
            .limit(FAILURES_REPORTED)
        )
        if occurrence_key is not None:
            counts_stmt = counts_stmt.where(delivery_table.c.occurrence_key == occurrence_key)
            failures_stmt = failures_stmt.where(delivery_table.c.occurrence_key == occurrence_key)
        async with self._read() as conn:
            counted = (await conn.execute(counts_stmt)).all()
            failed = (await conn.execute(failures_stmt)).mappings().all()
        counts = {state.value: 0 for state in DeliveryState}
        counts.update({str(state): int(number) for state, number in counted})
        return DeliveryReport(counts=counts, failures=[_delivery(row) for row in failed])

    async def pending_count(self, now: datetime) -> int:
        waiting = select(func.count()).where(_IS_PENDING).scalar_subquery()
        expired = (
            select(func.count())
            .where(_IS_SENDING, delivery_table.c.lease_until <= now)
            .scalar_subquery()
        )
        async with self._read() as conn:
            return int((await conn.execute(select(waiting + expired))).scalar_one())

    async def set_throttle_until(self, until: datetime) -> None:
        stmt = self._insert(throttle).values(id=1, until=until)
        stmt = stmt.on_conflict_do_update(
            index_elements=[throttle.c.id],
            set_={
                "until": case(
                    (stmt.excluded.until > throttle.c.until, stmt.excluded.until),
                    else_=throttle.c.until,
                )
            },
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def throttle_until(self) -> datetime | None:
        async with self._read() as conn:
            value: datetime | None = (
                await conn.execute(select(throttle.c.until).where(throttle.c.id == 1))
            ).scalar_one_or_none()
        return value


def _subscription(row: RowMapping) -> Subscription:
    return Subscription(
        conversation_id=row["conversation_id"],
        kind=row["kind"],
        language=row["language"],
        paused_until=row["paused_until"],
        created_by=row["created_by"],
    )


def _delivery(row: RowMapping) -> Delivery:
    return Delivery(
        id=int(row["id"]),
        occurrence_key=row["occurrence_key"],
        recipient=row["recipient"],
        payload=row["payload"],
        state=DeliveryState(row["state"]),
        attempts=int(row["attempts"]),
        must_arrive=bool(row["must_arrive"]),
        last_status=row["last_status"],
        next_attempt_at=row["next_attempt_at"],
        lease_until=row["lease_until"],
    )
