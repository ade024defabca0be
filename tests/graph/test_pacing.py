"""Pacer: concurrency cap and average rate (GCRA with a burst), on a fake clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.graph.pacing import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_burst_then_one_per_interval() -> None:
    clock = FakeTime()
    pacer = Pacer(100, 10.0, burst=3, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(7):
        async with pacer:
            starts.append(round(clock.now, 6))
    assert starts == [0.0, 0.0, 0.0, 0.1, 0.2, 0.3, 0.4]


async def test_idle_time_refills_the_burst() -> None:
    clock = FakeTime()
    pacer = Pacer(100, 10.0, burst=2, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        await pacer.acquire()
        pacer.release()
    clock.now = 10.0
    starts = []
    for _ in range(3):
        async with pacer:
            starts.append(round(clock.now, 6))
    assert starts == [10.0, 10.0, 10.1]


async def test_concurrency_cap() -> None:
    pacer = Pacer(2, float("inf"))
    inside = 0
    peak = 0

    async def work() -> None:
        nonlocal inside, peak
        async with pacer:
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(work() for _ in range(10)))
    assert peak == 2 and pacer.peak_in_flight == 2 and pacer.in_flight == 0


async def test_cancelled_waiter_gives_its_slot_back() -> None:
    pacer = Pacer(1, 100.0, burst=1)
    await pacer.acquire()
    waiter = asyncio.ensure_future(pacer.acquire())
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    pacer.release()
    await asyncio.wait_for(pacer.acquire(), timeout=2)  # the slot was not leaked
    pacer.release()


@pytest.mark.parametrize(("concurrency", "rate"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_bad_limits(concurrency: int, rate: float) -> None:
    with pytest.raises(ValueError):
        Pacer(concurrency, rate)
