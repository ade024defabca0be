"""The onboarding verbs (OnboardingStore) on SQLite and PostgreSQL: an onboarding and its steps
written in one transaction, idempotency keys (also with two replicas racing), cancelling, due
steps, step states and completion, the pulse, retention, and newcomer introductions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.exc import IntegrityError, StatementError

from bot.clock import FixedClock
from bot.onboarding.model import (
    Introduction,
    Onboarding,
    OnboardingRequest,
    OnboardingState,
    OnboardingStep,
    Role,
    StepState,
)
from bot.store.engine import make_engine
from bot.store.feature_tables import introductions, onboarding_steps, onboardings
from bot.store.sql import SqlStore

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
HELSINKI = timezone(timedelta(hours=2))
START = date(2026, 12, 1)
HOSTILE = '\'; DROP TABLE onboardings; -- "Åsa" 👩‍💻 日本語 %_\\ ' + "x" * 50_000


@pytest.fixture
async def store(db_url: str, clock: FixedClock) -> AsyncIterator[SqlStore]:
    opened = SqlStore(make_engine(db_url), clock)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def other(db_url: str, store: SqlStore, clock: FixedClock) -> AsyncIterator[SqlStore]:
    """A second replica: its own engine on the same database."""
    opened = SqlStore(make_engine(db_url), clock)
    try:
        yield opened
    finally:
        await opened.close()


def request(**changes: Any) -> OnboardingRequest:
    return replace(
        OnboardingRequest(
            employee_id="aad-newcomer",
            employee_name="Uusi Tulokas",
            start_date=START,
            sequence="default",
            language="fi",
            team_id="19:team@thread.tacv2",
            buddy_id="aad-buddy",
            manager_id="aad-manager",
            requested_by="aad-hr",
        ),
        **changes,
    )


# In sequence order, which is not the order of the ids.
STEPS = (
    OnboardingStep("welcome", Role.NEWCOMER, START, recipient_id="aad-newcomer"),
    OnboardingStep("meet-buddy", Role.BUDDY, START, recipient_id="aad-buddy"),
    OnboardingStep("team-introduction", Role.TEAM, date(2026, 12, 2), recipient_id="19:team"),
    OnboardingStep("check-in", Role.MANAGER, date(2026, 12, 8), recipient_id="aad-manager"),
)


async def count(store: SqlStore, table: Table) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def ended_at(store: SqlStore, onboarding_id: str) -> datetime | None:
    async with store.engine.connect() as conn:
        value: datetime | None = (
            await conn.execute(
                select(onboardings.c.ended_at).where(onboardings.c.id == onboarding_id)
            )
        ).scalar_one()
    return value


async def start(
    store: SqlStore,
    onboarding_id: str = "ob-1",
    steps: tuple[OnboardingStep, ...] = STEPS,
    at: datetime = NOW,
    key: str | None = None,
    **changes: Any,
) -> Onboarding:
    onboarding, created = await store.create_onboarding(
        onboarding_id, request(**changes), steps, at, key
    )
    assert created
    return onboarding


# --- creating ---------------------------------------------------------------------------------


async def test_an_onboarding_comes_back_as_created(store: SqlStore) -> None:
    at = datetime(2026, 11, 30, 10, 0, 0, 654321, tzinfo=HELSINKI)
    onboarding, created = await store.create_onboarding("ob-1", request(), STEPS, at, "key-1")
    assert created is True
    assert onboarding == Onboarding(
        id="ob-1",
        request=request(),
        state=OnboardingState.ACTIVE,
        created_at=at,
        steps=STEPS,
        idempotency_key="key-1",
        pulse={},
    )
    assert onboarding.created_at.tzinfo == UTC
    assert [s.step_id for s in onboarding.steps] == [s.step_id for s in STEPS]  # given order
    assert await store.get_onboarding("ob-1") == onboarding
    assert await store.get_onboarding("ob-unknown") is None


async def test_optional_fields_and_hostile_values_survive(store: SqlStore) -> None:
    hostile = request(
        employee_id=HOSTILE,
        employee_name=HOSTILE,
        sequence=HOSTILE,
        language="sv",
        team_id=None,
        buddy_id=None,
        manager_id=None,
        requested_by="api-key",
    )
    steps = (OnboardingStep(HOSTILE, Role.NEWCOMER, START, recipient_id=HOSTILE),)
    onboarding, _ = await store.create_onboarding(HOSTILE, hostile, steps, NOW, HOSTILE)
    assert onboarding.request == hostile and onboarding.steps == steps
    assert await store.get_onboarding(HOSTILE) == onboarding
    # NUL and lone surrogates are cleaned alike everywhere: the same id finds the row again.
    dirty, _ = await store.create_onboarding(
        "ob\x00\ud800", request(employee_name="nul\x00"), STEPS, NOW
    )
    assert dirty.id == "ob\ufffd?" and dirty.request.employee_name == "nul\ufffd"
    assert await store.get_onboarding("ob\x00\ud800") == dirty
    assert await store.set_step_state("ob\x00\ud800", "welcome", StepState.SENT, NOW)


async def test_the_same_idempotency_key_creates_one_onboarding(store: SqlStore) -> None:
    first = await start(store, "ob-1", key="key-1")
    again, created = await store.create_onboarding(
        "ob-2", request(employee_name="Someone Else"), STEPS[:1], NOW + timedelta(hours=1), "key-1"
    )
    assert created is False
    assert again == first
    assert await store.get_onboarding("ob-2") is None
    assert await count(store, onboardings) == 1
    assert await count(store, onboarding_steps) == len(STEPS)
    # Other keys, and no key at all, create new ones.
    await start(store, "ob-3", key="key-2")
    await start(store, "ob-4")
    await start(store, "ob-5")
    assert await count(store, onboardings) == 4


async def test_two_replicas_racing_with_one_key_create_one_onboarding(
    store: SqlStore, other: SqlStore
) -> None:
    for n in range(5):
        key = f"key-{n}"
        results = await asyncio.gather(
            *(
                replica.create_onboarding(f"ob-{n}-{i}", request(), STEPS, NOW, key)
                for i, replica in enumerate([store, other, store, other])
            )
        )
        assert sorted(created for _, created in results) == [False, False, False, True]
        assert len({onboarding.id for onboarding, _ in results}) == 1
        assert all(onboarding.steps == STEPS for onboarding, _ in results)
    assert await count(store, onboardings) == 5
    assert await count(store, onboarding_steps) == 5 * len(STEPS)


async def test_a_failure_in_the_middle_writes_nothing(store: SqlStore) -> None:
    # The last step repeats an id: the onboarding row and the first steps are already in the
    # transaction when the database refuses it.
    broken = (*STEPS, STEPS[0])
    with pytest.raises(IntegrityError):
        await store.create_onboarding("ob-1", request(), broken, NOW, "key-1")
    assert await store.get_onboarding("ob-1") is None
    assert await count(store, onboardings) == 0
    assert await count(store, onboarding_steps) == 0
    # The key was not used up.
    onboarding, created = await store.create_onboarding("ob-1", request(), STEPS, NOW, "key-1")
    assert created and len(onboarding.steps) == len(STEPS)


async def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        await store.create_onboarding("ob-1", request(), STEPS, datetime(2026, 11, 30, 10))
    assert await count(store, onboardings) == 0


async def test_without_a_step_to_send_an_onboarding_is_completed_at_once(
    store: SqlStore,
) -> None:
    onboarding = await start(store, "ob-empty", steps=())
    assert onboarding.state is OnboardingState.COMPLETED and onboarding.steps == ()
    assert await ended_at(store, "ob-empty") == NOW


async def test_list_by_state_oldest_first(store: SqlStore) -> None:
    await start(store, "ob-b", at=NOW)
    await start(store, "ob-a", at=NOW + timedelta(minutes=1))
    await start(store, "ob-c", at=NOW - timedelta(minutes=1))
    await store.cancel_onboarding("ob-b", NOW)
    assert [o.id for o in await store.list_onboardings()] == ["ob-c", "ob-b", "ob-a"]
    assert [o.id for o in await store.list_onboardings("active")] == ["ob-c", "ob-a"]
    assert [o.id for o in await store.list_onboardings("cancelled")] == ["ob-b"]
    assert await store.list_onboardings("completed") == []
    assert all(len(o.steps) == len(STEPS) for o in await store.list_onboardings())
    with pytest.raises(ValueError):
        await store.list_onboardings("running")


# --- cancelling ---------------------------------------------------------------------------------


async def test_cancel_cancels_only_the_steps_still_to_come(store: SqlStore) -> None:
    await start(store)
    await store.set_step_state("ob-1", "welcome", StepState.SENT, NOW)
    await store.set_step_state("ob-1", "meet-buddy", StepState.ACKNOWLEDGED, NOW)
    await store.set_step_state("ob-1", "team-introduction", StepState.FAILED, NOW)
    at = NOW + timedelta(hours=1)
    cancelled = await store.cancel_onboarding("ob-1", at)
    assert cancelled is not None and cancelled.state is OnboardingState.CANCELLED
    assert {s.step_id: s.state for s in cancelled.steps} == {
        "welcome": StepState.SENT,
        "meet-buddy": StepState.ACKNOWLEDGED,
        "team-introduction": StepState.FAILED,
        "check-in": StepState.CANCELLED,
    }
    assert await store.get_onboarding("ob-1") == cancelled
    assert await store.due_steps(date(2027, 1, 1)) == []
    # The sequence ended when it was cancelled: retention counts from then.
    assert await ended_at(store, "ob-1") == at
    # Cancelling again changes nothing.
    assert await store.cancel_onboarding("ob-1", at + timedelta(days=1)) == cancelled
    assert await ended_at(store, "ob-1") == at
    assert await store.cancel_onboarding("ob-unknown", at) is None


async def test_cancel_does_not_undo_a_completed_onboarding(store: SqlStore) -> None:
    await start(store, steps=STEPS[:1])
    await store.set_step_state("ob-1", "welcome", StepState.SENT, NOW)
    completed = await store.get_onboarding("ob-1")
    assert completed is not None and completed.state is OnboardingState.COMPLETED
    assert await store.cancel_onboarding("ob-1", NOW + timedelta(days=1)) == completed


# --- due steps and step states ---------------------------------------------------------------


async def test_due_steps_are_the_scheduled_steps_of_active_onboardings_oldest_first(
    store: SqlStore,
) -> None:
    await start(store, "ob-late", at=NOW + timedelta(minutes=5))
    await start(store, "ob-early", at=NOW)
    await start(store, "ob-cancelled", at=NOW - timedelta(minutes=5))
    await store.cancel_onboarding("ob-cancelled", NOW)
    await store.set_step_state("ob-early", "meet-buddy", StepState.SENT, NOW)
    assert await store.due_steps(START - timedelta(days=1)) == []
    due = await store.due_steps(date(2026, 12, 2))
    assert [(o.id, s.step_id) for o, s in due] == [
        ("ob-early", "welcome"),
        ("ob-late", "welcome"),
        ("ob-late", "meet-buddy"),
        ("ob-early", "team-introduction"),
        ("ob-late", "team-introduction"),
    ]
    onboarding, step = due[0]
    assert onboarding == await store.get_onboarding("ob-early")  # whole, with every step
    assert step == STEPS[0]
    assert len(await store.due_steps(date(2027, 1, 1))) == 7


async def test_step_states_stamp_their_times(store: SqlStore) -> None:
    await start(store)
    sent_at = datetime(2026, 12, 1, 9, 0, tzinfo=HELSINKI)
    acked_at = sent_at + timedelta(hours=3)
    assert await store.set_step_state("ob-1", "welcome", StepState.SENT, sent_at)
    assert await store.set_step_state("ob-1", "welcome", StepState.ACKNOWLEDGED, acked_at)
    # Acknowledged without having been marked sent: it was sent by then.
    assert await store.set_step_state("ob-1", "meet-buddy", StepState.ACKNOWLEDGED, acked_at)
    assert await store.set_step_state("ob-1", "check-in", StepState.FAILED, acked_at)
    onboarding = await store.get_onboarding("ob-1")
    assert onboarding is not None
    steps = {s.step_id: s for s in onboarding.steps}
    assert steps["welcome"] == replace(
        STEPS[0], state=StepState.ACKNOWLEDGED, sent_at=sent_at, acknowledged_at=acked_at
    )
    assert steps["welcome"].sent_at is not None and steps["welcome"].sent_at.tzinfo == UTC
    assert steps["meet-buddy"] == replace(
        STEPS[1], state=StepState.ACKNOWLEDGED, sent_at=acked_at, acknowledged_at=acked_at
    )
    assert steps["check-in"] == replace(STEPS[3], state=StepState.FAILED)
    assert steps["team-introduction"] == STEPS[2]
    assert await store.set_step_state("ob-1", "no-such-step", StepState.SENT, NOW) is False
    assert await store.set_step_state("ob-unknown", "welcome", StepState.SENT, NOW) is False


async def test_an_onboarding_is_completed_when_no_step_is_left_to_send(
    store: SqlStore,
) -> None:
    await start(store)
    for step in STEPS[:-1]:
        await store.set_step_state("ob-1", step.step_id, StepState.SENT, NOW)
        assert [o.id for o in await store.list_onboardings("active")] == ["ob-1"]
    await store.set_step_state("ob-1", "check-in", StepState.FAILED, NOW)
    assert [o.id for o in await store.list_onboardings("completed")] == ["ob-1"]
    # Rescheduled: active again.
    await store.set_step_state("ob-1", "check-in", StepState.SCHEDULED, NOW)
    assert [o.id for o in await store.list_onboardings("active")] == ["ob-1"]
    # A cancelled onboarding stays cancelled whatever happens to its steps.
    await store.cancel_onboarding("ob-1", NOW)
    await store.set_step_state("ob-1", "check-in", StepState.SENT, NOW)
    assert [o.id for o in await store.list_onboardings("cancelled")] == ["ob-1"]


async def test_racing_cancel_and_step_updates_do_not_deadlock(
    store: SqlStore, other: SqlStore
) -> None:
    for n in range(5):
        await start(store, f"ob-{n}")
        results = await asyncio.gather(
            store.set_step_state(f"ob-{n}", "welcome", StepState.SENT, NOW),
            other.cancel_onboarding(f"ob-{n}", NOW),
            store.set_step_state(f"ob-{n}", "check-in", StepState.SENT, NOW),
            other.set_step_state(f"ob-{n}", "meet-buddy", StepState.SENT, NOW),
        )
        assert results[0] and results[2] and results[3]
        final = await store.get_onboarding(f"ob-{n}")
        assert final is not None and final.state is OnboardingState.CANCELLED
        assert StepState.SCHEDULED not in {s.state for s in final.steps}


# --- pulse and retention -------------------------------------------------------------------


async def test_the_pulse_is_recorded_and_replaced(store: SqlStore) -> None:
    await start(store)
    assert await store.record_pulse("ob-1", {"score": 2, "comment": "Yksinäistä 😕"}, NOW)
    assert await store.record_pulse("ob-1", {"score": 4, "comment": HOSTILE}, NOW)
    onboarding = await store.get_onboarding("ob-1")
    assert onboarding is not None and onboarding.pulse == {"score": 4, "comment": HOSTILE}
    assert await store.record_pulse("ob-unknown", {"score": 1}, NOW) is False


async def test_ended_onboardings_are_deleted_after_the_retention(store: SqlStore) -> None:
    # Last step due 8 December: the sequence has ended at 9 December 00:00 UTC.
    end = datetime(2026, 12, 9, tzinfo=UTC)
    await start(store, "ob-completed")
    for step in STEPS:
        await store.set_step_state("ob-completed", step.step_id, StepState.SENT, NOW)
    await start(store, "ob-active")
    await store.set_step_state("ob-active", "welcome", StepState.SENT, NOW)
    await start(store, "ob-cancelled")
    await store.cancel_onboarding("ob-cancelled", NOW + timedelta(days=1))
    assert await ended_at(store, "ob-completed") == end
    assert await store.delete_onboardings_ended_before(NOW + timedelta(days=1)) == 0
    assert await store.delete_onboardings_ended_before(NOW + timedelta(days=2)) == 1
    assert await store.get_onboarding("ob-cancelled") is None
    assert await store.delete_onboardings_ended_before(end) == 0
    assert (
        await store.delete_onboardings_ended_before(
            end.astimezone(HELSINKI) + timedelta(microseconds=1)
        )
        == 1
    )
    assert await store.get_onboarding("ob-completed") is None
    # An active onboarding still has steps to send: it is kept however old.
    assert await store.delete_onboardings_ended_before(end + timedelta(days=3650)) == 0
    assert [o.id for o in await store.list_onboardings()] == ["ob-active"]
    assert await count(store, onboarding_steps) == len(STEPS)  # the steps went with them


# --- introductions ----------------------------------------------------------------------------


async def test_an_introduction_is_saved_replaced_and_kept_per_team(store: SqlStore) -> None:
    assert await store.get_introduction("aad-1", "team-1") is None
    draft = Introduction(person_id="aad-1", team_id="team-1", name="Maija")
    await store.save_introduction(draft)
    assert await store.get_introduction("aad-1", "team-1") == draft
    posted_at = datetime(2026, 12, 1, 9, 0, tzinfo=HELSINKI)
    posted = Introduction(
        person_id="aad-1",
        team_id="team-1",
        name="Maija Meikäläinen",
        role_text="Kehittäjä",
        location_text="Helsinki, monitoimitila",
        languages_text="suomi, svenska",
        about_text=HOSTILE,
        state="posted",
        channel_id="19:general@thread.tacv2",
        posted_at=posted_at,
    )
    await store.save_introduction(posted)
    back = await store.get_introduction("aad-1", "team-1")
    assert back == posted
    assert back is not None and back.posted_at is not None and back.posted_at.tzinfo == UTC
    other_team = replace(draft, team_id="team-2", state="declined")
    await store.save_introduction(other_team)
    assert await store.get_introduction("aad-1", "team-2") == other_team
    assert await store.get_introduction("aad-1", "team-1") == posted
    assert await store.get_introduction("aad-2", "team-1") is None
    assert await count(store, introductions) == 2
