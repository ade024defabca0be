"""The schema, as SQLAlchemy Core tables. migrations/versions/ must create exactly this
(tests/store/test_schema.py compares the two).

The tables of virtual coffee and onboarding are in bot/store/feature_tables.py, on the same
`metadata` (bot/store/columns.py). This module imports that one, so that `metadata` taken from
here holds the whole schema wherever it is used (schema test, autogenerate comparison,
copy_database), whichever module was imported first.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    text,
)

from bot.records import DeliveryState
from bot.store import feature_tables  # noqa: F401  (for its tables on `metadata`)
from bot.store.columns import BigId, CleanText, JsonText, UtcDateTime
from bot.store.columns import metadata as metadata

DELIVERY_STATES = tuple(state.value for state in DeliveryState)


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
