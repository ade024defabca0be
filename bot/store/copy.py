"""Copy every table of one store database into another (`python -m bot db copy --to URL`).

Rows are plain data, so moving from SQLite to PostgreSQL (or back) is a table copy: the target
is migrated to the newest schema, must be empty, and receives every table in foreign-key order,
in batches, in one transaction (a failed copy leaves it empty). Ids are copied as they are, and
PostgreSQL's identity sequences are then moved past them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Table, func, insert, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.engine import make_engine, write_transaction
from bot.store.migrate import current_revision, head_revision, upgrade_engine
from bot.store.tables import metadata

BATCH_ROWS = 5_000

Progress = Callable[[str, int], None]


class CopyError(ValueError):
    """The copy cannot start: the message says why (nothing has been written)."""


async def copy_database(
    source_url: str, target_url: str, progress: Progress | None = None
) -> dict[str, int]:
    """Copy all rows from `source_url` to the empty database at `target_url`.

    `progress(table, rows_copied_so_far)` is called after every batch. Returns the number of
    rows copied per table.
    """
    if _same_database(source_url, target_url):
        raise CopyError("source and target are the same database")
    source = make_engine(source_url, create_directory=False)
    target = make_engine(target_url)
    try:
        await _check_source(source)
        async with target.connect() as conn:
            await _refuse_non_empty(conn)  # before migrating someone else's database
        await upgrade_engine(target)
        async with write_transaction(target) as target_conn:
            await _refuse_non_empty(target_conn)
            async with source.connect() as source_conn:
                if source.dialect.name == "postgresql":
                    # One snapshot of the whole source, even while the bot keeps writing.
                    await source_conn.execution_options(isolation_level="REPEATABLE READ")
                async with source_conn.begin():
                    counts = {
                        table.name: await _copy_table(table, source_conn, target_conn, progress)
                        for table in metadata.sorted_tables
                    }
            if target.dialect.name == "postgresql":
                await _move_sequences(target_conn)
        return counts
    finally:
        await source.dispose()
        await target.dispose()


def _same_database(source_url: str, target_url: str) -> bool:
    source, target = make_url(source_url), make_url(target_url)
    return source.set(drivername=source.get_backend_name()) == target.set(
        drivername=target.get_backend_name()
    )


def _missing_file(engine: AsyncEngine) -> str | None:
    """The path of a SQLite source that does not exist (connecting would create it)."""
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:"):
        return None
    return None if Path(database).is_file() else database


async def _check_source(source: AsyncEngine) -> None:
    missing = _missing_file(source)
    if missing is not None:
        raise CopyError(f"source database {missing} does not exist")
    async with source.connect() as conn:
        revision = await conn.run_sync(current_revision)
    head = head_revision()
    if revision != head:
        raise CopyError(
            f"source schema is at revision {revision or 'none'}, not {head}: "
            "upgrade the source first (python -m bot db upgrade)"
        )


async def _refuse_non_empty(conn: AsyncConnection) -> None:
    existing = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    for table in metadata.sorted_tables:
        if table.name not in existing:
            continue
        if (await conn.execute(select(func.count()).select_from(table))).scalar_one():
            raise CopyError(
                f"target database is not empty (table {table.name} has rows); "
                "copy needs an empty target"
            )


async def _copy_table(
    table: Table, source: AsyncConnection, target: AsyncConnection, progress: Progress | None
) -> int:
    copied = 0
    query = select(table).order_by(*table.primary_key.columns)
    result = await source.stream(query)
    async for batch in result.mappings().partitions(BATCH_ROWS):
        await target.execute(insert(table), [dict(row) for row in batch])
        copied += len(batch)
        if progress is not None:
            progress(table.name, copied)
    if progress is not None and copied == 0:
        progress(table.name, 0)
    return copied


async def _move_sequences(conn: AsyncConnection) -> None:
    """Identity columns got explicit ids: start their sequences after the largest one."""
    for table in metadata.sorted_tables:
        column = table.c.get("id")
        if column is None or column.identity is None:
            continue
        sequence = func.pg_get_serial_sequence(table.name, column.name)
        await conn.execute(
            select(func.setval(sequence, func.coalesce(func.max(column), 0) + 1, False))
        )
