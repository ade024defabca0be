"""Fixtures for the onboarding service: a SQLite store, a directory double (Microsoft
Graph's user lookup backed by a dict), small test sequences and a fixed clock. The HR HTTP
API's tests (tests/http) use them too."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.directory import DirectoryUser, ServiceError
from bot.onboarding.sequences import Sequence
from bot.onboarding.service import OnboardingService
from bot.store.sql import SqlStore, open_store
from tests.clocks import fixed_clock

# Monday 30 November 2026, 10:00 in Helsinki. Tuesday 1 December is the usual start date.
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
START = "2026-12-01"


class DirectoryDouble:
    """Microsoft Graph's user lookup (GET /users/{id|upn}) as a dict: a test double of the
    Directory port (bot/directory.py). `error` makes every lookup raise it."""

    def __init__(self) -> None:
        self.users: dict[str, DirectoryUser] = {}
        self.lookups: list[str] = []
        self.error: ServiceError | None = None

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
