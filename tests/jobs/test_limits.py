"""The rate limiter keeps under Teams' per-conversation and per-tenant limits (virtual clock)."""

from __future__ import annotations

import asyncio

from jobs.limits import TENANT_PACE, RateLimiter


class Clock:
    """A virtual clock; `sleep` advances it, by more than asked when told to lag."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lag = 0.0  # added to every sleep: a sleep that ends late
        self.hold_ups: dict[int, float] = {}  # sleep number -> extra seconds (a busy loop)
        self.sleeps = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds + self.lag + self.hold_ups.get(self.sleeps, 0.0)


def limiter_on(clock: Clock, rate: float) -> RateLimiter:
    return RateLimiter(tenant_rate=rate, clock=clock, sleep=clock.sleep)


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best = 0
    start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def send_times(limiter: RateLimiter, clock: Clock, conversations: list[str]) -> list[float]:
    """The moments the limiter lets each send go, one send per conversation in the list."""
    times = []
    for conversation in conversations:
        await limiter.acquire(conversation, "tenant")
        times.append(clock.now)
    return times


def test_one_conversation_stays_below_every_teams_window() -> None:
    clock = Clock()
    limiter = limiter_on(clock, 1000)
    times = [clock.now + limiter.reserve_conversation("a:1") for _ in range(200)]
    assert max_in_window(times, 1.0) <= 7
    assert max_in_window(times, 2.0) <= 8
    assert max_in_window(times, 30.0) <= 60


async def test_sends_to_one_conversation_keep_its_windows_and_the_tenant_pace() -> None:
    clock = Clock()
    times = await send_times(limiter_on(clock, 30), clock, ["a:1"] * 100)
    assert max_in_window(times, 1.0) <= 7
    assert max_in_window(times, 2.0) <= 8
    assert max_in_window(times, 30.0) <= 60


async def test_the_tenant_budget_spreads_sends_across_conversations() -> None:
    clock = Clock()
    start = clock.now
    times = await send_times(limiter_on(clock, 30), clock, [f"a:{i}" for i in range(300)])
    assert max_in_window(times, 1.0) <= 30
    elapsed = times[-1] - start
    assert 300 / 30 <= elapsed <= 300 / (30 * TENANT_PACE) + 0.1  # the pace, and no slower


async def test_late_sleeps_do_not_slow_the_pace() -> None:
    clock = Clock()
    clock.lag = 0.0005  # every sleep ends half a millisecond late (an event loop's reality)
    start = clock.now
    times = await send_times(limiter_on(clock, 500), clock, [f"a:{i}" for i in range(5000)])
    assert (times[-1] - start) <= 5000 / (500 * TENANT_PACE) * 1.01
    assert max_in_window(times, 1.0) <= 500


async def test_sends_held_up_by_a_busy_loop_do_not_burst_afterwards() -> None:
    clock = Clock()
    for sleep_number in range(100, 5000, 400):
        clock.hold_ups[sleep_number] = 0.2  # the loop was busy for 200 ms
    times = await send_times(limiter_on(clock, 500), clock, [f"a:{i}" for i in range(5000)])
    # Booked slots would all go at the end of a hold-up: 100 sends in one instant.
    assert max_in_window(times, 0.05) <= 0.05 * 500 + 7
    assert max_in_window(times, 1.0) <= 500 * TENANT_PACE + 7


async def test_waiters_go_in_the_order_they_asked() -> None:
    clock = Clock()
    limiter = limiter_on(clock, 10)
    order: list[int] = []

    async def send(number: int) -> None:
        await limiter.acquire(f"a:{number}", "tenant")
        order.append(number)

    await asyncio.gather(*(send(number) for number in range(20)))
    assert order == list(range(20))


async def test_tenants_have_separate_budgets() -> None:
    clock = Clock()
    limiter = limiter_on(clock, 10)
    await send_times(limiter, clock, [f"a:{i}" for i in range(20)])
    before = clock.now
    await limiter.acquire("b:1", "tenant-2")
    assert clock.now == before


async def test_waiting_refills_the_budget() -> None:
    clock = Clock()
    limiter = limiter_on(clock, 5)
    await send_times(limiter, clock, [f"a:{i}" for i in range(10)])
    clock.now += 60
    before = clock.now
    await limiter.acquire("a:new", "tenant")
    assert clock.now == before
