"""The delivery pipeline on SQLAlchemy Core (SQLite and PostgreSQL): occurrences and their
deliveries, claiming and finishing them, the shared throttle and the registry of running
senders. `DeliveriesSqlMixin` is one of the bases of `SqlStore` in bot/store/sql.py, which
provides its transactions (bot/store/sql_host.py).

Claiming: on SQLite a claim is a write transaction from its first statement (BEGIN IMMEDIATE,
bot/store/engine.py); on PostgreSQL it selects with FOR UPDATE SKIP LOCKED and updates in the
same transaction, so concurrent senders never take the same row.

Each verb is one transaction, with one exception: finishes that arrive while another is being
written are committed together (see `finish_delivery`), each still with its own answer. A fan-out
is written with the driver's bulk path (executemany on SQLite, COPY on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.records import Delivery, DeliveryReport, DeliveryState, NewDelivery, Outcome
from bot.store.columns import UtcDateTime, clean_text, dump_json
from bot.store.engine import write_transaction
from bot.store.sql_host import SqlHostBase
from bot.store.tables import deliveries as delivery_table
from bot.store.tables import occurrences, senders, throttle

log = logging.getLogger(__name__)

MAX_FINISH_GROUP = 1_000  # finishes per transaction (bound parameters stay far below limits)
FAILURES_REPORTED = 1_000  # newest failures in a report; the counts cover all of them

# Literal states (not bound parameters): neither database uses a partial index otherwise.
_IS_PENDING = delivery_table.c.state == literal_column(f"'{DeliveryState.PENDING.value}'")
_IS_SENDING = delivery_table.c.state == literal_column(f"'{DeliveryState.SENDING.value}'")
# A literal 0, as in the partial index's WHERE, so that SQLite sees the index applies.
_IS_RETRY = delivery_table.c.attempts > literal_column("0")
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
# Executed once per group of finishes, with a parameter set per delivery.
_FINISH_UPDATE = (
    update(delivery_table)
    .where(delivery_table.c.id == bindparam("b_id"))
    .values(
        state=bindparam("b_state", type_=String()),
        next_attempt_at=bindparam("b_next", type_=UtcDateTime()),
        last_status=bindparam("b_status", type_=Integer()),
        attempts=delivery_table.c.attempts - bindparam("b_uncount", type_=Integer()),
        lease_owner=None,
        lease_until=None,
        updated_at=bindparam("b_now", type_=UtcDateTime()),
    )
)
_SQLITE_BULK_INSERT = str(
    insert(delivery_table).compile(dialect=sqlite.dialect(), column_keys=list(_BULK_COLUMNS))
)


class DeliveriesSqlMixin(SqlHostBase):
    """The occurrence, delivery, throttle and sender verbs of `bot.storage.Store`."""

    # Set up by SqlStore.__init__: finishes queue here and are committed in groups (see
    # finish_delivery); on PostgreSQL the groups take turns on the lock.
    _finish_lock: asyncio.Lock
    _finishes: list[tuple[_Finish, asyncio.Future[bool]]]

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
        in_due_order = (
            delivery_table.c.state,
            delivery_table.c.next_attempt_at,
            delivery_table.c.id,
        )
        async with self._write() as conn:
            # Range scans of the partial indexes rather than one OR: leases left by a crashed
            # sender first, then the retries that are due, so that a failed send is tried
            # again within its backoff and not after every first attempt of a large fan-out,
            # then the first attempts.
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
                    select(delivery_table.c.id).where(due, _IS_RETRY).order_by(*in_due_order),
                    limit - len(ids),
                )
            if len(ids) < limit:
                ids += await self._pick(
                    conn,
                    select(delivery_table.c.id).where(due, ~_IS_RETRY).order_by(*in_due_order),
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
        """See the protocol. Group commit: a sender finishes deliveries one by one but many at
        a time, and a commit costs milliseconds (SQLite: thread hand-offs and a single writer;
        PostgreSQL: a WAL flush), which capped one transaction per finish at a few hundred a
        second. So each caller queues its finish, and whoever gets the lock first writes all
        that are queued in one transaction of two statements; each caller still gets its own
        answer. If that transaction fails, every finish in it fails with the error and none
        is recorded."""
        finish = _Finish(
            delivery_id, clean_text(owner), Outcome(outcome), status, now, next_attempt_at
        )
        mine: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._finishes.append((finish, mine))
        group: list[tuple[_Finish, asyncio.Future[bool]]] = []
        try:
            # On SQLite a group is a write like any other; on PostgreSQL only groups queue.
            async with self._write_lock if self._sqlite else self._finish_lock:
                while not mine.done():  # else it was done in an earlier caller's group
                    group = self._finishes[:MAX_FINISH_GROUP]
                    del self._finishes[:MAX_FINISH_GROUP]
                    try:
                        async with write_transaction(self._engine) as conn:
                            results = await self._finish_group(conn, [f for f, _ in group])
                    except Exception as error:
                        for _, future in group:
                            future.set_exception(error)
                    else:
                        for (_, future), result in zip(group, results, strict=True):
                            future.set_result(result)
        except asyncio.CancelledError:
            if mine.done():
                mine.exception()  # retrieved: the caller is going away either way
            else:
                # Nothing of this group was committed: put the others back for the next
                # lock holder.
                others = [item for item in group if item[1] is not mine]
                self._finishes = others + [item for item in self._finishes if item[1] is not mine]
            raise
        return mine.result()

    async def finish_deliveries(
        self,
        owner: str,
        items: Sequence[tuple[int, Outcome, int | None, datetime | None]],
        now: datetime,
    ) -> set[int]:
        """See the protocol: the statements of a group of finishes (`_finish_group`), once per
        MAX_FINISH_GROUP items, in one transaction."""
        if not items:
            return set()
        owner = clean_text(owner)
        finishes = [
            _Finish(delivery_id, owner, Outcome(outcome), status, now, next_attempt_at)
            for delivery_id, outcome, status, next_attempt_at in items
        ]
        kept: set[int] = set()
        # On SQLite a write like any other; on PostgreSQL it queues with the groups of
        # finish_delivery (the same lock order by id makes either order safe).
        lock = self._write_lock if self._sqlite else self._finish_lock
        async with lock, write_transaction(self._engine) as conn:
            for start in range(0, len(finishes), MAX_FINISH_GROUP):
                chunk = finishes[start : start + MAX_FINISH_GROUP]
                results = await self._finish_group(conn, chunk)
                kept.update(f.delivery_id for f, ok in zip(chunk, results, strict=True) if ok)
        return kept

    async def _finish_group(self, conn: AsyncConnection, group: list[_Finish]) -> list[bool]:
        """Record the outcomes of a group of finishes in two statements: lock and read the
        rows still being sent, then update those whose lease the finisher holds."""
        held_query = (
            select(delivery_table.c.id, delivery_table.c.lease_owner, delivery_table.c.must_arrive)
            .where(
                delivery_table.c.id.in_({f.delivery_id for f in group}),
                delivery_table.c.state == DeliveryState.SENDING.value,
            )
            .order_by(delivery_table.c.id)  # one lock order for every finisher: no deadlocks
        )
        if not self._sqlite:
            held_query = held_query.with_for_update()
        held = {
            int(delivery_id): (lease_owner, bool(must_arrive))
            for delivery_id, lease_owner, must_arrive in (await conn.execute(held_query)).all()
        }
        results: list[bool] = []
        updates: list[dict[str, Any]] = []
        for finish in group:
            lease = held.get(finish.delivery_id)
            if lease is None or lease[0] != finish.owner:
                results.append(False)  # lost to another sender, or finished already
                continue
            del held[finish.delivery_id]  # a second finish in the same group is too late
            state, next_at = _after(finish, must_arrive=lease[1])
            updates.append(
                {
                    "b_id": finish.delivery_id,
                    "b_state": state.value,
                    "b_next": next_at,
                    "b_status": finish.status,
                    "b_uncount": 1 if finish.outcome is Outcome.RELEASED else 0,
                    "b_now": finish.now,
                }
            )
            results.append(True)
        if updates:
            await conn.execute(_FINISH_UPDATE, updates)
        return results

    async def delivery_report(self, occurrence_key: str | None = None) -> DeliveryReport:
        """Counts of every state, and the newest FAILURES_REPORTED failed or unknown ones."""
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

    async def cancel_pending(self, recipient: str, schedules: Sequence[str], now: datetime) -> int:
        waiting = select(occurrences.c.key).where(occurrences.c.schedule.in_(list(schedules)))
        stmt = (
            update(delivery_table)
            .where(
                delivery_table.c.recipient == recipient,
                _IS_PENDING,
                delivery_table.c.occurrence_key.in_(waiting),
            )
            .values(
                state=DeliveryState.FAILED.value,
                last_status=None,
                next_attempt_at=None,
                updated_at=now,
            )
        )
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return int(result.rowcount or 0)

    async def pending_count(self, now: datetime) -> int:
        waiting = select(func.count()).where(_IS_PENDING).scalar_subquery()
        expired = (
            select(func.count())
            .where(_IS_SENDING, delivery_table.c.lease_until <= now)
            .scalar_subquery()
        )
        async with self._read() as conn:
            return int((await conn.execute(select(waiting + expired))).scalar_one())

    # --- throttle and the sender registry --------------------------------------------

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

    async def sender_alive(self, owner: str, now: datetime, within_seconds: float) -> int:
        owner = clean_text(owner)
        stmt = self._insert(senders).values(owner=owner, seen_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[senders.c.owner], set_={"seen_at": stmt.excluded.seen_at}
        )
        recent = now - timedelta(seconds=within_seconds)
        async with self._write() as conn:
            await conn.execute(stmt)
            # A sender that died without saying so: gone from the count after
            # `within_seconds`, from the table after a minute.
            await conn.execute(
                delete(senders).where(senders.c.seen_at < now - timedelta(seconds=60))
            )
            others = (
                await conn.execute(
                    select(func.count())
                    .select_from(senders)
                    .where(senders.c.owner != owner, senders.c.seen_at > recent)
                )
            ).scalar_one()
        return int(others)

    async def sender_gone(self, owner: str) -> None:
        async with self._write() as conn:
            await conn.execute(delete(senders).where(senders.c.owner == clean_text(owner)))


@dataclass(frozen=True)
class _Finish:
    delivery_id: int
    owner: str
    outcome: Outcome
    status: int | None
    now: datetime
    next_attempt_at: datetime | None


def _after(finish: _Finish, *, must_arrive: bool) -> tuple[DeliveryState, datetime | None]:
    """The state a delivery goes to, and when it is next due, after an outcome."""
    due = finish.next_attempt_at or finish.now
    if finish.outcome is Outcome.SENT:
        return DeliveryState.SENT, None
    if finish.outcome is Outcome.FAILED:
        return DeliveryState.FAILED, None
    if finish.outcome is Outcome.RETRY:
        return DeliveryState.PENDING, due
    if finish.outcome is Outcome.RELEASED:
        return DeliveryState.PENDING, finish.now
    # UNKNOWN: a message that matters is sent again; a tip or nudge is not (it may have arrived).
    return (DeliveryState.PENDING, due) if must_arrive else (DeliveryState.UNKNOWN, None)


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
