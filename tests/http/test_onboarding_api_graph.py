"""The API with the real GraphCalendar against the loopback Graph double: people given by
UPN are resolved to object ids, the preferred language is read, unknown users are 404."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.graph.calendar import GraphCalendar
from bot.http.hr_auth import HrAuthenticator
from bot.http.onboarding_api import add_onboarding_routes
from bot.onboarding.sequences import Sequence
from bot.onboarding.service import OnboardingService
from bot.settings import GraphConfig
from bot.store.sql import SqlStore
from tests.doubles import Doubles
from tests.http.conftest import API_KEY
from tests.onboarding.conftest import NOW, START

URL = "/api/onboarding"
HEADERS = {"X-Api-Key": API_KEY}


@pytest.fixture(scope="module")
def doubles_server() -> Iterator[Doubles]:
    with Doubles() as started:
        yield started


@pytest.fixture
def doubles(doubles_server: Doubles) -> Doubles:
    doubles_server.reset()
    return doubles_server


@pytest.fixture
async def graph(doubles: Doubles) -> AsyncIterator[GraphCalendar]:
    config = GraphConfig(
        auth="secret",
        tenant_id="00000000-0000-0000-0000-000000000001",
        client_id="00000000-0000-0000-0000-000000000002",
        client_secret="never-sent",
        base_url=doubles.graph.base_url,
        max_concurrency=4,
        requests_per_second=1000.0,
    )
    calendar = GraphCalendar(config, credential=doubles.identity.credential(), max_retries=1)
    yield calendar
    await calendar.close()


@pytest.fixture
async def graph_client(
    aiohttp_client: Any, store: SqlStore, graph: GraphCalendar, sequences: dict[str, Sequence]
) -> TestClient:
    service = OnboardingService(store, graph, sequences, lambda: NOW, "Europe/Helsinki")
    app = web.Application()
    add_onboarding_routes(app, service, HrAuthenticator(local_mode=True, api_key=API_KEY))
    client: TestClient = await aiohttp_client(app)
    return client


async def test_upns_resolve_to_object_ids_and_the_preferred_language(
    graph_client: TestClient, doubles: Doubles
) -> None:
    newcomer = doubles.graph.add_user("Signe Nyström", preferred_language="sv-FI")
    buddy = doubles.graph.add_user("Paavo Perehdyttäjä")
    body = {
        "employee": newcomer.user_principal_name,
        "buddy": buddy.user_principal_name,
        "start_date": START,
    }
    response = await graph_client.post(URL, json=body, headers=HEADERS)
    assert response.status == 201
    document = await response.json()
    assert document["employee"] == {"id": newcomer.id, "name": "Signe Nyström"}
    assert document["buddy_id"] == buddy.id
    assert document["language"] == "sv"


async def test_an_unknown_user_in_graph_is_404(
    graph_client: TestClient, doubles: Doubles, store: SqlStore
) -> None:
    known = doubles.graph.add_user("Olli Olemassa")
    body = {
        "employee": known.id,
        "manager": "ei.ole@virasto.example",
        "start_date": START,
    }
    response = await graph_client.post(URL, json=body, headers=HEADERS)
    assert response.status == 404
    document = await response.json()
    assert document["error"] == "no such user in the directory: manager 'ei.ole@virasto.example'"
    assert [p["field"] for p in document["problems"]] == ["manager"]
    assert await store.list_onboardings() == []
