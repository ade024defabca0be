"""One set of loopback doubles per module (reset per test) and a GraphCalendar at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from bot.graph.calendar import GraphCalendar
from bot.settings import GraphConfig
from tests.doubles import Doubles


@pytest.fixture(scope="module")
def doubles_server() -> Iterator[Doubles]:
    with Doubles() as started:
        yield started


@pytest.fixture
def doubles(doubles_server: Doubles) -> Doubles:
    doubles_server.reset()
    return doubles_server


def graph_config(doubles: Doubles, **overrides: Any) -> GraphConfig:
    values: dict[str, Any] = {
        "auth": "secret",
        "tenant_id": "00000000-0000-0000-0000-000000000001",
        "client_id": "00000000-0000-0000-0000-000000000002",
        "client_secret": "never-sent",
        "base_url": doubles.graph.base_url,
        "max_concurrency": 4,
        "requests_per_second": 1000.0,
    }
    values.update(overrides)
    return GraphConfig(**values)


@pytest.fixture
async def make_calendar(
    doubles: Doubles,
) -> AsyncIterator[Callable[..., GraphCalendar]]:
    """GraphCalendar factory (config overrides as keyword arguments); closed afterwards."""
    made: list[GraphCalendar] = []

    def make(*, max_retries: int = 3, **overrides: Any) -> GraphCalendar:
        calendar = GraphCalendar(
            graph_config(doubles, **overrides),
            credential=doubles.identity.credential(),
            max_retries=max_retries,
        )
        made.append(calendar)
        return calendar

    yield make
    for calendar in made:
        await calendar.close()


@pytest.fixture
def calendar(make_calendar: Callable[..., GraphCalendar]) -> GraphCalendar:
    return make_calendar()
