"""Onboarding on SQLAlchemy Core (SQLite and PostgreSQL): `OnboardingSqlMixin`, one of the bases
of `SqlStore` in bot/store/sql.py, which provides its transactions (bot/store/sql_host.py).

An onboarding and all its steps are written in one transaction, and its idempotency key is
unique: the same request twice, even at the same moment on two replicas, makes one onboarding.
An onboarding is active while a step is still scheduled and completed when none is; a
cancelled one stays cancelled. `ended_at` (the end of the last step's due day, or the moment of
cancellation if earlier) is where the retention period starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.onboarding.model import (
    Introduction,
    Onboarding,
    OnboardingRequest,
    OnboardingState,
    OnboardingStep,
    Role,
    StepState,
)
from bot.store.columns import UtcDateTime
from bot.store.feature_tables import introductions, onboarding_steps, onboardings
from bot.store.sql_host import SqlHostBase, chunks

_ACTIVE = OnboardingState.ACTIVE.value
_SCHEDULED = StepState.SCHEDULED.value


class OnboardingSqlMixin(SqlHostBase):
    """`bot.onboarding.store.OnboardingStore` for SqlStore."""

    async def create_onboarding(
        self,
        onboarding_id: str,
        request: OnboardingRequest,
        steps: Sequence[OnboardingStep],
        at: datetime,
        idempotency_key: str | None = None,
    ) -> tuple[Onboarding, bool]:
        """See the protocol. Steps come back in the order given. With no step left to send
        the onboarding is completed from the start."""
        pending = any(StepState(step.state) is StepState.SCHEDULED for step in steps)
        stmt = self._insert(onboardings).values(
            id=onboarding_id,
            **_request_values(request),
            state=(OnboardingState.ACTIVE if pending else OnboardingState.COMPLETED).value,
            idempotency_key=idempotency_key,
            pulse=None,
            created_at=at,
            updated_at=at,
            ended_at=_ended_at(steps, at),
        )
        if idempotency_key is not None:
            # A used key inserts nothing; on PostgreSQL a concurrent insert of the same key
            # is waited for: if it commits, this one inserts nothing either.
            stmt = stmt.on_conflict_do_nothing(index_elements=[onboardings.c.idempotency_key])
        step_rows = [
            {"onboarding_id": onboarding_id, "position": position, **_step_values(step)}
            for position, step in enumerate(steps)
        ]
        async with self._write() as conn:
            if (await conn.execute(stmt)).rowcount != 1:
                existing = await _load(conn, onboardings.c.idempotency_key == idempotency_key)
                if not existing:
                    raise LookupError("the onboarding of this idempotency key disappeared")
                return existing[0], False
            if step_rows:
                await conn.execute(insert(onboarding_steps), step_rows)
            created = await _load(conn, onboardings.c.id == onboarding_id)
        return created[0], True

    async def get_onboarding(self, onboarding_id: str) -> Onboarding | None:
        async with self._read() as conn:
            found = await _load(conn, onboardings.c.id == onboarding_id)
        return found[0] if found else None

    async def list_onboardings(self, state: str | None = None) -> list[Onboarding]:
        """Oldest first; all of them with `state` None."""
        async with self._read() as conn:
            if state is None:
                return await _load(conn, None)
            return await _load(conn, onboardings.c.state == OnboardingState(state).value)

    async def cancel_onboarding(self, onboarding_id: str, at: datetime) -> Onboarding | None:
        """An active onboarding becomes cancelled and its scheduled steps cancelled; steps
        sent, acknowledged or failed stay as they are. Cancelling again, or cancelling a
        completed onboarding, changes nothing."""
        stamp = literal(at, UtcDateTime())
        ended = case(
            (or_(onboardings.c.ended_at.is_(None), onboardings.c.ended_at > stamp), stamp),
            else_=onboardings.c.ended_at,
        )
        # Updating the onboarding row first locks it (PostgreSQL): every writer of an
        # onboarding takes its row before its steps, so two writers never deadlock.
        cancel = (
            update(onboardings)
            .where(onboardings.c.id == onboarding_id, onboardings.c.state == _ACTIVE)
            .values(state=OnboardingState.CANCELLED.value, updated_at=at, ended_at=ended)
        )
        cancel_steps = (
            update(onboarding_steps)
            .where(
                onboarding_steps.c.onboarding_id == onboarding_id,
                onboarding_steps.c.state == _SCHEDULED,
            )
            .values(state=StepState.CANCELLED.value)
        )
        async with self._write() as conn:
            result = await conn.execute(cancel)
            if result.rowcount == 1:
                await conn.execute(cancel_steps)
            found = await _load(conn, onboardings.c.id == onboarding_id)
        return found[0] if found else None

    async def due_steps(self, on: date) -> list[tuple[Onboarding, OnboardingStep]]:
        """Oldest due date first; within a day, onboardings in the order they were made and
        steps in their sequence order."""
        query = (
            select(onboarding_steps)
            .join(onboardings, onboardings.c.id == onboarding_steps.c.onboarding_id)
            .where(
                onboardings.c.state == _ACTIVE,
                onboarding_steps.c.state == _SCHEDULED,
                onboarding_steps.c.due_date <= on,
            )
            .order_by(
                onboarding_steps.c.due_date,
                onboardings.c.created_at,
                onboardings.c.id,
                onboarding_steps.c.position,
            )
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).mappings().all()
            ids = list(dict.fromkeys(row["onboarding_id"] for row in rows))
            loaded: dict[str, Onboarding] = {}
            for chunk in chunks(ids):
                for onboarding in await _load(conn, onboardings.c.id.in_(chunk)):
                    loaded[onboarding.id] = onboarding
        return [
            (loaded[row["onboarding_id"]], _step(row))
            for row in rows
            if row["onboarding_id"] in loaded
        ]

    async def set_step_state(
        self, onboarding_id: str, step_id: str, state: StepState, at: datetime
    ) -> bool:
        """Sets the state; SENT stamps sent_at, ACKNOWLEDGED stamps acknowledged_at (and
        sent_at if it had none). Then the onboarding is active if a step is still scheduled
        and completed if none is (a cancelled one stays cancelled). False if there is no
        such step."""
        state = StepState(state)
        values: dict[str, Any] = {"state": state.value}
        if state is StepState.SENT:
            values["sent_at"] = at
        elif state is StepState.ACKNOWLEDGED:
            values["acknowledged_at"] = at
            values["sent_at"] = func.coalesce(
                onboarding_steps.c.sent_at, literal(at, UtcDateTime())
            )
        step_update = (
            update(onboarding_steps)
            .where(
                onboarding_steps.c.onboarding_id == onboarding_id,
                onboarding_steps.c.step_id == step_id,
            )
            .values(**values)
        )
        still_scheduled = exists().where(
            onboarding_steps.c.onboarding_id == onboarding_id,
            onboarding_steps.c.state == _SCHEDULED,
        )
        state_update = (
            update(onboardings)
            .where(onboardings.c.id == onboarding_id)
            .values(
                updated_at=at,
                state=case(
                    (onboardings.c.state == OnboardingState.CANCELLED.value, onboardings.c.state),
                    (still_scheduled, _ACTIVE),
                    else_=OnboardingState.COMPLETED.value,
                ),
            )
        )
        lock = select(onboardings.c.id).where(onboardings.c.id == onboarding_id)
        if not self._sqlite:
            lock = lock.with_for_update()  # the row before its steps, as every writer does
        async with self._write() as conn:
            if (await conn.execute(lock)).first() is None:
                return False
            result = await conn.execute(step_update)
            if result.rowcount != 1:
                return False
            await conn.execute(state_update)
        return True

    async def record_pulse(self, onboarding_id: str, pulse: dict[str, Any], at: datetime) -> bool:
        """Replaces the pulse (HR only). False if there is no such onboarding."""
        stmt = (
            update(onboardings)
            .where(onboardings.c.id == onboarding_id)
            .values(pulse=pulse, updated_at=at)
        )
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount == 1

    async def delete_onboardings_ended_before(self, before: datetime) -> int:
        """Completed and cancelled onboardings that ended before `before`, with their steps.
        An active one is kept: it still has a step to send."""
        stmt = delete(onboardings).where(
            onboardings.c.state != _ACTIVE, onboardings.c.ended_at < before
        )
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount

    # --- introductions ------------------------------------------------------------------

    async def save_introduction(self, introduction: Introduction) -> None:
        """Insert or replace the introduction of (person, team)."""
        values = {
            "person_id": introduction.person_id,
            "team_id": introduction.team_id,
            "name": introduction.name,
            "role_text": introduction.role_text,
            "location_text": introduction.location_text,
            "languages_text": introduction.languages_text,
            "about_text": introduction.about_text,
            "state": introduction.state,
            "channel_id": introduction.channel_id,
            "posted_at": introduction.posted_at,
            "updated_at": self._clock(),
        }
        stmt = self._insert(introductions).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[introductions.c.person_id, introductions.c.team_id],
            set_={
                name: stmt.excluded[name] for name in values if name not in ("person_id", "team_id")
            },
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def get_introduction(self, person_id: str, team_id: str) -> Introduction | None:
        row = await self._first(
            select(introductions).where(
                introductions.c.person_id == person_id, introductions.c.team_id == team_id
            )
        )
        if row is None:
            return None
        return Introduction(
            person_id=row["person_id"],
            team_id=row["team_id"],
            name=row["name"],
            role_text=row["role_text"],
            location_text=row["location_text"],
            languages_text=row["languages_text"],
            about_text=row["about_text"],
            state=row["state"],
            channel_id=row["channel_id"],
            posted_at=row["posted_at"],
        )


def _ended_at(steps: Sequence[OnboardingStep], at: datetime) -> datetime:
    """The end (00:00 UTC of the next day) of the last step's due day; `at` without steps."""
    if not steps:
        return at
    last = max(step.due_date for step in steps)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)


