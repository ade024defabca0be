"""Onboarding's delivery kinds: rows exactly as bot/onboarding wrote them before payloads
carried a schema version still decode and render (and a new row is the same plus "v": 1),
and a step whose delivery finally fails is marked failed for HR by the kind's hook."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.content.models import ContentPack
from bot.onboarding.deliveries import (
    DueStep,
    IntroPost,
    IntroTeammate,
    IntroWelcome,
    delivery_kinds,
)
from bot.onboarding.model import Introduction, OnboardingRequest, OnboardingStep, Role, StepState
from bot.onboarding.sequences import Sequence, load_sequences
from bot.records import NewDelivery
from bot.settings import BUNDLED_CONTENT_DIR
from bot.store.sql import SqlStore
from jobs.deliveries import DeliveryKinds, DeliveryPayload, OpenChat, to_json
from jobs.limits import RateLimiter
from jobs.ports import SendResult
from jobs.sender import Sender
from tests.jobs.test_sender import ScriptedTeams

TEAM = "19:team@thread.tacv2"
SERVICE = "https://smba.example/teams/"
CREATE_NEWCOMER = {"service_url": SERVICE, "tenant_id": "tenant-1", "user_id": "aad-newcomer"}
CREATE_TEAMMATE = {"service_url": SERVICE, "tenant_id": None, "user_id": "29:1teammate"}
VALUES = {"name": "Uusi Tulokas", "start_date": "30.11.2026", "buddy": "Kaisa Kummi", "manager": ""}
INTRO_FIELDS = {
    "team": TEAM,
    "person": "aad-newcomer",
    "name": "Uusi Tulokas",
    "role": "Kehittäjä",
    "location": "Helsinki ja etä",
    "languages": "suomi, English",
    "about": "Pyöräilen töihin.",
    "upn": None,
    "lang": "fi",
}

# As bot/onboarding/planner.py (_delivery) and bot/onboarding/chat.py (newcomer_joined,
# intro_post) wrote them.
OLD_TEAM_STEP = {
    "kind": "onboarding_step",
    "onboarding": "ob-1",
    "sequence": "default",
    "step": "welcome",
    "lang": "sv",
    "values": VALUES,
}
OLD_PERSON_STEP = {**OLD_TEAM_STEP, "lang": "fi", "create": CREATE_NEWCOMER}
OLD_WELCOME = {
    "kind": "intro_welcome",
    "team": TEAM,
    "name": "Uusi Tulokas",
    "lang": "en",
    "create": {"service_url": SERVICE, "tenant_id": "tenant-1", "user_id": "29:1newcomer"},
}
OLD_POST = {"kind": "intro_post", **INTRO_FIELDS}
OLD_TEAMMATE = {"kind": "intro_teammate", **INTRO_FIELDS, "create": CREATE_TEAMMATE}

INTRO = Introduction(
    person_id="aad-newcomer",
    team_id=TEAM,
    name="Uusi Tulokas",
    role_text="Kehittäjä",
    location_text="Helsinki ja etä",
    languages_text="suomi, English",
    about_text="Pyöräilen töihin.",
)
STEP = DueStep(onboarding="ob-1", sequence="default", step="welcome", lang="sv", values=VALUES)

TYPED: list[tuple[dict[str, Any], DeliveryPayload, OpenChat | None]] = [
    (OLD_TEAM_STEP, STEP, None),
    (OLD_PERSON_STEP, replace(STEP, lang="fi"), OpenChat(**CREATE_NEWCOMER)),
    (
        OLD_WELCOME,
        IntroWelcome(team=TEAM, name="Uusi Tulokas", lang="en"),
        OpenChat(SERVICE, "tenant-1", "29:1newcomer"),
    ),
    (OLD_POST, IntroPost.of(INTRO, "fi"), None),
    (OLD_TEAMMATE, IntroTeammate.of(INTRO, "fi"), OpenChat(**CREATE_TEAMMATE)),
]


@pytest.fixture(scope="module")
def sequences(pack: ContentPack) -> dict[str, Sequence]:
    return load_sequences(BUNDLED_CONTENT_DIR / "sequences.yaml", [e.id for e in pack.entries])


@pytest.fixture
def kinds(
    sequences: dict[str, Sequence], sqlite_store: SqlStore, clock: FixedClock
) -> DeliveryKinds:
    return DeliveryKinds(delivery_kinds(sequences, sqlite_store, clock))


@pytest.mark.parametrize(
    ("old", "typed", "open_chat"),
    TYPED,
    ids=[f"{o['kind']}-{i}" for i, (o, *_) in enumerate(TYPED)],
)
def test_an_old_row_decodes_renders_and_is_written_the_same_way_today(
    kinds: DeliveryKinds, old: dict[str, Any], typed: DeliveryPayload, open_chat: OpenChat | None
) -> None:
    envelope = kinds.decode(old)
    assert envelope.payload == typed
    assert envelope.open_chat == open_chat
    reply = kinds.render(envelope)
    assert reply is not None and reply.card is not None
    assert reply.lang == old["lang"]
    assert to_json(typed, open_chat) == {**old, "v": 1}


@pytest.mark.parametrize(
    "gone",
    [
        {**OLD_TEAM_STEP, "sequence": "removed-since"},
        {**OLD_TEAM_STEP, "step": "removed-since"},
        {**OLD_WELCOME, "team": ""},
        {**OLD_POST, "person": ""},
        {**OLD_TEAMMATE, "team": ""},
    ],
    ids=["sequence", "step", "welcome-without-team", "post-without-person", "prompt-without-team"],
)
def test_a_payload_naming_nothing_renders_nothing(
    kinds: DeliveryKinds, gone: dict[str, Any]
) -> None:
    assert kinds.render(kinds.decode(gone)) is None


async def test_a_step_whose_delivery_finally_fails_is_marked_failed_for_hr(
    sequences: dict[str, Sequence], sqlite_store: SqlStore, clock: FixedClock
) -> None:
    start = date(2026, 11, 30)
    steps = (
        OnboardingStep("welcome", Role.NEWCOMER, start, recipient_id="aad-newcomer"),
        OnboardingStep("buddy-book-meeting", Role.BUDDY, start, recipient_id="aad-buddy"),
    )
    request = OnboardingRequest("aad-newcomer", "Uusi Tulokas", start, buddy_id="aad-buddy")
    await sqlite_store.create_onboarding("ob-1", request, steps, clock())
    for step in steps:  # as the planner does when it hands a step over
        await sqlite_store.set_step_state("ob-1", step.step_id, StepState.SENT, clock())
    buddy_step = {**OLD_TEAM_STEP, "step": "buddy-book-meeting", "create": CREATE_TEAMMATE}
    deliveries = [
        NewDelivery("person:aad-newcomer", OLD_PERSON_STEP, must_arrive=True),
        NewDelivery("person:aad-buddy", buddy_step, must_arrive=True),
    ]
    assert await sqlite_store.create_occurrence(
        "onboarding:ob-1", "onboarding", deliveries, clock()
    )
    teams = ScriptedTeams({"person:aad-newcomer": [SendResult(403)]})  # blocked the bot
    sender = Sender(
        sqlite_store,
        teams,
        DeliveryKinds(delivery_kinds(sequences, sqlite_store, clock)),
        RateLimiter(tenant_rate=1000),
        clock=clock,
    )
    assert await sender.run_once() == 2
    onboarding = await sqlite_store.get_onboarding("ob-1")
    assert onboarding is not None
    assert {step.step_id: step.state for step in onboarding.steps} == {
        "welcome": StepState.FAILED,
        "buddy-book-meeting": StepState.SENT,
    }
    assert list(teams.received) == ["person:aad-buddy"]
