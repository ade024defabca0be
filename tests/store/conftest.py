"""Fixtures of the store contract suite: every test runs against SQLite and, when
TEST_DATABASE_URL is set, against PostgreSQL — each starting from a migrated database with
no rows.

SQLite: each test gets a copy of a file migrated once per session. PostgreSQL: each test module
gets a uniquely named database (`CREATE DATABASE ... TEMPLATE` a migrated one, dropped at the
end of the module), emptied of rows before every test — creating a database per test took
most of the suite's time. Tests that need a database of their own (no schema at all, or one
they break on purpose) use `empty_db_url`. If TEST_DATABASE_URL is set but the server cannot
be reached, the PostgreSQL tests fail rather than skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from bot.clock import FixedClock
from bot.store.migrate import upgrade
from bot.store.sql import SqlStore, open_store
from bot.store.tables import metadata

PG_URL = os.environ.get("TEST_DATABASE_URL", "")

postgres_only = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=postgres_only)]


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _admin_dsn() -> str:
    url = make_url(PG_URL).set(drivername="postgresql", database="postgres")
    return url.render_as_string(hide_password=False)


def _pg_url(database: str) -> str:
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(_admin_dsn())
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A new, empty, uniquely named PostgreSQL database (dropped afterwards); yields its URL."""
    name = f"test_store_{uuid.uuid4().hex[:16]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Templates:
    sqlite_file: Path
    postgres_database: str | None


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    sqlite_file = tmp_path_factory.mktemp("template") / "store.sqlite"
    asyncio.run(upgrade(sqlite_url(sqlite_file)))
    postgres_database = None
    if PG_URL:
        postgres_database = f"test_store_template_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(f'CREATE DATABASE "{postgres_database}"'))
        asyncio.run(upgrade(_pg_url(postgres_database)))
    yield Templates(sqlite_file, postgres_database)
    if postgres_database:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{postgres_database}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def module_postgres(templates: Templates) -> Iterator[str | None]:
    """A migrated PostgreSQL database for the tests of one module."""
    if templates.postgres_database is None:
        yield None
        return
    name = f"test_store_{uuid.uuid4().hex[:16]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{templates.postgres_database}"'))
    yield name
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _delete_all_rows(database: str) -> None:
    dsn = make_url(_admin_dsn()).set(database=database).render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(str(delete(table)))  # DELETE FROM <table>
    finally:
        await connection.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def db_url(
    backend: str, templates: Templates, module_postgres: str | None, tmp_path: Path
) -> AsyncIterator[str]:
    """The URL of a migrated database without rows, of the backend under test."""
    if backend == "sqlite":
        path = tmp_path / "data" / "store.sqlite"
        path.parent.mkdir()
        shutil.copyfile(templates.sqlite_file, path)
        yield sqlite_url(path)
    else:
        assert module_postgres is not None
        await _delete_all_rows(module_postgres)
        yield _pg_url(module_postgres)


@pytest.fixture
async def empty_db_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a database with nothing in it, not even the schema."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path / "empty" / "store.sqlite")
    else:
        async with fresh_postgres() as url:
            yield url


@pytest.fixture
async def store(db_url: str, clock: FixedClock) -> AsyncIterator[SqlStore]:
    opened = await open_store(db_url, clock=clock)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def second_store(db_url: str, store: SqlStore, clock: FixedClock) -> AsyncIterator[SqlStore]:
    """Another SqlStore (its own engine and pool) on the same database: a second replica."""
    opened = await open_store(db_url, clock=clock, migrate=False)
    try:
        yield opened
    finally:
        await opened.close()
