"""copy_database: every row of every table arrives, ids and all, into an empty target —
SQLite to SQLite, and SQLite to PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.records import ConversationRef, NewDelivery, Outcome, Person, Subscription
from bot.store.copy import CopyError, copy_database
from bot.store.engine import make_engine
from bot.store.migrate import upgrade
from bot.store.sql import SqlStore, open_store
from bot.store.tables import metadata
from tests.clocks import fixed_clock
from tests.store.conftest import fresh_postgres, postgres_only, sqlite_url

T0 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
# The tables behind the `Store` protocol; _fill puts rows in each of them.
CORE_TABLES = (
    "conversation_refs",
    "people",
    "subscriptions",
    "tip_history",
    "feedback",
    "misses",
    "processed_activities",
    "occurrences",
    "deliveries",
    "throttle",
)


async def _fill(store: SqlStore) -> None:
    """At least one row in every table, with hostile values here and there."""
    for i, conversation_id in enumerate(["a:1", "a:'😀'", "19:ääö@thread"]):
        await store.save_reference(
            ConversationRef(
                conversation_id=conversation_id,
                kind="personal",
                tenant_id="t",
                service_url="https://service.example/",
                reference={"conversation": {"id": conversation_id}, "i": i},
                user_aad_id=f"aad-{i}",
            )
        )
        await store.subscribe(Subscription(conversation_id, "tips", "fi", created_by="aad-1"))
        await store.record_tip(conversation_id, "tip-1", T0)
    await store.deactivate_reference("a:1")
    await store.pause("a:'😀'", "tips", date(2026, 12, 24))
    await store.reset_tips("a:1")
    await store.save_person(Person("aad-1", name='Matti "M" Meikäläinen', language="sv"))
    await store.record_feedback("meetings", True, T0)
    await store.record_feedback("meetings", False, T0)
    await store.record_miss("Miten haen lomaa?", "fi", "not_found", T0)
    await store.first_time_seen("a:1", "act-1", T0)
    await store.set_throttle_until(T0 + timedelta(seconds=30))
    fan_out = [NewDelivery(f"a:{i}", {"n": i}, must_arrive=i % 2 == 0) for i in range(1_200)]
    await store.create_occurrence("tips:2026-11-30", "tips", fan_out, T0)
    await store.create_occurrence("nudge:2026-W49", "nudges", [], T0)
    for n, delivery in enumerate(await store.claim_deliveries("s", 5, 60, T0)):
        outcome = [Outcome.SENT, Outcome.FAILED, Outcome.RETRY, Outcome.UNKNOWN][n % 4]
        await store.finish_delivery(delivery.id, "s", outcome, 201, T0, T0 + timedelta(hours=1))


async def _dump(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                table.name: [
                    dict(row)
                    for row in (
                        await conn.execute(select(table).order_by(*table.primary_key.columns))
                    ).mappings()
                ]
                for table in metadata.sorted_tables
            }
    finally:
        await engine.dispose()


@pytest.fixture
async def source(tmp_path: Path) -> AsyncIterator[str]:
    url = sqlite_url(tmp_path / "source" / "store.sqlite")
    store = await open_store(url, clock=fixed_clock())
    try:
        await _fill(store)
    finally:
        await store.close()
    yield url


async def _check_copy(source: str, target: str) -> None:
    seen: list[tuple[str, int]] = []
    counts = await copy_database(source, target, lambda table, rows: seen.append((table, rows)))

    before, after = await _dump(source), await _dump(target)
    assert after == before
    assert counts == {table: len(rows) for table, rows in before.items()}
    assert all(counts[table] for table in CORE_TABLES)
    assert counts["deliveries"] == 1_200
    assert ("deliveries", 1_200) in seen
    assert {table for table, _ in seen} == set(counts)

    # The copy is a working store: new rows get fresh ids after the copied ones.
    store = await open_store(target, clock=fixed_clock())
    try:
        assert await store.occurrence_exists("tips:2026-11-30")
        assert await store.create_occurrence(
            "tips:2026-12-01", "tips", [NewDelivery("a:1", {})], T0
        )
        newest = max(row["id"] for row in before["deliveries"])
        pending = await store.claim_deliveries("s", 2_000, 60, T0 + timedelta(days=1))
        assert any(d.id > newest and d.occurrence_key == "tips:2026-12-01" for d in pending)
        await store.record_feedback("meetings", True, T0)
        assert await store.feedback_counts("meetings") == (2, 1)
    finally:
        await store.close()


async def test_copy_sqlite_to_sqlite(source: str, tmp_path: Path) -> None:
    await _check_copy(source, sqlite_url(tmp_path / "target" / "store.sqlite"))


@postgres_only
async def test_copy_sqlite_to_postgresql(source: str) -> None:
    async with fresh_postgres() as target:
        await _check_copy(source, target)


async def test_copy_refuses_a_target_with_rows(source: str, tmp_path: Path) -> None:
    target = sqlite_url(tmp_path / "target" / "store.sqlite")
    store = await open_store(target, clock=fixed_clock())
    await store.record_feedback("x", True, T0)
    await store.close()
    with pytest.raises(CopyError, match=r"not empty \(table feedback has rows\)"):
        await copy_database(source, target)
    assert (await _dump(target))["deliveries"] == []


async def test_copy_refuses_the_same_database(source: str) -> None:
    with pytest.raises(CopyError, match="same database"):
        await copy_database(source, source)


async def test_copy_refuses_a_missing_or_unmigrated_source(tmp_path: Path) -> None:
    target = sqlite_url(tmp_path / "target" / "store.sqlite")
    missing = tmp_path / "nowhere" / "store.sqlite"
    with pytest.raises(CopyError, match="does not exist"):
        await copy_database(sqlite_url(missing), target)
    assert not missing.exists()

    unmigrated = tmp_path / "old" / "store.sqlite"
    unmigrated.parent.mkdir()
    unmigrated.touch()
    with pytest.raises(CopyError, match="upgrade the source first"):
        await copy_database(sqlite_url(unmigrated), target)


async def test_copy_of_an_empty_store(tmp_path: Path) -> None:
    source = sqlite_url(tmp_path / "source.sqlite")
    await upgrade(source)
    counts = await copy_database(source, sqlite_url(tmp_path / "target.sqlite"))
    assert set(counts) == {table.name for table in metadata.sorted_tables}
    assert set(counts.values()) == {0}
