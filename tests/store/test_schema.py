"""The migrations create exactly the schema of tables.py; migrating is safe to repeat and to
race; SQLite is set up as the store needs it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import UniqueConstraint, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError

from bot.store.engine import make_engine
from bot.store.migrate import alembic_config, current_revision, head_revision, upgrade
from bot.store.sql import SqlStore, open_store
from bot.store.tables import metadata
from tests.clocks import fixed_clock
from tests.store.conftest import sqlite_url


def _describe(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    schema: dict[str, Any] = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        schema[table] = {
            "columns": {c["name"]: bool(c["nullable"]) for c in inspector.get_columns(table)},
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (
                    i["name"],
                    tuple(i["column_names"]),
                    bool(i["unique"]),
                    any(key.endswith("_where") for key in i.get("dialect_options", {})),
                )
                for i in inspector.get_indexes(table)
                if "duplicates_constraint" not in i  # PostgreSQL lists a UNIQUE's index too
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return schema


def _expected() -> dict[str, Any]:
    schema: dict[str, Any] = {}
    for table in metadata.sorted_tables:
        schema[table.name] = {
            "columns": {c.name: bool(c.nullable) for c in table.columns},
            "primary_key": [c.name for c in table.primary_key.columns],
            "indexes": sorted(
                (
                    i.name,
                    tuple(c.name for c in i.columns),
                    bool(i.unique),
                    any(
                        i.dialect_options[name]["where"] is not None
                        for name in ("sqlite", "postgresql")
                    ),
                )
                for i in table.indexes
            ),
            "unique": sorted(
                tuple(c.name for c in u.columns)
                for u in table.constraints
                if isinstance(u, UniqueConstraint)
            ),
            "foreign_keys": sorted(
                ((f.parent.name,), f.column.table.name) for f in table.foreign_keys
            ),
        }
    return schema


def _autogenerate_diff(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


async def test_migrated_schema_matches_tables(empty_db_url: str) -> None:
    await upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        async with engine.connect() as conn:
            described = await conn.run_sync(_describe)
            diff = await conn.run_sync(_autogenerate_diff)
            revision = await conn.run_sync(current_revision)
    finally:
        await engine.dispose()
    assert described == _expected()
    assert diff == []
    assert revision == head_revision()


async def test_0003_downgrades_to_0002_and_upgrades_again(empty_db_url: str) -> None:
    await upgrade(empty_db_url)
    engine = make_engine(empty_db_url)

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0002")

    def delivery_indexes(connection: Connection) -> set[str]:
        return {str(index["name"]) for index in inspect(connection).get_indexes("deliveries")}

    try:
        async with engine.begin() as conn:
            await conn.run_sync(downgrade)
        async with engine.connect() as conn:
            assert await conn.run_sync(current_revision) == "0002"
            assert "ix_deliveries_retry_due" not in await conn.run_sync(delivery_indexes)
        await upgrade(empty_db_url)
        async with engine.connect() as conn:
            assert await conn.run_sync(current_revision) == head_revision()
            assert await conn.run_sync(_describe) == _expected()
    finally:
        await engine.dispose()


async def test_upgrade_twice_and_concurrently_is_harmless(empty_db_url: str) -> None:
    # Two replicas starting at the same moment both migrate.
    await asyncio.gather(upgrade(empty_db_url), upgrade(empty_db_url))
    await upgrade(empty_db_url)
    store = await open_store(empty_db_url, clock=fixed_clock())
    try:
        assert await store.occurrence_exists("nothing:yet") is False
    finally:
        await store.close()


async def test_open_store_creates_the_parent_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "store.sqlite"
    store = await open_store(sqlite_url(path), clock=fixed_clock())
    await store.close()
    assert path.is_file()


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    store = await open_store(sqlite_url(tmp_path / "store.sqlite"), clock=fixed_clock())
    try:
        async with store.engine.connect() as conn:
            journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            keys = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
            timeout = (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one()
    finally:
        await store.close()
    assert journal == "wal"
    assert keys == 1
    assert timeout >= 5_000


async def test_open_store_without_migrate_does_not_touch_the_schema(empty_db_url: str) -> None:
    store = await open_store(empty_db_url, migrate=False, clock=fixed_clock())
    try:
        async with store.engine.connect() as conn:
            assert await conn.run_sync(current_revision) is None
    finally:
        await store.close()


async def test_timestamps_come_back_aware_utc(store: SqlStore) -> None:
    helsinki = timezone(timedelta(hours=2))
    local = datetime(2026, 11, 30, 9, 0, 0, 123456, tzinfo=helsinki)
    await store.set_throttle_until(local)
    back = await store.throttle_until()
    assert back == local
    assert back is not None and back.tzinfo == UTC
    assert back.hour == 7 and back.microsecond == 123456


async def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        await store.record_feedback("entry", True, datetime(2026, 1, 1))
    assert await store.feedback_counts("entry") == (0, 0)
