"""Shared fixtures: the bundled pack, an answerer, chat dependencies, settings in a temp dir."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.chat.feedback import FeedbackCounts
from bot.chat.handlers import ChatDeps
from bot.content.loader import load_pack
from bot.content.models import ContentPack
from bot.qa.engine import Answerer
from bot.qa.misses import MissLog
from bot.settings import BUNDLED_CONTENT_DIR, Settings, load_settings


@pytest.fixture(scope="session")
def pack() -> ContentPack:
    return load_pack(BUNDLED_CONTENT_DIR)


@pytest.fixture(scope="session")
def answerer(pack: ContentPack) -> Answerer:
    return Answerer(pack)


@pytest.fixture
def deps(pack: ContentPack, answerer: Answerer, tmp_path: Path) -> ChatDeps:
    return ChatDeps(
        pack=pack,
        answerer=answerer,
        misses=MissLog(tmp_path / "unanswered.jsonl"),
        feedback=FeedbackCounts(),
        default_language="fi",
        rng=random.Random(7),
    )


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    return load_settings({"DATA_DIR": str(tmp_path / "data")})
