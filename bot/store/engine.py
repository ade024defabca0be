"""The store's database engine: `make_engine` for SQLite or PostgreSQL, and `write_transaction`.

SQLite (`sqlite+aiosqlite:///path`, the default): WAL, a busy timeout, foreign keys on. SQLite
has a single writer, so every write transaction starts with BEGIN IMMEDIATE: a transaction that
reads before it writes (claiming, migrating, copying) holds the write lock from its first
statement, and two processes cannot interleave.

PostgreSQL (`postgresql+asyncpg://...`): the asyncpg driver, connections checked before use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
# An execution option: on a SQLite connection, the next transaction begins with
# BEGIN IMMEDIATE rather than BEGIN (read by the "begin" hook of make_engine).
SQLITE_BEGIN_IMMEDIATE = "yhteiso_sqlite_immediate"


def make_engine(url: str, *, create_directory: bool = True) -> AsyncEngine:
    """An async engine set up for the store: SQLite pragmas and BEGIN handling, or asyncpg.

    `sqlite:///path` and `postgresql://...` are accepted too and get the async driver.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:") or database.startswith("file:")
        if create_directory and not in_memory:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(parsed.set(drivername="sqlite+aiosqlite"))
        _set_up_sqlite(engine)
        return engine
    if backend == "postgresql":
        return create_async_engine(parsed.set(drivername="postgresql+asyncpg"), pool_pre_ping=True)
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")


def _set_up_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 driver (it skips it for SELECT and DDL); the
        # "begin" hook below emits it, so transactions and transactional DDL are real.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # The timeout first: switching a new file to WAL waits for another migrator.
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable with WAL up to the last commit
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(SQLITE_BEGIN_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A transaction on a connection of its own that will write; on SQLite BEGIN IMMEDIATE,
    so that a transaction that reads before it writes holds the write lock from its first
    statement."""
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            await conn.execution_options(**{SQLITE_BEGIN_IMMEDIATE: True})
        async with conn.begin():
            yield conn
