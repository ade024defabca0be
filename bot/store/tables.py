"""The schema, as SQLAlchemy Core tables. migrations/versions/ must create exactly this
(tests/store/test_schema.py compares the two).

Rows hold plain data only: text, numbers, booleans, timestamps and JSON *as text*, so a copy
from SQLite to PostgreSQL is a table copy. Timestamps are timezone-aware UTC on the way in and
out on both dialects (SQLite stores them as fixed-width UTC text, which also sorts correctly).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.store.model import DeliveryState


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

DELIVERY_STATES = tuple(state.value for state in DeliveryState)

metadata = MetaData()

conversation_refs = Table(
    "conversation_refs",
    metadata,
    Column("conversation_id", CleanText(), primary_key=True),
    Column("kind", CleanText(), nullable=False),
    Column("tenant_id", CleanText(), nullable=True),
    Column("service_url", CleanText(), nullable=False),
    Column("reference", JsonText(), nullable=False),
    Column("user_aad_id", CleanText(), nullable=True),
    Column("team_id", CleanText(), nullable=True),
    Column("active", Boolean(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("aad_object_id", CleanText(), primary_key=True),
    Column("name", CleanText(), nullable=False),
    Column("language", CleanText(), nullable=False),
    Column("time_zone", CleanText(), nullable=False),
    Column("tenant_id", CleanText(), nullable=True),
    Column("teams_user_id", CleanText(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("conversation_id", CleanText(), nullable=False),
    Column("kind", CleanText(), nullable=False),
    Column("language", CleanText(), nullable=False),
    Column("paused_until", Date(), nullable=True),  # paused on every day up to this, inclusive
    Column("created_by", CleanText(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("conversation_id", "kind", name="pk_subscriptions"),
    Index("ix_subscriptions_kind", "kind"),
)

# `cycle` counts rotations backwards: 0 is the current one, and reset_tips ages every row of
# the conversation by one. So recording a tip never has to look up a cycle number, and a reset
# needs no extra row or table.
tip_history = Table(
    "tip_history",
    metadata,
    Column("id", BigId, Identity(), primary_key=True),
    Column("conversation_id", CleanText(), nullable=False),
    Column("entry_id", CleanText(), nullable=False),
    Column("cycle", Integer(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
    Index("ix_tip_history_conversation_cycle", "conversation_id", "cycle"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", BigId, Identity(), primary_key=True),
    Column("entry_id", CleanText(), nullable=False),
    Column("helpful", Boolean(), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_feedback_entry_id", "entry_id"),
)

# Only the question, its language, the outcome and the time: never who asked.
misses = Table(
    "misses",
    metadata,
    Column("id", BigId, Identity(), primary_key=True),
    Column("question", CleanText(), nullable=False),
    Column("question_key", CleanText(), nullable=False),  # lowercased, whitespace collapsed
    Column("lang", CleanText(), nullable=False),
    Column("outcome", CleanText(), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

processed_activities = Table(
    "processed_activities",
    metadata,
    Column("conversation_id", CleanText(), nullable=False),
    Column("activity_id", CleanText(), nullable=False),
    Column("seen_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("conversation_id", "activity_id", name="pk_processed_activities"),
    Index("ix_processed_activities_seen_at", "seen_at"),
)

occurrences = Table(
    "occurrences",
    metadata,
    Column("key", CleanText(), primary_key=True),  # e.g. tips:2026-11-30, nudge:2026-W49
    Column("schedule", CleanText(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigId, Identity(), primary_key=True),
    Column(
        "occurrence_key",
        CleanText(),
        ForeignKey("occurrences.key", name="fk_deliveries_occurrence_key"),
        nullable=False,
    ),
    Column("recipient", CleanText(), nullable=False),
    Column("payload", JsonText(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False),  # times claimed, the current claim included
    Column("must_arrive", Boolean(), nullable=False),
    Column("last_status", Integer(), nullable=True),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("lease_owner", CleanText(), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("occurrence_key", "recipient", name="uq_deliveries_occurrence_recipient"),
    CheckConstraint(
        "state IN (" + ", ".join(f"'{state}'" for state in DELIVERY_STATES) + ")",
        name="ck_deliveries_state",
    ),
    # Claiming reads due pending rows, and sending rows whose lease expired. Partial indexes:
    # they hold only the rows a claim looks for, so they stay small however many sent rows
    # accumulate, and inserting a fan-out touches one of them only. Queries must spell the
    # state as a literal (not a bound parameter) for either database to use them.
    Index(
        "ix_deliveries_pending_due",
        "state",
        "next_attempt_at",
        "id",
        sqlite_where=text("state = 'pending'"),
        postgresql_where=text("state = 'pending'"),
    ),
    # The retries among them (a claim takes those first): few, however large the fan-out.
    Index(
        "ix_deliveries_retry_due",
        "state",
        "next_attempt_at",
        "id",
        sqlite_where=text("state = 'pending' AND attempts > 0"),
        postgresql_where=text("state = 'pending' AND attempts > 0"),
    ),
    Index(
        "ix_deliveries_sending_lease",
        "state",
        "lease_until",
        sqlite_where=text("state = 'sending'"),
        postgresql_where=text("state = 'sending'"),
    ),
)

throttle = Table(
    "throttle",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=False),
    Column("until", UtcDateTime(), nullable=False),
    CheckConstraint("id = 1", name="ck_throttle_single_row"),
)

# The senders running now, so that they split the tenant's budget between them: each one
# notes itself here every half second and paces at the budget divided by the number seen.
senders = Table(
    "senders",
    metadata,
    Column("owner", CleanText(), primary_key=True),
    Column("seen_at", UtcDateTime(), nullable=False),
)

# Virtual coffee and onboarding keep their tables in a module of their own, on this metadata.
# Imported here, last, so that `metadata` is complete wherever the schema is used (schema
# test, autogenerate comparison, copy_database) whichever module was imported first.
from bot.store import feature_tables as _feature_tables  # noqa: E402, F401
