"""Fixtures for the doubles' own tests: one set of doubles per module, reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.doubles import Doubles


@pytest.fixture(scope="module")
def doubles_server() -> Iterator[Doubles]:
    with Doubles() as started:
        yield started


@pytest.fixture
def doubles(doubles_server: Doubles) -> Doubles:
    """The module's doubles with calls, faults and rate-limit history forgotten."""
    doubles_server.reset()
    return doubles_server
