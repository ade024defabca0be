"""Schema migrations (Alembic), run in code: no alembic.ini, no alembic command line.

`upgrade(url)` brings a database to the newest revision; `open_store` does it at start. Several
replicas may start at once: on PostgreSQL the migration holds a transaction-scoped advisory lock,
on SQLite it runs in a BEGIN IMMEDIATE transaction, so a second migrator waits and then finds
nothing to do. DDL is transactional on both: a failed migration leaves the schema as it was.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import make_engine, write_transaction

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serialises migrators.
_ADVISORY_LOCK_KEY = 0x59_68_74_65_69_73_6F  # "Yhteiso"
SQLITE_LOCKED_ATTEMPTS = 5


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration, built in code. With `connection`, env.py migrates on it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade_on(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
    command.upgrade(alembic_config(connection), "head")


async def upgrade_engine(engine: AsyncEngine) -> None:
    """Apply every migration not yet applied, in one transaction.

    Two processes opening a brand-new SQLite file at the same moment can get "database is
    locked" at once (switching the file to WAL is not covered by the busy timeout); the
    failed attempt rolled back, so it is simply tried again.
    """
    for attempt in range(1, SQLITE_LOCKED_ATTEMPTS + 1):
        try:
            async with write_transaction(engine) as conn:
                await conn.run_sync(_upgrade_on)
            return
        except OperationalError as error:
            locked = engine.dialect.name == "sqlite" and "locked" in str(error)
            if not locked or attempt == SQLITE_LOCKED_ATTEMPTS:
                raise
            await asyncio.sleep(0.1 * attempt)


async def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema (`python -m bot db upgrade`)."""
    engine = make_engine(url)
    try:
        await upgrade_engine(engine)
    finally:
        await engine.dispose()
