"""What the per-area SQL modules (conversations_sql, subscriptions_sql, deliveries_sql,
coffee_sql, onboarding_sql) use of `SqlStore` in bot/store/sql.py: its transactions and
settings, as the `SqlHost` protocol, and `chunks` for batched reads.

Each of those modules holds one mixin of verbs; `SqlStore` is composed of them all and
provides what `SqlHost` names. Only the type checker sees `SqlHost` as the mixins' base.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.clock import Clock

# Ids per IN (...) list: far below SQLite's and asyncpg's limits on bound parameters.
ID_CHUNK = 1_000

_T = TypeVar("_T")


class SqlHost(Protocol):
    """What the mixins use of `SqlStore` (bot/store/sql.py).

    Only the type checker sees it as their base (`SqlHostBase` below). At run time the mixins
    derive from `object`, so the methods of SqlStore itself are the ones found whatever the
    order of the bases: `class SqlStore(CoffeeSqlMixin, OnboardingSqlMixin)` and
    `class X(SqlStore, CoffeeSqlMixin)` alike.
    """

    _engine: AsyncEngine
    _sqlite: bool
    _clock: Clock
    _write_lock: asyncio.Lock  # held by every write on SQLite (see SqlStore._write)

    def _write(self) -> AbstractAsyncContextManager[AsyncConnection]: ...

    def _read(self) -> AbstractAsyncContextManager[AsyncConnection]: ...

    async def _first(self, query: Select[Any]) -> RowMapping | None: ...

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert: ...


if TYPE_CHECKING:
    SqlHostBase = SqlHost
else:
    SqlHostBase = object


def chunks(items: Sequence[_T], size: int = ID_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
