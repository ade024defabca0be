"""Initial schema: conversations, people, subscriptions, tips, feedback, misses, incoming
de-duplication and the delivery pipeline.

Revision ID: 0001
Revises:
Create Date: 2025-11-28

Written by hand to match bot/store/tables.py (tests/store/test_schema.py compares them). Plain
SQLAlchemy types only, never the type decorators of tables.py: a migration is frozen.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_STATES = ("pending", "sending", "sent", "failed", "unknown")


def _id() -> sa.Column[int]:
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        sa.Identity(),
        primary_key=True,
    )


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "conversation_refs",
        sa.Column("conversation_id", sa.Text(), primary_key=True),
        _text("kind"),
        _text("tenant_id", nullable=True),
        _text("service_url"),
        _text("reference"),
        _text("user_aad_id", nullable=True),
        _text("team_id", nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "people",
        sa.Column("aad_object_id", sa.Text(), primary_key=True),
        _text("name"),
        _text("language"),
        _text("time_zone"),
        _text("tenant_id", nullable=True),
        _text("teams_user_id", nullable=True),
        _ts("updated_at"),
    )
    op.create_table(
        "subscriptions",
        _text("conversation_id"),
        _text("kind"),
        _text("language"),
        sa.Column("paused_until", sa.Date(), nullable=True),
        _text("created_by", nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("conversation_id", "kind", name="pk_subscriptions"),
    )
    op.create_index("ix_subscriptions_kind", "subscriptions", ["kind"])
    op.create_table(
        "tip_history",
        _id(),
        _text("conversation_id"),
        _text("entry_id"),
        sa.Column("cycle", sa.Integer(), nullable=False),
        _ts("sent_at"),
    )
    op.create_index(
        "ix_tip_history_conversation_cycle", "tip_history", ["conversation_id", "cycle"]
    )
    op.create_table(
        "feedback",
        _id(),
        _text("entry_id"),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        _ts("at"),
    )
    op.create_index("ix_feedback_entry_id", "feedback", ["entry_id"])
    op.create_table(
        "misses",
        _id(),
        _text("question"),
        _text("question_key"),
        _text("lang"),
        _text("outcome"),
        _ts("at"),
    )
    op.create_table(
        "processed_activities",
        _text("conversation_id"),
        _text("activity_id"),
        _ts("seen_at"),
        sa.PrimaryKeyConstraint("conversation_id", "activity_id", name="pk_processed_activities"),
    )
    op.create_index("ix_processed_activities_seen_at", "processed_activities", ["seen_at"])
    op.create_table(
        "occurrences",
        sa.Column("key", sa.Text(), primary_key=True),
        _text("schedule"),
        _ts("created_at"),
    )
    op.create_table(
        "deliveries",
        _id(),
        sa.Column(
            "occurrence_key",
            sa.Text(),
            sa.ForeignKey("occurrences.key", name="fk_deliveries_occurrence_key"),
            nullable=False,
        ),
        _text("recipient"),
        _text("payload"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("must_arrive", sa.Boolean(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        _ts("next_attempt_at", nullable=True),
        _text("lease_owner", nullable=True),
        _ts("lease_until", nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.UniqueConstraint(
            "occurrence_key", "recipient", name="uq_deliveries_occurrence_recipient"
        ),
        sa.CheckConstraint(
            "state IN (" + ", ".join(f"'{state}'" for state in _STATES) + ")",
            name="ck_deliveries_state",
        ),
    )
    # Partial: only the rows a claim looks for (see tables.py).
    op.create_index(
        "ix_deliveries_pending_due",
        "deliveries",
        ["state", "next_attempt_at", "id"],
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_deliveries_sending_lease",
        "deliveries",
        ["state", "lease_until"],
        sqlite_where=sa.text("state = 'sending'"),
        postgresql_where=sa.text("state = 'sending'"),
    )
    op.create_table(
        "throttle",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        _ts("until"),
        sa.CheckConstraint("id = 1", name="ck_throttle_single_row"),
    )


def downgrade() -> None:
    for table in (
        "throttle",
        "deliveries",
        "occurrences",
        "processed_activities",
        "misses",
        "feedback",
        "tip_history",
        "subscriptions",
        "people",
        "conversation_refs",
    ):
        op.drop_table(table)
