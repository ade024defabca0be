"""The SQLAlchemy implementation of the `Store` protocol, for SQLite and PostgreSQL: `SqlStore`,
and `open_store`, which migrates a database and opens the store on it.

`SqlStore` is composed of one mixin per area, each in a module of its own: conversations and
people (conversations_sql), subscriptions, tips, feedback and misses (subscriptions_sql),
deliveries, throttle and senders (deliveries_sql), virtual coffee (coffee_sql) and onboarding
(onboarding_sql). This class provides what they share (bot/store/sql_host.py): the engine,
the clock, and the read and write transactions. The engine itself, with its SQLite set-up, is
made in bot/store/engine.py.

Each verb is one transaction (deliveries_sql says where finishes are grouped). SQLite has a
single writer: within a process writes also queue on an asyncio lock, rather than in SQLite's
busy handler. No ORM objects leave the store: rows become `bot.records` dataclasses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock
from bot.store.coffee_sql import CoffeeSqlMixin
from bot.store.conversations_sql import ConversationsSqlMixin
from bot.store.deliveries_sql import DeliveriesSqlMixin
from bot.store.engine import make_engine, write_transaction
from bot.store.migrate import upgrade_engine
from bot.store.onboarding_sql import OnboardingSqlMixin
from bot.store.subscriptions_sql import SubscriptionsSqlMixin


async def open_store(url: str, *, clock: Clock, migrate: bool = True) -> SqlStore:
    """Open the store at `url`, applying migrations first unless `migrate` is False.

    `clock` stamps the rows' created/updated times."""
    engine = make_engine(url)
    try:
        if migrate:
            await upgrade_engine(engine)
    except BaseException:
        await engine.dispose()
        raise
    return SqlStore(engine, clock)


class SqlStore(
    ConversationsSqlMixin,
    SubscriptionsSqlMixin,
    DeliveriesSqlMixin,
    CoffeeSqlMixin,
    OnboardingSqlMixin,
):
    """`bot.storage.Store` on SQLAlchemy Core (async)."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._sqlite = engine.dialect.name == "sqlite"
        # SQLite allows one writer: queue writes here rather than in SQLite's busy handler.
        self._write_lock = asyncio.Lock()
        # Finishes queue here and are committed in groups (see finish_delivery).
        self._finish_lock = asyncio.Lock()
        self._finishes = []

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    async def close(self) -> None:
        await self._engine.dispose()

    # --- transactions ----------------------------------------------------------------

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction (SQLite: one at a time per store)."""
        if not self._sqlite:
            async with write_transaction(self._engine) as conn:
                yield conn
            return
        async with self._write_lock, write_transaction(self._engine) as conn:
            yield conn

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as conn:
            yield conn

    async def _first(self, query: Select[Any]) -> RowMapping | None:
        async with self._read() as conn:
            row: RowMapping | None = (await conn.execute(query)).mappings().first()
        return row

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        return sqlite.insert(table) if self._sqlite else postgresql.insert(table)


if TYPE_CHECKING:
    from bot.storage import Store

    def _implements_the_protocol(store: SqlStore) -> Store:
        return store
