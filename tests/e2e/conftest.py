"""The real bot (aiohttp app, CloudAdapter with real JWT validation, connector client)
served on loopback against the Teams, Bot Connector and Entra ID doubles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import build_app
from bot.clock import FixedClock
from bot.qa.engine import Answerer
from bot.retry import RetryPolicy
from bot.settings import load_settings
from bot.store.sql import SqlStore
from tests.doubles import ActivityFactory, Doubles, TeamsDriver, TeamsUser

MAIJA = TeamsUser.make("Maija Meikäläinen")
PEKKA = TeamsUser.make("Pekka Puupää")


@pytest.fixture(scope="session")
def doubles() -> Iterator[Doubles]:
    with Doubles() as started:
        yield started


@dataclass
class Bot:
    doubles: Doubles
    driver: TeamsDriver
    app: web.Application
    store: SqlStore

    @property
    def factory(self) -> ActivityFactory:
        return self.driver.activities

    @property
    def connector_calls(self) -> Any:
        return self.doubles.connector.calls


def bot_settings(doubles: Doubles, tmp_path: Path, **env: str) -> Any:
    """The bot's settings against the doubles; `env` adds or overrides variables."""
    return load_settings(
        {
            **doubles.bot_settings(),
            "APP_ID": doubles.app_id,
            "APP_PASSWORD": "not-used-by-the-fixed-token-factory",
            "APP_TYPE": "MultiTenant",
            "DATA_DIR": str(tmp_path),
            "SCHEDULER": "off",
            **env,
        }
    )


@pytest.fixture
async def bot(
    doubles: Doubles,
    tmp_path: Path,
    answerer: Answerer,
    sqlite_store: SqlStore,
    clock: FixedClock,
) -> AsyncIterator[Bot]:
    doubles.reset()
    app = await build_app(
        bot_settings(doubles, tmp_path),
        credentials_factory=doubles.bot_credentials_factory(),
        retry=RetryPolicy(max_attempts=4, base_seconds=0.05, cap_seconds=0.5, deadline_seconds=8),
        seed=3,
        answerer=answerer,
        store=sqlite_store,
        clock=clock,
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with doubles.driver(str(server.make_url("/")).rstrip("/")) as driver:
            yield Bot(doubles, driver, app, sqlite_store)
    finally:
        await server.close()