def _request_values(request: OnboardingRequest) -> dict[str, Any]:
    return {
        "employee_id": request.employee_id,
        "employee_name": request.employee_name,
        "start_date": request.start_date,
        "sequence": request.sequence,
        "language": request.language,
        "team_id": request.team_id,
        "buddy_id": request.buddy_id,
        "manager_id": request.manager_id,
        "requested_by": request.requested_by,
    }


def _step_values(step: OnboardingStep) -> dict[str, Any]:
    return {
        "step_id": step.step_id,
        "role": Role(step.role).value,
        "due_date": step.due_date,
        "state": StepState(step.state).value,
        "recipient_id": step.recipient_id,
        "sent_at": step.sent_at,
        "acknowledged_at": step.acknowledged_at,
    }


def _step(row: RowMapping) -> OnboardingStep:
    return OnboardingStep(
        step_id=row["step_id"],
        role=Role(row["role"]),
        due_date=row["due_date"],
        state=StepState(row["state"]),
        recipient_id=row["recipient_id"],
        sent_at=row["sent_at"],
        acknowledged_at=row["acknowledged_at"],
    )


async def _load(conn: AsyncConnection, where: ColumnElement[bool] | None) -> list[Onboarding]:
    """The onboardings matching `where` (all with None), oldest first, with their steps in
    sequence order."""
    query = select(onboardings).order_by(onboardings.c.created_at, onboardings.c.id)
    if where is not None:
        query = query.where(where)
    rows = (await conn.execute(query)).mappings().all()
    steps: dict[str, list[OnboardingStep]] = {}
    ids = [row["id"] for row in rows]
    for chunk in chunks(ids):
        step_query = (
            select(onboarding_steps)
            .where(onboarding_steps.c.onboarding_id.in_(chunk))
            .order_by(onboarding_steps.c.onboarding_id, onboarding_steps.c.position)
        )
        for step_row in (await conn.execute(step_query)).mappings():
            steps.setdefault(step_row["onboarding_id"], []).append(_step(step_row))
    return [
        Onboarding(
            id=row["id"],
            request=OnboardingRequest(
                employee_id=row["employee_id"],
                employee_name=row["employee_name"],
                start_date=row["start_date"],
                sequence=row["sequence"],
                language=row["language"],
                team_id=row["team_id"],
                buddy_id=row["buddy_id"],
                manager_id=row["manager_id"],
                requested_by=row["requested_by"],
            ),
            state=OnboardingState(row["state"]),
            created_at=row["created_at"],
            steps=tuple(steps.get(row["id"], ())),
            idempotency_key=row["idempotency_key"],
            pulse=row["pulse"] or {},
        )
        for row in rows
    ]


if TYPE_CHECKING:
    from bot.onboarding.store import OnboardingStore

    def _implements_the_protocol(store: OnboardingSqlMixin) -> OnboardingStore:
        return store
