"""OnboardingService without HTTP: cancel, atomic creation, past start dates, the bundled
sequences, and what is written for each role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.directory import DirectoryUser
from bot.onboarding.model import OnboardingState, StepState
from bot.onboarding.sequences import Sequence, SequenceStep, load_sequences
from bot.onboarding.service import (
    PAST_REASON,
    OnboardingService,
    RequestErrors,
    UnknownUser,
)
from bot.settings import BUNDLED_CONTENT_DIR
from bot.store.sql import SqlStore
from tests.onboarding.conftest import NOW, START, TODAY, DirectoryDouble, make_sequence


def request_for(people: dict[str, DirectoryUser], **fields: object) -> dict[str, object]:
    """A request naming everyone; a field set to ... is left out."""
    request: dict[str, object] = {
        "employee": people["newcomer"].id,
        "start_date": START,
        "buddy": people["buddy"].id,
        "manager": people["manager"].id,
        "team_id": "19:team@thread.tacv2",
        **fields,
    }
    return {name: value for name, value in request.items() if value is not ...}


async def test_cancel_cancels_only_the_steps_still_to_come(
    service: OnboardingService, store: SqlStore, people: dict[str, DirectoryUser]
) -> None:
    onboarding, created = await service.start(request_for(people), "hr")
    assert created
    await store.set_step_state(onboarding.id, "welcome", StepState.SENT, NOW)
    await store.set_step_state(onboarding.id, "meet-buddy", StepState.ACKNOWLEDGED, NOW)
    await store.set_step_state(onboarding.id, "manager-one-to-one", StepState.FAILED, NOW)
    cancelled = await service.cancel(onboarding.id)
    assert cancelled is not None
    states = {step.step_id: step.state for step in cancelled.steps}
    assert states == {
        "welcome": StepState.SENT,
        "meet-buddy": StepState.ACKNOWLEDGED,
        "manager-one-to-one": StepState.FAILED,
        "team-introduction": StepState.CANCELLED,
        "check-in": StepState.CANCELLED,
    }
    assert cancelled.state is OnboardingState.CANCELLED
    stored = await service.get(onboarding.id)
    assert stored is not None and stored.steps == cancelled.steps
    assert await service.list("active") == []
    # Nothing cancelled is due any more.
    assert all(o.id != onboarding.id for o, _ in await store.due_steps(date(2026, 12, 31)))


async def test_cancel_of_an_unknown_onboarding_is_none(service: OnboardingService) -> None:
    assert await service.cancel("no-such-onboarding") is None
    assert await service.get("no-such-onboarding") is None


async def test_a_failure_in_the_middle_writes_nothing(
    store: SqlStore, directory: DirectoryDouble, people: dict[str, DirectoryUser]
) -> None:
    # A sequence that bypassed validation: its last step repeats an id, so the store
    # fails after the onboarding and the first steps are already in the transaction.
    good = make_sequence(
        "default", [("welcome", 0, "newcomer", "intro"), ("later", 2, "newcomer", "ack")]
    )
    broken = Sequence.model_construct(
        id="broken",
        title=good.title,
        steps=(*good.steps, SequenceStep.model_construct(**{**dict(good.steps[1]), "offset": 3})),
    )
    service = OnboardingService(
        store, directory, {"default": good, "broken": broken}, lambda: NOW, "Europe/Helsinki"
    )
    with pytest.raises(Exception) as failure:
        await service.start(request_for(people, sequence="broken"), "hr", "key-broken")
    assert not isinstance(failure.value, RequestErrors | UnknownUser)
    assert await store.list_onboardings() == []
    # The key was not used up either: the same key works with a good request.
    onboarding, created = await service.start(request_for(people), "hr", "key-broken")
    assert created and len(onboarding.steps) == 2
    assert len(await store.list_onboardings()) == 1


async def test_a_past_start_sends_day_zero_now_and_lists_the_missed_steps(
    service: OnboardingService, people: dict[str, DirectoryUser]
) -> None:
    start = TODAY - timedelta(days=7)  # Monday a week ago
    onboarding, _ = await service.start(request_for(people, start_date=start.isoformat()), "hr")
    due = {step.step_id: step.due_date for step in onboarding.steps}
    # Day-0 steps today; the check-in (5 working days after) is today too; the rest passed.
    assert due == {"welcome": TODAY, "meet-buddy": TODAY, "check-in": TODAY}
    skipped = {s.step_id: s.reason for s in service.skipped_steps(onboarding)}
    assert skipped == {"manager-one-to-one": PAST_REASON, "team-introduction": PAST_REASON}


async def test_the_bundled_default_sequence_plans_every_step(
    store: SqlStore, directory: DirectoryDouble, people: dict[str, DirectoryUser]
) -> None:
    bundled = load_sequences(BUNDLED_CONTENT_DIR / "sequences.yaml")
    service = OnboardingService(store, directory, bundled, lambda: NOW, "Europe/Helsinki")
    onboarding, _ = await service.start(request_for(people, sequence=...), "hr")
    assert onboarding.request.sequence == "default"
    expected = {step.id for step in bundled["default"].steps}
    written = {step.step_id for step in onboarding.steps}
    skipped = {step.step_id for step in service.skipped_steps(onboarding)}
    assert written | skipped == expected and not written & skipped
    assert all(step.due_date >= date(2026, 12, 1) for step in onboarding.steps)
    for step in onboarding.steps:
        role = bundled["default"].step(step.step_id).role
        assert step.role == role
        recipients = {
            "newcomer": people["newcomer"].id,
            "buddy": people["buddy"].id,
            "manager": people["manager"].id,
            "team": "19:team@thread.tacv2",
        }
        assert step.recipient_id == recipients[role.value]


async def test_an_unknown_state_for_list_is_a_request_error(service: OnboardingService) -> None:
    with pytest.raises(RequestErrors) as errors:
        await service.list("finished")
    assert errors.value.problems[0]["field"] == "state"


async def test_without_a_default_sequence_the_sequence_is_required(
    store: SqlStore, directory: DirectoryDouble, people: dict[str, DirectoryUser]
) -> None:
    only = {"short": make_sequence("short", [("welcome", 0, "newcomer", "intro")])}
    service = OnboardingService(store, directory, only, lambda: NOW, "Europe/Helsinki")
    with pytest.raises(RequestErrors) as errors:
        await service.start({"employee": people["newcomer"].id, "start_date": START}, "hr")
    assert [p["field"] for p in errors.value.problems] == ["sequence"]
    onboarding, _ = await service.start(
        {"employee": people["newcomer"].id, "start_date": START, "sequence": "short"}, "hr"
    )
    assert [s.step_id for s in onboarding.steps] == ["welcome"]


async def test_unknown_user_names_every_unknown_person(
    service: OnboardingService, people: dict[str, DirectoryUser]
) -> None:
    with pytest.raises(UnknownUser) as unknown:
        await service.start(
            request_for(people, employee="poissa@virasto.example", buddy="kukaan@virasto.example"),
            "hr",
        )
    assert (unknown.value.field, unknown.value.value) == ("employee", "poissa@virasto.example")
    assert [p["field"] for p in unknown.value.problems] == ["employee", "buddy"]
