"""Shared fixtures: the bundled pack, an answerer, a store, chat dependencies, settings."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat.handlers import ChatDeps
from bot.content.loader import load_pack
from bot.content.models import ContentPack
from bot.qa.engine import Answerer, build_answerer
from bot.settings import BUNDLED_CONTENT_DIR, Settings, load_settings
from bot.store.sql import SqlStore, open_store

FIXED_NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 10:00 in Helsinki


@pytest.fixture(scope="session")
def pack() -> ContentPack:
    return load_pack(BUNDLED_CONTENT_DIR)


@pytest.fixture(scope="session")
def answerer(pack: ContentPack) -> Answerer:
    """The engine as the bot runs it: Voikko, the semantic layer (vectors from the pack's
    cache, so nothing is embedded here), the pack's fitted gates."""
    return build_answerer(pack)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    yield store
    await store.close()


@pytest.fixture
def deps(pack: ContentPack, answerer: Answerer, sqlite_store: SqlStore) -> ChatDeps:
    return ChatDeps(
        pack=pack,
        answerer=answerer,
        store=sqlite_store,
        default_language="fi",
        rng=random.Random(7),
        clock=lambda: FIXED_NOW,
    )


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    return load_settings({"DATA_DIR": str(tmp_path / "data"), "SCHEDULER": "off"})
