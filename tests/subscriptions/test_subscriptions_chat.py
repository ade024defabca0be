"""Subscribing to tips and nudges in chat and on the settings card."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.app import build_planner
from bot.chat.dispatch import Dispatcher
from bot.chat.model import ConversationKind, Incoming
from bot.clock import FixedClock
from bot.content.models import ContentPack
from bot.records import ConversationRef, Subscription
from bot.settings import load_settings
from bot.store.sql import SqlStore
from bot.subscriptions.chat import SubscriptionDeps, feature


def say(
    text: str,
    conversation: str = "a:1",
    kind: ConversationKind = ConversationKind.PERSONAL,
    mentioned: bool = False,
) -> Incoming:
    return Incoming(
        text=text,
        user_id="29:u",
        conversation_id=conversation,
        aad_object_id="o-1",
        kind=kind,
        mentioned=mentioned,
    )


@pytest.mark.parametrize(
    ("text", "kind", "lang"),
    [
        ("tilaa vinkit", "tips", "fi"),
        ("prenumerera på tips", "tips", "sv"),
        ("subscribe tips", "tips", "en"),
        ("tilaa muistutukset", "nudges", "fi"),
        ("subscribe to nudges", "nudges", "en"),
    ],
)
async def test_subscribing_in_each_language(
    chat: Dispatcher, sqlite_store: SqlStore, text: str, kind: str, lang: str
) -> None:
    reply = await chat.dispatch(say(text))
    subscription = await sqlite_store.get_subscription("a:1", kind)
    assert subscription is not None and subscription.language == lang
    assert reply.lang == lang and reply.text


async def test_a_channel_is_subscribed_as_a_channel_not_a_thread(
    chat: Dispatcher, sqlite_store: SqlStore
) -> None:
    thread = "19:abc@thread.tacv2;messageid=1790000000000"
    reply = await chat.dispatch(
        say("tilaa vinkit", thread, kind=ConversationKind.CHANNEL, mentioned=True)
    )
    assert await sqlite_store.get_subscription("19:abc@thread.tacv2", "tips") is not None
    assert reply.text == "Tämä kanava on nyt tilattu."


async def test_unsubscribe_and_pause(chat: Dispatcher, sqlite_store: SqlStore) -> None:
    await chat.dispatch(say("tilaa vinkit"))
    reply = await chat.dispatch(say("tauko vinkit 31.12.2026"))
    subscription = await sqlite_store.get_subscription("a:1", "tips")
    assert subscription is not None and subscription.paused_until == date(2026, 12, 31)
    assert "31.12.2026" in (reply.text or "")
    reply = await chat.dispatch(say("lopeta vinkit"))
    assert await sqlite_store.get_subscription("a:1", "tips") is None
    assert reply.text == "Tilaus lopetettu. Et saa näitä enää."
    again = await chat.dispatch(say("lopeta vinkit"))
    assert again.text == "Sinulla ei ollut tätä tilausta."


@pytest.mark.parametrize("until", ["2026-11-01", "2028-01-01", "huomenna", "31.02.2027"])
async def test_a_bad_pause_date_is_explained(
    chat: Dispatcher, sqlite_store: SqlStore, until: str
) -> None:
    await chat.dispatch(say("tilaa vinkit"))
    reply = await chat.dispatch(say(f"tauko vinkit {until}"))
    assert reply.text is not None and "VVVV-KK-PP" in reply.text
    subscription = await sqlite_store.get_subscription("a:1", "tips")
    assert subscription is not None and subscription.paused_until is None


async def test_the_settings_card_toggles_and_changes_language(
    chat: Dispatcher, sqlite_store: SqlStore
) -> None:
    card = await chat.dispatch(say("asetukset"))
    assert card.card is not None
    saved = await chat.perform(
        say(""), "saveSettings", {"tips": "true", "nudges": "false", "language": "sv"}
    )
    tips = await sqlite_store.get_subscription("a:1", "tips")
    assert tips is not None and tips.language == "sv"
    assert await sqlite_store.get_subscription("a:1", "nudges") is None
    assert saved.lang == "sv" and "Inställningarna har sparats." in str(saved.card)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "everything"},
        {"kind": None},
        {},
        {"kind": "tips", "until": "never"},
        {"kind": ["tips"]},
    ],
)
async def test_forged_pause_and_unsubscribe_payloads_change_nothing(
    chat: Dispatcher, sqlite_store: SqlStore, data: dict[str, object]
) -> None:
    await chat.dispatch(say("tilaa vinkit"))
    for verb in ("pause", "unsubscribe"):
        if verb == "unsubscribe" and data.get("kind") == "tips":
            continue
        reply = await chat.perform(say(""), verb, data)
        assert reply.card is None
    subscription = await sqlite_store.get_subscription("a:1", "tips")
    assert subscription is not None and subscription.paused_until is None


async def test_the_card_buttons_show_settings_pause_and_unsubscribe_this_conversation(
    chat: Dispatcher, sqlite_store: SqlStore
) -> None:
    await chat.dispatch(say("tilaa vinkit"))
    await chat.dispatch(say("tilaa muistutukset", conversation="a:other"))
    shown = await chat.perform(say(""), "settings", {"lang": "en"})
    toggles = {
        item["id"]: item["value"]
        for item in json.loads(json.dumps(shown.card))["body"]
        if item.get("type") == "Input.Toggle"
    }
    assert toggles == {"tips": "true", "nudges": "false"}  # this conversation's, not a:other's

    paused = await chat.perform(say(""), "pause", {"kind": "tips", "until": "2027-01-15"})
    assert paused.text == "Tauko asetettu 15.01.2027 asti."
    tips = await sqlite_store.get_subscription("a:1", "tips")
    assert tips is not None and tips.paused_until == date(2027, 1, 15)

    # A payload cannot point at another conversation: the one the card is in is affected.
    gone = await chat.perform(say(""), "unsubscribe", {"kind": "nudges", "conversation": "a:other"})
    assert gone.text == "Sinulla ei ollut tätä tilausta."
    assert await sqlite_store.get_subscription("a:other", "nudges") is not None
    await chat.perform(say(""), "unsubscribe", {"kind": "tips"})
    assert await sqlite_store.get_subscription("a:1", "tips") is None


async def test_the_feature_brings_its_scheduled_work_as_a_tick(
    sqlite_store: SqlStore, pack: ContentPack, clock: FixedClock
) -> None:
    """The tips and nudges planner is the subscriptions feature's own tick: given a planner it
    plans the day's tips once (FIXED_NOW is a Monday 10:00 in Helsinki, after 09:00); without
    one the feature schedules nothing."""
    assert feature(SubscriptionDeps(sqlite_store, clock)).ticks == ()
    await sqlite_store.save_reference(
        ConversationRef("a:1", "personal", "t-1", "https://smba.example/teams/", {})
    )
    await sqlite_store.subscribe(Subscription("a:1", "tips", "sv"))
    planner = build_planner(load_settings({}), sqlite_store, pack)
    ticks = feature(SubscriptionDeps(sqlite_store, clock, planner=planner)).ticks
    assert [name for name, _ in ticks] == ["tips-nudges"]
    _, tick = ticks[0]
    assert await tick(clock()) == ["tips:2026-11-30", "nudges:2026-W49"]
    assert await tick(clock()) == []  # planned once, whatever ticks again
    report = await sqlite_store.delivery_report("tips:2026-11-30")
    assert report.counts["pending"] == 1
