"""HR-started sequences end to end: steps become deliveries at 09:00 on their due working
day, exactly once each, open 1:1 chats where needed, and the buttons record the answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import BACKGROUND_KEY, CORE_KEY, ONBOARDING_KEY, build_app, build_sender
from bot.chat.dispatch import Dispatcher
from bot.chat.model import Incoming
from bot.clock import FixedClock
from bot.onboarding.model import StepState
from bot.onboarding.planner import OnboardingPlanner
from bot.qa.engine import Answerer
from bot.retry import RetryPolicy
from bot.store.sql import SqlStore
from jobs.sender import Sender
from tests.doubles import Doubles, TeamsUser
from tests.e2e.conftest import bot_settings

NEWCOMER = TeamsUser.make("Olli Onboardattava")
BUDDY = TeamsUser.make("Kaisa Kummi")
MANAGER = TeamsUser.make("Esa Esihenkilö")
MONDAY_0830 = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)  # 08:30 in Helsinki
MONDAY_0905 = datetime(2026, 11, 30, 7, 5, tzinfo=UTC)


@dataclass
class Setup:
    doubles: Doubles
    store: SqlStore
    planner: OnboardingPlanner
    sender: Sender
    clock: FixedClock
    chat: Dispatcher


@pytest.fixture
def clock() -> FixedClock:
    """The one clock of the app, the store and the sender: moved by each test."""
    return FixedClock(MONDAY_0830)


@pytest.fixture
async def setup(
    doubles: Doubles,
    tmp_path: Path,
    answerer: Answerer,
    sqlite_store: SqlStore,
    clock: FixedClock,
) -> AsyncIterator[Setup]:
    doubles.reset()
    for person in (NEWCOMER, BUDDY, MANAGER):
        doubles.connector.add_conversation(
            doubles.connector.personal_conversation_id(person.id),
            conversation_type="personal",
            members=[person],
        )
    settings = bot_settings(doubles, tmp_path)
    app = await build_app(settings, credentials_factory=doubles.bot_credentials_factory(),
                          retry=RetryPolicy(max_attempts=2, base_seconds=0.05), answerer=answerer,
                          store=sqlite_store, clock=clock)  # fmt: skip
    service = app[ONBOARDING_KEY]
    _, created = await service.start(
        {"employee": NEWCOMER.aad_object_id, "start_date": "2026-11-30",
         "buddy": BUDDY.aad_object_id, "manager": MANAGER.aad_object_id},
        "hr-test", "key-1",
    )  # fmt: skip
    assert created
    planner = next(
        tick.__self__ for name, tick in app[BACKGROUND_KEY].ticks if name == "onboarding"
    )  # type: ignore[attr-defined]
    assert isinstance(planner, OnboardingPlanner)
    planner.service_url = doubles.connector.service_url
    planner.tenant_id = NEWCOMER.tenant_id  # APP_TENANTID in a single-tenant deployment
    sender, connector = build_sender(
        settings, sqlite_store, answerer.pack, doubles.bot_credentials_factory(), clock=clock
    )
    try:
        yield Setup(doubles, sqlite_store, planner, sender, clock, app[CORE_KEY].dispatcher)
    finally:
        await connector.close()


async def drain(sender: Sender) -> None:
    for _ in range(10):
        if not await sender.run_once():
            return


def sent_to(doubles: Doubles, person: TeamsUser) -> str:
    conversation = doubles.connector.personal_conversation_id(person.id)
    return json.dumps(doubles.connector.sent(conversation), ensure_ascii=False)


async def test_day_zero_steps_go_out_at_nine_once(
    setup: Setup,
) -> None:
    doubles, store, planner, sender, clock = (
        setup.doubles,
        setup.store,
        setup.planner,
        setup.sender,
        setup.clock,
    )
    assert await planner.tick(MONDAY_0830) == 0  # before the send time
    clock.now = MONDAY_0905
    planned = await planner.tick(MONDAY_0905)
    assert planned >= 3  # welcome to the newcomer, a nudge to the buddy and to the manager
    assert await planner.tick(MONDAY_0905 + timedelta(minutes=1)) == 0  # never twice
    await drain(sender)
    assert "introEdit" in sent_to(doubles, NEWCOMER)  # the welcome step opens the intro form
    assert "onboardingAck" in sent_to(doubles, BUDDY)
    assert "onboardingAck" in sent_to(doubles, MANAGER)
    onboardings = await store.list_onboardings("active")
    states = {step.step_id: step.state for step in onboardings[0].steps}
    assert (
        states["welcome"] is StepState.SENT and states["one-month-check-in"] is StepState.SCHEDULED
    )


async def test_the_next_day_brings_only_the_next_steps(
    setup: Setup,
) -> None:
    store, planner, clock = setup.store, setup.planner, setup.clock
    await planner.tick(MONDAY_0905)
    tuesday = MONDAY_0905 + timedelta(days=1)
    clock.now = tuesday
    planned = await planner.tick(tuesday)
    onboarding = (await store.list_onboardings("active"))[0]
    sent_today = [
        s.step_id
        for s in onboarding.steps
        if s.due_date == tuesday.date() and s.state is StepState.SENT
    ]
    assert planned == len(sent_today) and "profile-photo" in sent_today


def person(user: TeamsUser) -> Incoming:
    return Incoming(
        text="",
        user_id=user.id,
        conversation_id="a:x",
        aad_object_id=user.aad_object_id,
        locale="fi-FI",
    )


async def test_done_and_pulse_buttons_record_answers_only_for_their_recipient(
    setup: Setup,
) -> None:
    store, chat = setup.store, setup.chat
    onboarding = (await store.list_onboardings("active"))[0]
    data = {"onboarding": onboarding.id, "step": "buddy-book-meeting", "lang": "fi"}
    refused = await chat.perform(person(MANAGER), "onboardingAck", data)
    assert refused.card is None  # the manager cannot tick the buddy's step
    done = await chat.perform(person(BUDDY), "onboardingAck", data)
    assert done.card is not None
    pulse = {
        "onboarding": onboarding.id,
        "step": "one-month-check-in",
        "score": "4",
        "comment": "Hyvin menee",
    }
    assert (await chat.perform(person(BUDDY), "onboardingPulse", pulse)).card is None
    assert (await chat.perform(person(NEWCOMER), "onboardingPulse", pulse)).card is not None
    stored = await store.get_onboarding(onboarding.id)
    assert stored is not None and stored.pulse == {"score": 4, "comment": "Hyvin menee"}
    states = {step.step_id: step.state for step in stored.steps}
    assert states["buddy-book-meeting"] is StepState.ACKNOWLEDGED
