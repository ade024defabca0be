"""Virtual coffee end to end: opt in through Teams, a round pairs people, the meetings are
booked through the real msgraph-sdk client at the Graph double, and the match cards go out
through the delivery pipeline to the Bot Connector double."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.app import build_app, build_sender, coffee_schedule
from bot.clock import FixedClock
from bot.coffee.model import CoffeeGroup, GroupStatus
from bot.coffee.rounds import CoffeeRounds
from bot.graph.calendar import GraphCalendar
from bot.qa.engine import Answerer
from bot.retry import RetryPolicy
from bot.settings import GraphConfig
from bot.store.sql import SqlStore
from jobs.sender import Sender
from tests.doubles import Doubles, TeamsDriver, TeamsUser
from tests.e2e.conftest import bot_settings

PEOPLE = [
    TeamsUser.make(name) for name in ("Aino Aalto", "Bertil Berg", "Cecilia Cho", "Daniel Dahl")
]
MONDAY = datetime(2026, 11, 30, 6, 5, tzinfo=UTC)  # 08:05 in Helsinki: the round is due


class Coffee:
    def __init__(
        self,
        doubles: Doubles,
        driver: TeamsDriver,
        store: SqlStore,
        rounds: CoffeeRounds,
        sender: Sender,
    ) -> None:
        self.doubles, self.driver, self.store, self.rounds, self.sender = (
            doubles,
            driver,
            store,
            rounds,
            sender,
        )

    async def say(self, person: TeamsUser, text: str) -> list[dict[str, Any]]:
        _, replies = await self.driver.send_and_wait(
            self.driver.activities.personal_message(person, text)
        )
        return replies

    async def deliver(self) -> None:
        for _ in range(10):
            if not await self.sender.run_once():
                return

    def cards_to(self, person: TeamsUser) -> list[str]:
        conversation = self.doubles.connector.personal_conversation_id(person.id)
        return [
            json.dumps(a.get("attachments"), ensure_ascii=False)
            for a in self.doubles.connector.sent(conversation)
        ]


@pytest.fixture
def clock() -> FixedClock:
    """The one clock of the app, the store and the sender in this module."""
    return FixedClock(MONDAY)


@pytest.fixture
async def coffee(
    doubles: Doubles,
    tmp_path: Path,
    answerer: Answerer,
    sqlite_store: SqlStore,
    clock: FixedClock,
) -> AsyncIterator[Coffee]:
    doubles.reset()
    for person in PEOPLE:
        if doubles.graph.find_user(person.aad_object_id) is None:
            doubles.graph.add_teams_user(person)
        # Teams knows each person's sign-in name (the roster answers with it).
        doubles.connector.add_conversation(
            doubles.connector.personal_conversation_id(person.id),
            conversation_type="personal",
            members=[person],
        )
    settings = bot_settings(doubles, tmp_path)
    calendar = GraphCalendar(
        GraphConfig(
            auth="secret",
            tenant_id="t",
            client_id="c",
            client_secret="s",
            base_url=doubles.graph.base_url,
            requests_per_second=1000,
        ),
        credential=doubles.identity.credential(),
    )
    app = await build_app(
        settings,
        credentials_factory=doubles.bot_credentials_factory(),
        retry=RetryPolicy(max_attempts=2, base_seconds=0.05, deadline_seconds=5),
        answerer=answerer,
        store=sqlite_store,
        calendar=calendar,
        clock=clock,
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    sender, connector = build_sender(
        settings,
        sqlite_store,
        answerer.pack,
        doubles.bot_credentials_factory(),
        clock=clock,
    )
    rounds = CoffeeRounds(
        sqlite_store,
        sqlite_store,
        calendar,
        answerer.pack,
        coffee_schedule(settings),
        clock,
    )
    try:
        async with doubles.driver(str(server.make_url("/")).rstrip("/")) as driver:
            yield Coffee(doubles, driver, sqlite_store, rounds, sender)
    finally:
        await connector.close()
        await calendar.close()
        await server.close()


async def booked_group(coffee: Coffee) -> tuple[CoffeeGroup, TeamsUser, TeamsUser, TeamsUser]:
    """Everyone in, one round booked: a group, one member, their partner and an outsider."""
    for person in PEOPLE:
        await coffee.say(person, "kahvi mukaan")
    await coffee.rounds.tick(MONDAY)
    round_ = await coffee.store.get_round("coffee:2026-W49")
    assert round_ is not None
    group = round_.groups[0]
    assert group.status is GroupStatus.BOOKED and group.start is not None
    member, partner = (next(p for p in PEOPLE if p.aad_object_id == m) for m in group.members)
    outsider = next(p for p in PEOPLE if p.aad_object_id not in group.members)
    return group, member, partner, outsider


async def test_a_round_pairs_everyone_books_meetings_and_sends_cards(coffee: Coffee) -> None:
    for person in PEOPLE:
        replies = await coffee.say(person, "kahvi mukaan")
        assert "Olet mukana virtuaalikahveilla" in json.dumps(replies, ensure_ascii=False)
    # Aino is busy on Monday: the meeting must avoid her busy time and leave a 10 min gap.
    coffee.doubles.graph.add_busy(PEOPLE[0].aad_object_id, MONDAY, MONDAY + timedelta(days=1))

    await coffee.rounds.tick(MONDAY)
    round_ = await coffee.store.get_round("coffee:2026-W49")
    assert round_ is not None and len(round_.groups) == 2 and not round_.unmatched
    assert sorted(m for g in round_.groups for m in g.members) == sorted(
        p.aad_object_id for p in PEOPLE
    )
    assert all(g.status is GroupStatus.BOOKED and g.join_url for g in round_.groups)
    events = coffee.doubles.graph.events()
    assert len(events) == 2
    assert all(event["isOnlineMeeting"] and event["transactionId"] for event in events)
    aino_group = next(g for g in round_.groups if PEOPLE[0].aad_object_id in g.members)
    assert aino_group.start is not None and aino_group.start >= MONDAY + timedelta(
        days=1, minutes=10
    )

    await coffee.deliver()
    for person in PEOPLE:
        cards = coffee.cards_to(person)
        assert any("Kahviseuraa tälle viikolle" in card for card in cards), person.name
        assert any("Liity kokoukseen" in card for card in cards)

    # A retry or a second replica never reshuffles or books twice.
    await coffee.rounds.tick(MONDAY + timedelta(minutes=1))
    assert not await coffee.rounds.plan_round("coffee:2026-W49", MONDAY)
    assert len(coffee.doubles.graph.events()) == 2


async def test_no_calendar_permission_falls_back_to_deep_links(coffee: Coffee) -> None:
    for person in PEOPLE[:2]:
        await coffee.say(person, "coffee on")
    coffee.doubles.graph.revoke("Calendars.ReadBasic", "Calendars.Read", "Calendars.ReadWrite")
    try:
        await coffee.rounds.tick(MONDAY)
    finally:
        coffee.doubles.graph.reset()
    round_ = await coffee.store.get_round("coffee:2026-W49")
    assert round_ is not None and round_.groups[0].status is GroupStatus.FALLBACK
    await coffee.deliver()
    card = " ".join(coffee.cards_to(PEOPLE[0]))
    assert "allowed to book in your calendars" in card  # the 403 fallback text
    assert "teams.microsoft.com/l/chat/0/0?users=" in card  # one click to chat with the partner
    assert "teams.microsoft.com/l/meeting/new" in card


async def test_an_odd_person_joins_a_trio_and_nobody_is_dropped(coffee: Coffee) -> None:
    for person in PEOPLE[:3]:
        await coffee.say(person, "kaffe med")
    await coffee.rounds.tick(MONDAY)
    round_ = await coffee.store.get_round("coffee:2026-W49")
    assert round_ is not None
    assert [len(g.members) for g in round_.groups] == [3]
    assert round_.groups[0].languages == frozenset({"sv"})


async def test_a_forged_group_id_changes_nothing_and_answers_are_counted(coffee: Coffee) -> None:
    group, member, _, outsider = await booked_group(coffee)
    forged = coffee.driver.activities.card_action(
        outsider, "coffeeCancel", {"group": group.id}, reply_to_id="1"
    )
    response = await coffee.driver.send(forged)
    assert response.status == 200 and "painike" in json.dumps(response.body, ensure_ascii=False)
    assert (await coffee.store.get_group(group.id)).status is GroupStatus.BOOKED  # type: ignore[union-attr]

    met = coffee.driver.activities.card_action(
        member, "coffeeMet", {"group": group.id, "answer": "yes"}, reply_to_id="1"
    )
    assert (await coffee.driver.send(met)).status == 200
    assert (await coffee.store.answer_counts())["yes"] == 1


async def test_opt_out_pause_and_erase(coffee: Coffee) -> None:
    aino = PEOPLE[0]
    await coffee.say(aino, "kahvi mukaan")
    assert "Kahvitauko" in json.dumps(
        await coffee.say(aino, "kahvitauko 2027-01-15"), ensure_ascii=False
    )
    stored = await coffee.store.get_participant(aino.aad_object_id)
    assert stored is not None and stored.paused_until is not None
    assert "Et ole enää mukana" in json.dumps(
        await coffee.say(aino, "kahvi pois"), ensure_ascii=False
    )
    assert "Poistin kahvitietosi" in json.dumps(
        await coffee.say(aino, "poista tietoni"), ensure_ascii=False
    )
    assert await coffee.store.get_participant(aino.aad_object_id) is None


async def test_do_not_pair_by_email_is_respected(coffee: Coffee) -> None:
    for person in PEOPLE[:3]:
        await coffee.say(person, "kahvi mukaan")
    email = PEOPLE[1].email
    assert email is not None
    reply = await coffee.say(PEOPLE[0], f"älä yhdistä {email}")
    assert "sinua ei yhdistetä häneen" in json.dumps(reply, ensure_ascii=False)
    unknown = await coffee.say(PEOPLE[0], "älä yhdistä nobody@nowhere.example")
    assert "En tunnistanut henkilöä" in json.dumps(unknown, ensure_ascii=False)
    stored = await coffee.store.get_participant(PEOPLE[0].aad_object_id)
    assert stored is not None and stored.avoid == frozenset({PEOPLE[1].aad_object_id})
    await coffee.rounds.tick(MONDAY)
    round_ = await coffee.store.get_round("coffee:2026-W49")
    assert round_ is not None
    for group in round_.groups:
        assert not {PEOPLE[0].aad_object_id, PEOPLE[1].aad_object_id} <= set(group.members)


async def act(coffee: Coffee, person: TeamsUser, verb: str, data: dict[str, Any]) -> str:
    """Press a card button (Action.Execute) as `person`; the invoke response as text."""
    response = await coffee.driver.send(
        coffee.driver.activities.card_action(person, verb, data, reply_to_id="1")
    )
    assert response.status == 200
    return json.dumps(response.body, ensure_ascii=False)


async def test_cant_make_it_offers_a_new_time_and_rebooking_moves_the_meeting(
    coffee: Coffee,
) -> None:
    group, member, partner, outsider = await booked_group(coffee)
    events_before = coffee.doubles.graph.events()

    choices = await act(coffee, member, "coffeeCant", {"group": group.id})
    assert "coffeeRebook" in choices and "coffeeCancel" in choices
    forged = await act(coffee, outsider, "coffeeRebook", {"group": group.id})
    assert "painike" in forged  # not their group: nothing is moved
    assert await coffee.store.get_group(group.id) == group
    assert coffee.doubles.graph.events() == events_before

    moved_text = await act(coffee, member, "coffeeRebook", {"group": group.id})
    assert "Uusi aika on varattu" in moved_text
    moved = await coffee.store.get_group(group.id)
    assert moved is not None and moved.status is GroupStatus.BOOKED
    assert moved.start is not None and moved.start > group.start  # type: ignore[operator]
    event_ids = {event["id"] for event in coffee.doubles.graph.events()}
    assert moved.event_id in event_ids and group.event_id not in event_ids  # the old one is gone
    await coffee.deliver()
    partner_chat = coffee.doubles.connector.personal_conversation_id(partner.id)
    told = json.dumps(coffee.doubles.connector.sent(partner_chat), ensure_ascii=False)
    assert "Kahvitapaaminen siirtyi" in told  # the partner hears of it, the outsider does not
    outsider_chat = coffee.doubles.connector.personal_conversation_id(outsider.id)
    assert "siirtyi" not in json.dumps(coffee.doubles.connector.sent(outsider_chat))


async def test_the_settings_card_pauses_and_saves_only_the_pressers_own_settings(
    coffee: Coffee,
) -> None:
    aino, bertil = PEOPLE[0], PEOPLE[1]
    for person in (aino, bertil):
        await coffee.say(person, "kahvi mukaan")
    bertil_before = await coffee.store.get_participant(bertil.aad_object_id)

    card = await act(coffee, aino, "coffeeSettings", {})
    assert "coffeeSave" in card  # her settings card, ready to save
    paused = await act(coffee, aino, "coffeePause", {"until": "2027-01-15"})
    assert "Kahvitauko 15.01.2027 asti" in paused
    # The payload names Bertil; the settings saved are Aino's, the one who pressed.
    forged = {
        "person_id": bertil.aad_object_id,
        "participant": bertil.aad_object_id,
        "frequency": "monthly",
        "group_size": "3",
        "languages": "fi,en",
        "length": "20",
    }
    saved = await act(coffee, aino, "coffeeSave", forged)
    assert "Kahviasetukset tallennettu" in saved
    aino_now = await coffee.store.get_participant(aino.aad_object_id)
    assert aino_now is not None
    assert (aino_now.frequency.value, aino_now.group_size, aino_now.length_minutes) == (
        "monthly",
        3,
        20,
    )
    assert aino_now.languages == frozenset({"fi", "en"})
    assert aino_now.paused_until is not None and aino_now.paused_until.isoformat() == "2027-01-15"
    assert await coffee.store.get_participant(bertil.aad_object_id) == bertil_before

    refused = await act(coffee, aino, "coffeeSave", {"length": "45"})
    assert "Asetuksissa oli virhe" in refused
    assert (await coffee.store.get_participant(aino.aad_object_id)) == aino_now
    bad_date = await act(coffee, aino, "coffeePause", {"until": "2020-01-01"})
    assert "VVVV-KK-PP" in bad_date


async def test_the_join_button_opts_in_the_presser_and_settings_need_opting_in(
    coffee: Coffee,
) -> None:
    cecilia = PEOPLE[2]
    not_in = await act(coffee, cecilia, "coffeeSettings", {})
    assert "Et ole mukana virtuaalikahveilla" in not_in
    joined = await act(coffee, cecilia, "coffeeJoin", {"person": PEOPLE[3].aad_object_id})
    assert "Olet mukana virtuaalikahveilla" in joined
    stored = await coffee.store.get_participant(cecilia.aad_object_id)
    assert stored is not None and stored.active
    assert await coffee.store.get_participant(PEOPLE[3].aad_object_id) is None


async def test_cancelling_from_the_card_cancels_the_group_and_tells_the_partner(
    coffee: Coffee,
) -> None:
    group, member, partner, _ = await booked_group(coffee)
    cancelled = await act(coffee, member, "coffeeCancel", {"group": group.id})
    assert "Selvä, peruin tämän kerran" in cancelled
    stored = await coffee.store.get_group(group.id)
    assert stored is not None and stored.status is GroupStatus.CANCELLED
    await coffee.deliver()
    partner_chat = coffee.doubles.connector.personal_conversation_id(partner.id)
    told = json.dumps(coffee.doubles.connector.sent(partner_chat), ensure_ascii=False)
    assert f"{member.name} ei pääse tällä kertaa kahville" in told
