"""The background runtime: the alarm clock ticks at start, and a stop lets a tick under way
finish instead of cutting it off."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.clock import FixedClock
from bot.content.models import ContentPack
from bot.store.sql import SqlStore
from jobs import tips
from jobs.deliveries import DeliveryKinds
from jobs.limits import RateLimiter
from jobs.runtime import Background, Tick
from jobs.sender import Sender
from tests.jobs.test_sender import ScriptedTeams


def background_with(
    store: SqlStore, pack: ContentPack, clock: FixedClock, ticks: list[tuple[str, Tick]]
) -> Background:
    sender = Sender(
        store,
        ScriptedTeams(),
        DeliveryKinds(tips.delivery_kinds(pack)),
        RateLimiter(10),
        clock=clock,
    )
    return Background(sender=sender, timezone="Europe/Helsinki", clock=clock, ticks=ticks)


async def test_stop_waits_for_a_tick_under_way(
    sqlite_store: SqlStore, pack: ContentPack, clock: FixedClock
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[datetime] = []

    async def slow_tick(now: datetime) -> None:
        started.set()
        await release.wait()
        finished.append(now)

    background = background_with(sqlite_store, pack, clock, [("slow", slow_tick)])
    await background.start()
    async with asyncio.timeout(10):
        await started.wait()  # the first tick runs at start
    stopping = asyncio.create_task(background.stop())
    await asyncio.sleep(0.2)
    assert not stopping.done()
    release.set()
    async with asyncio.timeout(10):
        await stopping
    assert len(finished) == 1  # completed, not cancelled


async def test_a_failing_tick_does_not_stop_the_ones_after_it(
    sqlite_store: SqlStore, pack: ContentPack, clock: FixedClock
) -> None:
    seen: list[str] = []

    async def broken(now: datetime) -> None:
        seen.append("broken")
        raise RuntimeError("the database went away")

    async def fine(now: datetime) -> None:
        seen.append(f"fine at {now.isoformat()}")

    background = background_with(sqlite_store, pack, clock, [("broken", broken), ("fine", fine)])
    await background.tick()
    assert seen == ["broken", f"fine at {clock().isoformat()}"]
