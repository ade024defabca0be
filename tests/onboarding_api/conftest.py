"""Fixtures for the HR onboarding API: a SQLite store, a directory double (Microsoft
Graph's user lookup backed by a dict), small test sequences, a fixed clock, the Entra ID
double, and aiohttp clients of an app with only the onboarding routes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.coffee.ports import (
    BookedMeeting,
    CalendarError,
    CalendarErrorKind,
    DirectoryUser,
    FreeBusy,
)
from bot.onboarding.api import add_onboarding_routes
from bot.onboarding.auth import HrAuthenticator
from bot.onboarding.sequences import Sequence
from bot.onboarding.service import OnboardingService
from bot.store.sql import SqlStore, open_store
from tests.clocks import fixed_clock
from tests.onboarding_api._entra import API_APP_ID, HR_GROUP_ID, TENANT, EntraDouble

# Monday 30 November 2026, 10:00 in Helsinki. Tuesday 1 December is the usual start date.
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
START = "2026-12-01"
API_KEY = "local-hr-api-key-0123456789"


class DirectoryDouble:
    """Microsoft Graph's user lookup (GET /users/{id|upn}) as a dict: a test double of the
    directory behind CalendarPort. `error` makes every lookup raise it."""

    def __init__(self) -> None:
        self.users: dict[str, DirectoryUser] = {}
        self.lookups: list[str] = []
        self.error: CalendarError | None = None

    def add(self, name: str, *, language: str | None = "fi-FI") -> DirectoryUser:
        slug = name.lower().replace(" ", ".")
        user = DirectoryUser(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{slug}")),
            display_name=name,
            mail=f"{slug}@virasto.example",
            user_principal_name=f"{slug}@virasto.example",
            preferred_language=language,
        )
        self.users[user.id] = user
        return user

    async def find_user(self, id_or_upn: str) -> DirectoryUser | None:
        self.lookups.append(id_or_upn)
        if self.error is not None:
            raise self.error
        key = id_or_upn.lower()
        for user in self.users.values():
            if key in (user.id.lower(), (user.user_principal_name or "").lower()):
                return user
        return None

    async def free_busy(
        self, user_ids: list[str], start: datetime, end: datetime, interval_minutes: int
    ) -> dict[str, FreeBusy]:
        raise CalendarError(CalendarErrorKind.NOT_CONFIGURED, "not used by onboarding")

    async def create_meeting(
        self,
        organizer_id: str,
        attendee_ids: list[str],
        subject: str,
        body_html: str,
        start: datetime,
        end: datetime,
        transaction_id: str,
    ) -> BookedMeeting:
        raise CalendarError(CalendarErrorKind.NOT_CONFIGURED, "not used by onboarding")

    async def cancel_meeting(self, organizer_id: str, event_id: str) -> None:
        raise CalendarError(CalendarErrorKind.NOT_CONFIGURED, "not used by onboarding")


def _text(words: str) -> dict[str, str]:
    return {"fi": words, "sv": words, "en": words}


def make_sequence(sequence_id: str, steps: list[tuple[str, int, str, str]]) -> Sequence:
    return Sequence.model_validate(
        {
            "id": sequence_id,
            "title": _text(sequence_id),
            "steps": [
                {
                    "id": step_id,
                    "offset": offset,
                    "role": role,
                    "kind": kind,
                    "title": _text(step_id),
                    "body": _text(f"{step_id} body"),
                }
                for step_id, offset, role, kind in steps
            ],
        }
    )


# Due dates with START (Tue 1 Dec 2026): welcome and meet-buddy 1 Dec, manager-one-to-one
# and team-introduction 2 Dec, check-in 8 Dec (5 working days).
DEFAULT_STEPS = [
    ("welcome", 0, "newcomer", "intro"),
    ("meet-buddy", 0, "buddy", "ack"),
    ("manager-one-to-one", 1, "manager", "ack"),
    ("team-introduction", 1, "team", "info"),
    ("check-in", 5, "newcomer", "pulse"),
]


@pytest.fixture
def sequences() -> dict[str, Sequence]:
    return {
        "default": make_sequence("default", DEFAULT_STEPS),
        "short": make_sequence("short", [("welcome", 0, "newcomer", "intro")]),
    }


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    opened = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", clock=fixed_clock())
    yield opened
    await opened.close()


@pytest.fixture
def directory() -> DirectoryDouble:
    return DirectoryDouble()


@pytest.fixture
def people(directory: DirectoryDouble) -> dict[str, DirectoryUser]:
    return {
        "newcomer": directory.add("Uusi Tulokas"),
        "buddy": directory.add("Paula Perehdyttäjä"),
        "manager": directory.add("Esa Esihenkilö"),
        "swede": directory.add("Sven Svensson", language="sv-FI"),
    }


@pytest.fixture
def service(
    store: SqlStore, directory: DirectoryDouble, sequences: dict[str, Sequence]
) -> OnboardingService:
    return OnboardingService(store, directory, sequences, lambda: NOW, "Europe/Helsinki")


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
