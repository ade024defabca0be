"""Virtual coffee (participants, rounds, groups, answers) and onboarding (onboardings, their
steps, newcomer introductions).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Written by hand to match bot/store/feature_tables.py (tests/store/test_schema.py compares
them). Plain SQLAlchemy types and literal value lists only: a migration is frozen.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_FREQUENCIES = ("weekly", "biweekly", "monthly")
_SCOPES = ("team", "organisation", "everyone")
_GROUP_STATUSES = ("planned", "booked", "fallback", "cancelled")
_ANSWERS = ("yes", "no", "rescheduled")
_ONBOARDING_STATES = ("active", "cancelled", "completed")
_STEP_STATES = ("scheduled", "sent", "acknowledged", "failed", "cancelled")
_ROLES = ("newcomer", "buddy", "manager", "team")


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _state(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(16), nullable=False)


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")", name=name
    )


def upgrade() -> None:
    op.create_table(
        "coffee_participants",
        sa.Column("person_id", sa.Text(), primary_key=True),
        _text("conversation_id"),
        _text("name"),
        _text("upn", nullable=True),
        _text("tenant_id", nullable=True),
        _text("team_id", nullable=True),
        _text("organisation_id", nullable=True),
        _text("languages"),
        _state("frequency"),
        sa.Column("group_size", sa.Integer(), nullable=False),
        _state("scope"),
        _text("weekdays"),
        _text("day_start"),
        _text("day_end"),
        sa.Column("length_minutes", sa.Integer(), nullable=False),
        _text("avoid"),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        _text("last_round", nullable=True),
        _ts("joined_at"),
        _ts("updated_at"),
        _one_of("frequency", _FREQUENCIES, "ck_coffee_participants_frequency"),
        _one_of("scope", _SCOPES, "ck_coffee_participants_scope"),
    )
    op.create_table(
        "coffee_rounds",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        _text("unmatched"),
        _ts("created_at"),
    )
    op.create_table(
        "coffee_groups",
        sa.Column("id", _big_id(), sa.Identity(), primary_key=True),
        sa.Column(
            "round_key",
            sa.Text(),
            sa.ForeignKey(
                "coffee_rounds.key", name="fk_coffee_groups_round_key", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("members"),
        _text("languages"),
        _state("status"),
        _text("event_id", nullable=True),
        _text("join_url", nullable=True),
        _ts("start", nullable=True),
        _ts("end", nullable=True),
        _text("organizer_id", nullable=True),
        _text("note", nullable=True),
        _ts("updated_at"),
        sa.UniqueConstraint("round_key", "position", name="uq_coffee_groups_round_position"),
        _one_of("status", _GROUP_STATUSES, "ck_coffee_groups_status"),
    )
    op.create_table(
        "coffee_answers",
        sa.Column(
            "group_id",
            _big_id(),
            sa.ForeignKey(
                "coffee_groups.id", name="fk_coffee_answers_group_id", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("person_hash", sa.String(64), nullable=False),
        _state("answer"),
        _ts("answered_at"),
        sa.PrimaryKeyConstraint("group_id", "person_hash", name="pk_coffee_answers"),
        _one_of("answer", _ANSWERS, "ck_coffee_answers_answer"),
    )
    op.create_index("ix_coffee_answers_person_hash", "coffee_answers", ["person_hash"])
    op.create_table(
        "onboardings",
        sa.Column("id", sa.Text(), primary_key=True),
        _text("employee_id"),
        _text("employee_name"),
        sa.Column("start_date", sa.Date(), nullable=False),
        _text("sequence"),
        _text("language"),
        _text("team_id", nullable=True),
        _text("buddy_id", nullable=True),
        _text("manager_id", nullable=True),
        _text("requested_by"),
        _state("state"),
        _text("idempotency_key", nullable=True),
        _text("pulse", nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("ended_at", nullable=True),
        sa.UniqueConstraint("idempotency_key", name="uq_onboardings_idempotency_key"),
        _one_of("state", _ONBOARDING_STATES, "ck_onboardings_state"),
    )
    op.create_table(
        "onboarding_steps",
        sa.Column(
            "onboarding_id",
            sa.Text(),
            sa.ForeignKey(
                "onboardings.id", name="fk_onboarding_steps_onboarding_id", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        _text("step_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        _state("role"),
        sa.Column("due_date", sa.Date(), nullable=False),
        _state("state"),
        _text("recipient_id", nullable=True),
        _ts("sent_at", nullable=True),
        _ts("acknowledged_at", nullable=True),
        sa.PrimaryKeyConstraint("onboarding_id", "step_id", name="pk_onboarding_steps"),
        _one_of("role", _ROLES, "ck_onboarding_steps_role"),
        _one_of("state", _STEP_STATES, "ck_onboarding_steps_state"),
    )
    op.create_index("ix_onboarding_steps_state_due_date", "onboarding_steps", ["state", "due_date"])
    op.create_table(
        "introductions",
        _text("person_id"),
        _text("team_id"),
        _text("name"),
        _text("role_text"),
        _text("location_text"),
        _text("languages_text"),
        _text("about_text"),
        _text("state"),
        _text("channel_id", nullable=True),
        _ts("posted_at", nullable=True),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("person_id", "team_id", name="pk_introductions"),
    )


def downgrade() -> None:
    for table in (
        "introductions",
        "onboarding_steps",
        "onboardings",
        "coffee_answers",
        "coffee_groups",
        "coffee_rounds",
        "coffee_participants",
    ):
        op.drop_table(table)
