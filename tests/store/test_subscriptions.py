"""Subscriptions (subscribe, pause, unsubscribe, who is due) and tip rotation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.records import ConversationRef, Subscription
from bot.store.sql import SqlStore

MONDAY = date(2026, 11, 30)
T0 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def _ref(conversation_id: str) -> ConversationRef:
    return ConversationRef(
        conversation_id=conversation_id,
        kind="personal",
        tenant_id="t",
        service_url="https://service.example/",
        reference={"conversation": {"id": conversation_id}},
    )


async def _subscribed(store: SqlStore, conversation_id: str, kind: str = "tips") -> None:
    await store.save_reference(_ref(conversation_id))
    await store.subscribe(Subscription(conversation_id, kind, "fi", created_by="aad-1"))


async def test_subscribe_and_get(store: SqlStore) -> None:
    assert await store.get_subscription("a:1", "tips") is None
    await store.subscribe(Subscription("a:1", "tips", "sv", created_by="aad-1"))
    assert await store.get_subscription("a:1", "tips") == Subscription(
        "a:1", "tips", "sv", created_by="aad-1"
    )
    assert await store.get_subscription("a:1", "nudges") is None


async def test_subscribe_again_updates_and_clears_a_pause(store: SqlStore) -> None:
    await store.subscribe(Subscription("a:1", "tips", "fi", created_by="aad-1"))
    assert await store.pause("a:1", "tips", MONDAY + timedelta(days=7))
    await store.subscribe(Subscription("a:1", "tips", "en"))
    # Language changes, the pause is gone, and who first subscribed it is remembered.
    assert await store.get_subscription("a:1", "tips") == Subscription(
        "a:1", "tips", "en", paused_until=None, created_by="aad-1"
    )
    await store.subscribe(Subscription("a:1", "tips", "en", created_by="aad-2"))
    got = await store.get_subscription("a:1", "tips")
    assert got is not None and got.created_by == "aad-2"


async def test_subscribe_clears_a_pause_even_when_given_one(store: SqlStore) -> None:
    await store.subscribe(Subscription("a:1", "tips", "fi", paused_until=MONDAY))
    got = await store.get_subscription("a:1", "tips")
    assert got is not None and got.paused_until is None


async def test_unsubscribe(store: SqlStore) -> None:
    await store.subscribe(Subscription("a:1", "tips", "fi"))
    await store.subscribe(Subscription("a:1", "nudges", "fi"))
    assert await store.unsubscribe("a:1", "tips") is True
    assert await store.unsubscribe("a:1", "tips") is False
    assert await store.unsubscribe("a:never", "tips") is False
    assert await store.get_subscription("a:1", "tips") is None
    assert await store.get_subscription("a:1", "nudges") is not None


async def test_pause_needs_a_subscription(store: SqlStore) -> None:
    assert await store.pause("a:1", "tips", MONDAY) is False
    assert await store.get_subscription("a:1", "tips") is None
    await store.subscribe(Subscription("a:1", "tips", "fi"))
    assert await store.pause("a:1", "tips", MONDAY) is True
    got = await store.get_subscription("a:1", "tips")
    assert got is not None and got.paused_until == MONDAY


async def test_a_pause_is_inclusive_of_its_last_day(store: SqlStore) -> None:
    await _subscribed(store, "a:1")
    await store.pause("a:1", "tips", MONDAY)
    assert await store.due_subscriptions("tips", MONDAY - timedelta(days=1)) == []
    assert await store.due_subscriptions("tips", MONDAY) == []
    due = await store.due_subscriptions("tips", MONDAY + timedelta(days=1))
    assert [s.conversation_id for s in due] == ["a:1"]
    assert due[0].paused_until == MONDAY


async def test_due_subscriptions_need_an_active_reference_and_the_kind(store: SqlStore) -> None:
    for conversation_id in ("a:3", "a:1", "a:2", "a:blocked"):
        await _subscribed(store, conversation_id)
    await _subscribed(store, "a:nudge-only", kind="nudges")
    await store.subscribe(Subscription("a:no-reference", "tips", "fi"))
    await store.deactivate_reference("a:blocked")

    due = await store.due_subscriptions("tips", MONDAY)
    assert [s.conversation_id for s in due] == ["a:1", "a:2", "a:3"]
    assert all(s.kind == "tips" and s.language == "fi" for s in due)
    nudges = await store.due_subscriptions("nudges", MONDAY)
    assert [s.conversation_id for s in nudges] == ["a:nudge-only"]

    # Reinstalling the bot (saving the reference again) brings the subscription back.
    await store.save_reference(_ref("a:blocked"))
    due = await store.due_subscriptions("tips", MONDAY)
    assert "a:blocked" in {s.conversation_id for s in due}


async def test_unsubscribe_takes_effect_before_the_next_send(store: SqlStore) -> None:
    await _subscribed(store, "a:1")
    await store.unsubscribe("a:1", "tips")
    assert await store.due_subscriptions("tips", MONDAY) == []


async def test_tip_rotation_cycles(store: SqlStore) -> None:
    assert await store.tips_seen("a:1") == set()
    await store.record_tip("a:1", "tip-1", T0)
    await store.record_tip("a:1", "tip-2", T0 + timedelta(days=1))
    await store.record_tip("a:1", "tip-2", T0 + timedelta(days=2))  # "another tip" twice
    await store.record_tip("a:2", "tip-9", T0)
    assert await store.tips_seen("a:1") == {"tip-1", "tip-2"}

    await store.reset_tips("a:1")
    assert await store.tips_seen("a:1") == set()
    assert await store.tips_seen("a:2") == {"tip-9"}  # others keep their cycle

    await store.record_tip("a:1", "tip-2", T0 + timedelta(days=3))
    assert await store.tips_seen("a:1") == {"tip-2"}
    await store.reset_tips("a:1")
    await store.reset_tips("a:1")  # resetting an empty cycle is harmless
    assert await store.tips_seen("a:1") == set()
    await store.record_tip("a:1", "tip-3", T0 + timedelta(days=4))
    assert await store.tips_seen("a:1") == {"tip-3"}


async def test_resetting_unknown_tips_is_harmless(store: SqlStore) -> None:
    await store.reset_tips("a:nobody")
    assert await store.tips_seen("a:nobody") == set()
