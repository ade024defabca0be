"""New-hire introductions end to end: a newcomer joins a team, gets the introduction form
in a 1:1 chat the bot opens, previews, posts (only then), and teammates are prompted once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.app import build_app, build_sender
from bot.clock import FixedClock
from bot.onboarding.model import OnboardingState
from bot.qa.engine import Answerer
from bot.retry import RetryPolicy
from bot.store.sql import SqlStore
from jobs.sender import Sender
from tests.doubles import Doubles, Team, TeamsDriver, TeamsUser
from tests.e2e.conftest import bot_settings

MANAGER = TeamsUser.make("Maija Esihenkilö")
TEAMMATE = TeamsUser.make("Pekka Kollega")
NEWCOMER = TeamsUser.make("Nelli Uusi")
SHY = TeamsUser.make("Ville Vaitonainen")


class Flow:
    def __init__(
        self, doubles: Doubles, driver: TeamsDriver, store: SqlStore, sender: Sender, team: Team
    ) -> None:
        self.doubles, self.driver, self.store, self.sender, self.team = (
            doubles,
            driver,
            store,
            sender,
            team,
        )

    async def deliver(self) -> None:
        for _ in range(10):
            if not await self.sender.run_once():
                return

    def texts_to(self, person: TeamsUser) -> str:
        conversation = self.doubles.connector.personal_conversation_id(person.id)
        return json.dumps(self.doubles.connector.sent(conversation), ensure_ascii=False)

    def channel_posts(self) -> str:
        return json.dumps(self.doubles.connector.sent(self.team.id), ensure_ascii=False)

    async def act(self, person: TeamsUser, verb: str, data: dict[str, Any]) -> Any:
        response = await self.driver.send(
            self.driver.activities.card_action(person, verb, data, reply_to_id="1")
        )
        assert response.status == 200
        return response.body


@pytest.fixture
async def flow(
    doubles: Doubles,
    tmp_path: Path,
    answerer: Answerer,
    sqlite_store: SqlStore,
    clock: FixedClock,
) -> AsyncIterator[Flow]:
    doubles.reset()
    settings = bot_settings(doubles, tmp_path, HR_USER_IDS=MANAGER.aad_object_id)
    app = await build_app(
        settings,
        credentials_factory=doubles.bot_credentials_factory(),
        retry=RetryPolicy(max_attempts=2, base_seconds=0.05, deadline_seconds=5),
        answerer=answerer,
        store=sqlite_store,
        clock=clock,
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    team = doubles.connector.add_team("Kehitystiimi", members=[MANAGER, TEAMMATE])
    sender, connector = build_sender(
        settings, sqlite_store, answerer.pack, doubles.bot_credentials_factory(), clock=clock
    )
    try:
        async with doubles.driver(str(server.make_url("/")).rstrip("/")) as driver:
            flow = Flow(doubles, driver, sqlite_store, sender, team)
            installed = driver.activities.members_added(
                by=MANAGER, bot=True, scope="team", team=team
            )
            assert (await driver.send(installed)).status == 200
            yield flow
    finally:
        await connector.close()
        await server.close()


async def join(flow: Flow, person: TeamsUser) -> None:
    flow.doubles.connector.add_member(flow.team.id, person)
    joined = flow.driver.activities.members_added(
        [person], by=MANAGER, scope="team", team=flow.team
    )
    assert (await flow.driver.send(joined)).status == 200
    await flow.deliver()


async def test_newcomer_is_welcomed_previews_posts_and_teammates_are_prompted_once(
    flow: Flow,
) -> None:
    await join(flow, NEWCOMER)
    assert "Esittele itsesi tiimille" in flow.texts_to(NEWCOMER)  # the form, in a new 1:1 chat
    assert flow.channel_posts().count("Nelli") == 0  # nothing posted before consent

    inputs = {
        "team": flow.team.id,
        "lang": "fi",
        "name": "Nelli Uusi",
        "role": "Tietoasiantuntija",
        "location": "Joensuu ja etänä",
        "languages": "suomi, englanti",
        "about": "**Polkujuoksu** ja sienestys",
    }
    preview = await flow.act(NEWCOMER, "introPreview", inputs)
    assert "Tietoasiantuntija" in json.dumps(preview, ensure_ascii=False)
    assert flow.channel_posts().count("Tietoasiantuntija") == 0  # a preview is not a post

    await flow.act(NEWCOMER, "introPost", {"team": flow.team.id, "lang": "fi"})
    await flow.deliver()
    posts = flow.channel_posts()
    assert "Tietoasiantuntija" in posts and "introBook" in posts
    assert "\\\\*\\\\*Polkujuoksu" in posts  # user text is escaped, never card markup
    for teammate in (MANAGER, TEAMMATE):
        assert "introBook" in flow.texts_to(teammate), teammate.name
    assert "introBook" not in flow.texts_to(NEWCOMER)  # the newcomer is not prompted about themself

    # Posting again (a double click, a retry) posts and prompts nothing more.
    await flow.act(NEWCOMER, "introPost", {"team": flow.team.id, "lang": "fi"})
    await flow.deliver()
    assert flow.channel_posts().count("Tietoasiantuntija") == posts.count("Tietoasiantuntija")
    assert flow.texts_to(TEAMMATE).count("introBook") == 1


async def test_declining_posts_nothing(flow: Flow) -> None:
    await join(flow, SHY)
    body = await flow.act(SHY, "introDecline", {"team": flow.team.id, "lang": "fi"})
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    await flow.deliver()
    assert "Ville" not in flow.channel_posts()
    assert "introBook" not in flow.texts_to(TEAMMATE)


async def test_someone_else_cannot_post_a_newcomers_introduction(flow: Flow) -> None:
    await join(flow, NEWCOMER)
    body = await flow.act(
        TEAMMATE,
        "introPost",
        {"team": flow.team.id, "lang": "fi", "person": NEWCOMER.aad_object_id},
    )
    assert "painike" in json.dumps(body, ensure_ascii=False)  # not theirs: refused
    await flow.deliver()
    assert "Nelli" not in flow.channel_posts()


async def test_the_hr_command_is_refused_for_non_hr_users(flow: Flow) -> None:
    message = flow.driver.activities.personal_message(
        TEAMMATE, "perehdytys nelli.uusi@virasto.example 2026-12-01"
    )
    _, replies = await flow.driver.send_and_wait(message)
    assert "Perehdytyksen voi käynnistää vain HR" in json.dumps(replies, ensure_ascii=False)


async def test_hr_confirms_an_onboarding_from_the_card_as_themselves(
    flow: Flow, clock: FixedClock
) -> None:
    start = (clock() + timedelta(days=1)).date().isoformat()
    _, replies = await flow.driver.send_and_wait(
        flow.driver.activities.personal_message(
            MANAGER, f"perehdytys {NEWCOMER.aad_object_id} {start}"
        )
    )
    assert "hrConfirm" in json.dumps(replies, ensure_ascii=False)  # the confirmation card
    assert await flow.store.list_onboardings() == []  # nothing starts before the confirmation
    # The payload names someone else as the requester: the requester is who pressed.
    data = {"employee": NEWCOMER.aad_object_id, "start_date": start,
            "requested_by": TEAMMATE.aad_object_id}  # fmt: skip
    body = await flow.act(MANAGER, "hrConfirm", data)
    assert "Perehdytys käynnistetty" in json.dumps(body, ensure_ascii=False)
    [started] = await flow.store.list_onboardings()
    assert started.request.employee_id == NEWCOMER.aad_object_id
    assert started.request.requested_by == MANAGER.aad_object_id
    assert started.state is OnboardingState.ACTIVE
    again = await flow.act(MANAGER, "hrConfirm", data)  # a double press starts nothing new
    assert "Perehdytys käynnistetty" in json.dumps(again, ensure_ascii=False)
    assert len(await flow.store.list_onboardings()) == 1


async def test_hr_cancel_starts_nothing_and_non_hr_cannot_confirm(
    flow: Flow, clock: FixedClock
) -> None:
    start = (clock() + timedelta(days=1)).date().isoformat()
    data = {"employee": NEWCOMER.aad_object_id, "start_date": start}
    cancelled = await flow.act(MANAGER, "hrCancel", data)
    assert "mitään ei käynnistetty" in json.dumps(cancelled, ensure_ascii=False)
    forged = await flow.act(TEAMMATE, "hrConfirm", {**data, "user": MANAGER.aad_object_id})
    assert "Perehdytyksen voi käynnistää vain HR" in json.dumps(forged, ensure_ascii=False)
    assert await flow.store.list_onboardings() == []
