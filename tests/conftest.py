"""Shared fixtures: the bundled pack, an answerer, a store, the chat's features, settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_features
from bot.chat.dispatch import Dispatcher
from bot.chat.feature import Feature
from bot.clock import FixedClock
from bot.content.loader import load_pack
from bot.content.models import ContentPack
from bot.qa.engine import Answerer, build_answerer
from bot.settings import BUNDLED_CONTENT_DIR, Settings, load_settings
from bot.store.sql import SqlStore, open_store
from tests.clocks import fixed_clock


@pytest.fixture(scope="session")
def pack() -> ContentPack:
    return load_pack(BUNDLED_CONTENT_DIR)


@pytest.fixture(scope="session")
def answerer(pack: ContentPack) -> Answerer:
    """The engine as the bot runs it: Voikko, the semantic layer (vectors from the pack's
    cache, so nothing is embedded here), the pack's fitted gates."""
    return build_answerer(pack)


@pytest.fixture
def clock() -> FixedClock:
    """The one wall clock of a test: fixed at FIXED_NOW until the test moves it."""
    return fixed_clock()


@pytest.fixture
async def sqlite_store(tmp_path: Path, clock: FixedClock) -> AsyncIterator[SqlStore]:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", clock=clock)
    yield store
    await store.close()


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    return load_settings({"DATA_DIR": str(tmp_path / "data"), "SCHEDULER": "off"})


@pytest.fixture
def features(
    local_settings: Settings, answerer: Answerer, sqlite_store: SqlStore, clock: FixedClock
) -> list[Feature]:
    """The bot's features as the composition root joins them, without Teams, Graph, rounds
    or HR (tests that need those build their own)."""
    return build_features(local_settings, answerer=answerer, store=sqlite_store, clock=clock)


@pytest.fixture
def chat(features: list[Feature]) -> Dispatcher:
    """The kernel's dispatcher over every feature: messages and card verbs without HTTP."""
    return Dispatcher(features, "fi")
