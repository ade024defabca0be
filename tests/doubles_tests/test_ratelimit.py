"""The sliding-window limiter behind the connector's 429s, checked as a property."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.doubles import TEAMS_PER_CONVERSATION, Limit
from tests.doubles._ratelimit import SlidingWindowLimiter, retry_after_seconds

gaps = st.lists(st.floats(min_value=0.0, max_value=3.0, allow_nan=False), max_size=150)


@settings(max_examples=60, deadline=None, database=None)
@given(gaps=gaps)
def test_never_admits_more_than_a_limit_and_wait_is_exact(gaps: list[float]) -> None:
    limits = (*TEAMS_PER_CONVERSATION[:3], Limit(30, 10.0))
    limiter = SlidingWindowLimiter(limits)
    now = 0.0
    admitted: list[float] = []
    for gap in gaps:
        now += gap
        wait = limiter.wait_needed("k", now)
        if wait <= 0:
            limiter.commit("k", now)
            admitted.append(now)
        else:
            # Once the advertised wait is over, one more request fits (asked of a copy:
            # the limiter expects its clock never to go back).
            assert copy.deepcopy(limiter).wait_needed("k", now + wait + 1e-9) == 0
            assert retry_after_seconds(wait) >= 1
    for limit in limits:
        for start in admitted:
            in_window = [t for t in admitted if start <= t < start + limit.seconds]
            assert len(in_window) <= limit.count


def test_retry_after_is_whole_seconds_and_never_zero() -> None:
    assert retry_after_seconds(0.01) == 1
    assert retry_after_seconds(1.0) == 1
    assert retry_after_seconds(1.2) == 2
    assert retry_after_seconds(2700.0) == 2700
