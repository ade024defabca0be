"""The chat core's side of the edge: each event in, what is remembered, ignored or answered."""

from __future__ import annotations

import json

from bot.chat.events import (
    WELCOME_MEMORY_SECONDS,
    CardActed,
    ChatCore,
    Installed,
    MembersAdded,
    MembersRemoved,
    MessageReceived,
)
from bot.chat.feature import Feature, Member
from bot.chat.model import ConversationKind, Incoming, person_recipient
from bot.clock import FixedClock
from bot.records import ConversationRef
from bot.store.sql import SqlStore

SERVICE = "https://smba.example/teams/"


class Ticker:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def personal(text: str = "apua", conversation: str = "a:1") -> Incoming:
    return Incoming(text=text, user_id="29:maija", conversation_id=conversation,
                    aad_object_id="aad-maija", user_name="Maija", tenant_id="t-1",
                    locale="sv-FI")  # fmt: skip


def reference(incoming: Incoming) -> ConversationRef:
    return ConversationRef(incoming.root_conversation_id, incoming.kind.value, "t-1", SERVICE, {})


def core(features: list[Feature], store: SqlStore, clock: FixedClock, ticker: Ticker) -> ChatCore:
    return ChatCore(features, store, clock, "fi", monotonic=ticker)


async def test_a_personal_message_is_answered_and_remembered_under_the_person_too(
    features: list[Feature], sqlite_store: SqlStore, clock: FixedClock
) -> None:
    chat = core(features, sqlite_store, clock, Ticker())
    incoming = personal()
    reply = await chat.message(MessageReceived(incoming, reference(incoming), "act-1"))
    assert reply is not None and "Näin käytät minua" in json.dumps(reply.card, ensure_ascii=False)
    assert await sqlite_store.get_reference("a:1") is not None
    alias = await sqlite_store.get_reference(person_recipient("aad-maija"))
    assert alias is not None and alias.service_url == SERVICE
    person = await sqlite_store.get_person("aad-maija")
    assert person is not None and (person.name, person.language) == ("Maija", "sv")


async def test_a_reposted_activity_is_answered_once(
    features: list[Feature], sqlite_store: SqlStore, clock: FixedClock
) -> None:
    chat = core(features, sqlite_store, clock, Ticker())
    incoming = personal()
    event = MessageReceived(incoming, reference(incoming), "act-1")
    assert await chat.message(event) is not None
    assert await chat.message(event) is None


async def test_channel_chatter_not_addressed_to_the_bot_is_neither_answered_nor_kept(
    features: list[Feature], sqlite_store: SqlStore, clock: FixedClock
) -> None:
    chat = core(features, sqlite_store, clock, Ticker())
    said = Incoming(text="apua", user_id="29:maija", conversation_id="19:c@thread.tacv2",
                    kind=ConversationKind.CHANNEL, mentioned=False)  # fmt: skip
    assert await chat.message(MessageReceived(said, reference(said), "act-2")) is None
    assert await sqlite_store.get_reference("19:c@thread.tacv2") is None


async def test_one_welcome_per_conversation_for_install_and_membership_events(
    features: list[Feature], sqlite_store: SqlStore, clock: FixedClock
) -> None:
    ticker = Ticker()
    chat = core(features, sqlite_store, clock, ticker)
    incoming = personal(text="")
    added = MembersAdded(incoming, reference(incoming), True, (), None, SERVICE)
    first = await chat.members_added(added)
    assert first is not None and first.lang == "sv" and first.card is not None
    assert await chat.installed(Installed(incoming, reference(incoming))) is None
    ticker.now += WELCOME_MEMORY_SECONDS + 1
    assert await chat.installed(Installed(incoming, reference(incoming))) is not None


async def test_a_newcomer_joining_a_team_gets_one_introduction_and_the_bot_leaving_is_noted(
    features: list[Feature], sqlite_store: SqlStore, clock: FixedClock
) -> None:
    chat = core(features, sqlite_store, clock, Ticker())
    incoming = Incoming(text="", user_id="29:hr", conversation_id="19:team@thread.tacv2",
                        kind=ConversationKind.CHANNEL, tenant_id="t-1")  # fmt: skip
    nelli = Member("29:nelli", "aad-nelli", "Nelli")
    no_team = MembersAdded(incoming, None, False, (nelli,), None, SERVICE)
    assert await chat.members_added(no_team) is None
    assert await sqlite_store.get_introduction("aad-nelli", "19:team@thread.tacv2") is None
    joined = MembersAdded(incoming, None, False, (nelli,), "19:team@thread.tacv2", SERVICE)
    assert await chat.members_added(joined) is None  # nothing is said in the team
    assert await chat.members_added(joined) is None
    intro = await sqlite_store.get_introduction("aad-nelli", "19:team@thread.tacv2")
    assert intro is not None and intro.name == "Nelli"
    report = await sqlite_store.delivery_report()
    assert sum(report.counts.values()) == 1  # one welcome to Nelli, however often Teams tells

    await sqlite_store.save_reference(reference(incoming))
    await chat.members_removed(MembersRemoved(incoming, bot_removed=True))
    stored = await sqlite_store.get_reference("19:team@thread.tacv2")
    assert stored is not None and not stored.active


async def test_a_card_action_acts_for_the_authenticated_user_only(
    features: list[Feature], sqlite_store: SqlStore, clock: FixedClock
) -> None:
    chat = core(features, sqlite_store, clock, Ticker())
    forged = {"entry": "meetings-cameras", "helpful": True, "user": "29:mallory"}
    reply = await chat.card_action(CardActed(personal(), "feedback", forged))
    assert reply.card is not None
    assert await sqlite_store.feedback_counts("meetings-cameras") == (1, 0)
