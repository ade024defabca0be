"""The column types every table of the store is made of, and the one `MetaData` they are on.

Rows hold plain data only: text, numbers, booleans, timestamps and JSON *as text*, so a copy
from SQLite to PostgreSQL is a table copy. Timestamps are timezone-aware UTC on the way in and
out on both dialects (SQLite stores them as fixed-width UTC text, which also sorts correctly).

`metadata` fills up as the table modules are imported: use it through bot/store/tables.py,
which imports all of them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both dialects; a naive datetime is a bug and refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the store")
        value = value.astimezone(UTC)
        # SQLite has no time zones: it keeps naive UTC text of a fixed width.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class CleanText(TypeDecorator[str]):
    """Unbounded text that both databases accept alike.

    PostgreSQL refuses NUL characters and neither driver encodes lone surrogates (which a JSON
    activity can carry); both are replaced on the way in, so SQLite and PostgreSQL store the
    same value and a lookup with the same hostile id still finds its row.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return clean_text(value)


def clean_text(value: str) -> str:
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
    return value


class JsonText(TypeDecorator[dict[str, Any]]):
    """A JSON object stored as text (never pickled, never a native JSON type, so it copies
    between dialects as a plain string). ASCII-escaped: any string survives both databases."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> str | None:
        return None if value is None else dump_json(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        loaded = json.loads(value)
        if not isinstance(loaded, dict):
            raise ValueError("a stored JSON column does not hold an object")
        return loaded


def dump_json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


# A 64-bit identity on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()
