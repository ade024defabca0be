"""Planning daily tips and weekly nudges: once per period whatever races, rotation without
repeats, holidays and the catch-up rule, and an unsubscribe that wins over a planned card."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.chat.dispatch import Dispatcher
from bot.chat.model import Incoming
from bot.content.models import ContentPack
from bot.records import ConversationRef, Subscription
from bot.store.sql import SqlStore, open_store
from jobs import tips
from jobs.calendar import nudges_schedule, tips_schedule
from jobs.deliveries import DeliveryKinds
from jobs.limits import RateLimiter
from jobs.planner import Planner
from jobs.sender import Sender
from tests.clocks import fixed_clock
from tests.jobs.test_sender import ScriptedTeams
from tests.store.conftest import PG_URL, fresh_postgres

MONDAY_0930 = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # 09:30 in Helsinki
TIPS = tips_schedule(time(9, 0), "Europe/Helsinki")
NUDGES = nudges_schedule(0, time(9, 30), "Europe/Helsinki")


def ref(conversation_id: str) -> ConversationRef:
    return ConversationRef(conversation_id, "personal", "tenant", "https://smba.example/teams/", {})


async def subscribe(
    store: SqlStore, conversation_id: str, kind: str = "tips", lang: str = "fi"
) -> None:
    await store.save_reference(ref(conversation_id))
    await store.subscribe(Subscription(conversation_id, kind, lang))


def sender_for(store: SqlStore, pack: ContentPack, teams: ScriptedTeams, now: datetime) -> Sender:
    return Sender(
        store,
        teams,
        DeliveryKinds(tips.delivery_kinds(pack)),
        RateLimiter(tenant_rate=1000),
        clock=lambda: now,
    )


async def test_tips_rotate_without_repeats_until_all_are_seen(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    await subscribe(sqlite_store, "a:1")
    planner = Planner(sqlite_store, pack, TIPS, NUDGES)
    teams = ScriptedTeams()
    seen: list[str] = []
    day = MONDAY_0930
    while len(seen) < len(pack.entries) + 3:
        if await planner.tick(day):
            await sender_for(sqlite_store, pack, teams, day).run_once()
            seen.append(teams.received["a:1"][-1].card["actions"][0]["data"]["entry"])  # type: ignore[index]
        day += timedelta(days=1)
    first_round = seen[: len(pack.entries)]
    assert len(set(first_round)) == len(pack.entries)  # every tip once before any repeat
    assert seen[len(pack.entries)] in first_round  # then a new round begins


async def test_nothing_on_holidays_and_nothing_after_the_catch_up_limit(
    sqlite_store: SqlStore, pack: ContentPack
) -> None:
    await subscribe(sqlite_store, "a:1")
    planner = Planner(sqlite_store, pack, TIPS, NUDGES)
    christmas_eve = datetime(2026, 12, 24, 8, 0, tzinfo=UTC)
    assert await planner.tick(christmas_eve) == []
    tuesday_noon = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 12:00 local: too late today
    assert "tips:2026-12-01" not in await planner.tick(tuesday_noon)
    assert "tips:2026-12-01" in await planner.tick(tuesday_noon - timedelta(minutes=1))


async def test_weekly_nudges_rotate_by_week(sqlite_store: SqlStore, pack: ContentPack) -> None:
    await subscribe(sqlite_store, "a:1", "nudges", "sv")
    planner = Planner(sqlite_store, pack, TIPS, NUDGES)
    assert "nudges:2026-W49" in await planner.tick(MONDAY_0930)
    assert "nudges:2026-W50" in await planner.tick(MONDAY_0930 + timedelta(days=7))
    report = await sqlite_store.delivery_report()
    assert report.counts["pending"] == 2  # one nudge a week; no tips without a subscription


async def test_an_unsubscribe_wins_over_a_card_already_planned(
    chat: Dispatcher, sqlite_store: SqlStore, pack: ContentPack
) -> None:
    store = sqlite_store
    assert isinstance(store, SqlStore)
    incoming = Incoming(
        text="tilaa vinkit", user_id="29:u", conversation_id="a:1", aad_object_id="o1"
    )
    await store.save_reference(ref("a:1"))
    await chat.dispatch(incoming)
    assert await store.get_subscription("a:1", "tips") is not None
    planner = Planner(store, pack, TIPS, NUDGES)
    assert await planner.tick(MONDAY_0930)
    await chat.dispatch(Incoming(text="lopeta vinkit", user_id="29:u", conversation_id="a:1"))
    teams = ScriptedTeams()
    await sender_for(store, pack, teams, MONDAY_0930).run_once()
    assert teams.received == {}
    assert (await store.delivery_report()).counts["failed"] >= 1


async def _race(url: str, pack: ContentPack) -> None:
    first, second = (
        await open_store(url, clock=fixed_clock()),
        await open_store(url, clock=fixed_clock()),
    )
    try:
        for i in range(50):
            await subscribe(first, f"a:{i}")
        results = await asyncio.gather(
            Planner(first, pack, TIPS, NUDGES).tick(MONDAY_0930),
            Planner(second, pack, TIPS, NUDGES).tick(MONDAY_0930),
        )
        created = [key for result in results for key in result]
        assert sorted(created) == ["nudges:2026-W49", "tips:2026-11-30"]  # each exactly once
        report = await first.delivery_report("tips:2026-11-30")
        assert report.counts["pending"] == 50
    finally:
        await first.close()
        await second.close()


async def test_two_replicas_create_the_occurrence_once_on_sqlite(
    tmp_path: Path, pack: ContentPack
) -> None:
    await _race(f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}", pack)


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
async def test_two_replicas_create_the_occurrence_once_on_postgresql(pack: ContentPack) -> None:
    async with fresh_postgres() as url:
        await _race(url, pack)


async def test_a_tip_seen_under_a_merged_away_id_counts_as_seen(
    pack: ContentPack, sqlite_store: SqlStore
) -> None:
    """Tip history recorded before two entries were merged stays valid (pack redirects)."""
    from jobs.planner import next_tip, tip_order

    order = tip_order("conv-1", pack.entries)
    first = order[0]
    old_ids = [old for old, new in pack.redirects.items() if new == first.id]
    if not old_ids:
        old_ids = list(pack.redirects)
        first = pack.entry(pack.redirects[old_ids[0]])
    seen_at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    for entry in order:
        if entry.id != first.id:
            await sqlite_store.record_tip("conv-1", entry.id, seen_at)
    await sqlite_store.record_tip("conv-1", old_ids[0], seen_at)
    # Every current entry has been seen (one under its old id), so a new round starts
    # instead of sending the merged entry again as if it were new.
    tip = await next_tip(sqlite_store, "conv-1", pack.entries, pack.redirects)
    assert tip.id == order[0].id
    assert await sqlite_store.tips_seen("conv-1") == set()
