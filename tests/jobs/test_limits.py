"""The rate limiter keeps under Teams' per-conversation and per-tenant limits (virtual clock)."""

from __future__ import annotations

from jobs.limits import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def schedule(
    limiter: RateLimiter, clock: Clock, conversation: str, tenant: str, n: int
) -> list[float]:
    """Send times the limiter grants for n back-to-back sends."""
    times = []
    for _ in range(n):
        wait = limiter.reserve(conversation, tenant)
        times.append(clock.now + wait)
    return times


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best = 0
    start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_one_conversation_stays_below_every_teams_window() -> None:
    clock = Clock()
    limiter = RateLimiter(tenant_rate=1000, clock=clock)
    times = schedule(limiter, clock, "a:1", "t", 200)
    assert max_in_window(times, 1.0) <= 7
    assert max_in_window(times, 2.0) <= 8
    assert max_in_window(times, 30.0) <= 60


def test_the_tenant_budget_spreads_sends_across_conversations() -> None:
    clock = Clock()
    limiter = RateLimiter(tenant_rate=30, clock=clock)
    times = [limiter.reserve(f"a:{i}", "tenant") + clock.now for i in range(300)]
    assert max_in_window(times, 1.0) <= 31  # one second's burst plus the steady rate
    assert max(times) - clock.now >= 9.0  # 300 sends at 30/s take about ten seconds


def test_tenants_have_separate_budgets() -> None:
    clock = Clock()
    limiter = RateLimiter(tenant_rate=10, clock=clock)
    for i in range(20):
        limiter.reserve(f"a:{i}", "tenant-1")
    assert limiter.reserve("b:1", "tenant-2") == 0.0


def test_waiting_refills_the_budget() -> None:
    clock = Clock()
    limiter = RateLimiter(tenant_rate=5, clock=clock)
    for i in range(10):
        limiter.reserve(f"a:{i}", "t")
    clock.now += 60
    assert limiter.reserve("a:new", "t") == 0.0
