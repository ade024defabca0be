"""Fixtures for the HR onboarding HTTP API: the Entra ID double, authenticators, and aiohttp
clients of an app with only the onboarding routes over the onboarding service's fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.http.hr_auth import HrAuthenticator
from bot.http.onboarding_api import add_onboarding_routes
from bot.onboarding.service import OnboardingService
from tests.http._entra import API_APP_ID, HR_GROUP_ID, TENANT, EntraDouble
from tests.onboarding import conftest as onboarding

API_KEY = "local-hr-api-key-0123456789"

# The API runs over the onboarding service's own fixtures (store, directory double, people).
store = onboarding.store
directory = onboarding.directory
people = onboarding.people
sequences = onboarding.sequences
service = onboarding.service


@pytest.fixture(scope="session")
def entra_server() -> Iterator[EntraDouble]:
    double = EntraDouble().start()
    yield double
    double.stop()


@pytest.fixture
def entra(entra_server: EntraDouble) -> EntraDouble:
    entra_server.reset()
    return entra_server


@pytest.fixture
async def make_authenticator(
    entra: EntraDouble,
) -> AsyncIterator[Callable[..., HrAuthenticator]]:
    """Entra mode at the double (keyword overrides), closed after the test."""
    made: list[HrAuthenticator] = []

    def make(**overrides: Any) -> HrAuthenticator:
        values: dict[str, Any] = {
            "local_mode": False,
            "tenant_id": TENANT,
            "audiences": [API_APP_ID],
            "metadata_url": entra.metadata_url,
        }
        values.update(overrides)
        authenticator = HrAuthenticator(**values)
        made.append(authenticator)
        return authenticator

    yield make
    for authenticator in made:
        await authenticator.close()


MakeClient = Callable[[HrAuthenticator], Awaitable[TestClient]]


@pytest.fixture
def make_client(aiohttp_client: Any, service: OnboardingService) -> MakeClient:
    async def make(authenticator: HrAuthenticator) -> TestClient:
        app = web.Application()
        add_onboarding_routes(app, service, authenticator)
        client: TestClient = await aiohttp_client(app)
        return client

    return make


@pytest.fixture
async def client(
    make_client: MakeClient, make_authenticator: Callable[..., HrAuthenticator]
) -> TestClient:
    """Entra mode; the HR group is configured too."""
    return await make_client(make_authenticator(hr_group_id=HR_GROUP_ID))


@pytest.fixture
async def local_client(make_client: MakeClient) -> TestClient:
    return await make_client(HrAuthenticator(local_mode=True, api_key=API_KEY))
