"""The tables of virtual coffee and onboarding, on the one `metadata` of bot/store/columns.py.

bot/store/tables.py imports this module, so the schema test, the migrations' autogenerate
comparison and `db copy` see these tables like any other. Migration 0002 creates
exactly this.

Like the rest of the schema: plain data only. Sets of short codes are comma-separated text,
lists of ids are JSON text, times of day are ISO text ("09:00"), nothing is pickled.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    BigInteger,
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.coffee.model import Frequency, GroupStatus, MeetingAnswer, Scope
from bot.onboarding.model import OnboardingState, Role, StepState
from bot.store.columns import BigId, CleanText, JsonText, UtcDateTime, clean_text, metadata


class JsonList(TypeDecorator[list[Any]]):
    """A JSON array stored as text, ASCII-escaped like JsonText. Strings in it are cleaned
    as CleanText cleans a column, so an id inside a list equals the same id in a column."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> str | None:
        return None if value is None else dump_json_list(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> list[Any] | None:
        if value is None:
            return None
        loaded = json.loads(value)
        if not isinstance(loaded, list):
            raise ValueError("a stored JSON list column does not hold a list")
        return loaded


def dump_json_list(value: list[Any]) -> str:
    return json.dumps(_cleaned(value), ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def json_token(text: str) -> str:
    """How the string `text` appears inside a stored JsonList (for a LIKE pre-filter)."""
    return json.dumps(clean_text(text), ensure_ascii=True)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return [_cleaned(item) for item in value]
    return value


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    return CheckConstraint(
        f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")", name=name
    )


FREQUENCIES = tuple(item.value for item in Frequency)
SCOPES = tuple(item.value for item in Scope)
GROUP_STATUSES = tuple(item.value for item in GroupStatus)
ANSWERS = tuple(item.value for item in MeetingAnswer)
ONBOARDING_STATES = tuple(item.value for item in OnboardingState)
STEP_STATES = tuple(item.value for item in StepState)
ROLES = tuple(item.value for item in Role)

# --- virtual coffee ----------------------------------------------------------------------

coffee_participants = Table(
    "coffee_participants",
    metadata,
    Column("person_id", CleanText(), primary_key=True),
    Column("conversation_id", CleanText(), nullable=False),
    Column("name", CleanText(), nullable=False),
    Column("upn", CleanText(), nullable=True),
    Column("tenant_id", CleanText(), nullable=True),
    Column("team_id", CleanText(), nullable=True),
    Column("organisation_id", CleanText(), nullable=True),
    Column("languages", CleanText(), nullable=False),  # "en,fi"
    Column("frequency", String(16), nullable=False),
    Column("group_size", Integer(), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("weekdays", CleanText(), nullable=False),  # "0,1,2,3,4" (Monday is 0)
    Column("day_start", CleanText(), nullable=False),  # "09:00", local time
    Column("day_end", CleanText(), nullable=False),
    Column("length_minutes", Integer(), nullable=False),
    Column("avoid", JsonList(), nullable=False),  # ids never to be paired with
    Column("active", Boolean(), nullable=False),
    Column("paused_until", Date(), nullable=True),  # paused on every day up to this, inclusive
    Column("last_round", CleanText(), nullable=True),  # key of the last round they were in
    Column("joined_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    _one_of("frequency", FREQUENCIES, "ck_coffee_participants_frequency"),
    _one_of("scope", SCOPES, "ck_coffee_participants_scope"),
)

coffee_rounds = Table(
    "coffee_rounds",
    metadata,
    Column("key", CleanText(), primary_key=True),  # coffee:2026-W49
    Column("seed", BigInteger(), nullable=False),
    Column("unmatched", JsonList(), nullable=False),  # [[person id, reason], ...]
    Column("created_at", UtcDateTime(), nullable=False),
)

coffee_groups = Table(
    "coffee_groups",
    metadata,
    Column("id", BigId, Identity(), primary_key=True),
    Column(
        "round_key",
        CleanText(),
        ForeignKey("coffee_rounds.key", name="fk_coffee_groups_round_key", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("position", Integer(), nullable=False),  # order within the round
    Column("members", JsonList(), nullable=False),  # [person id, ...]
    Column("languages", CleanText(), nullable=False),  # shared languages, "en,fi"
    Column("status", String(16), nullable=False),
    Column("event_id", CleanText(), nullable=True),
    Column("join_url", CleanText(), nullable=True),
    Column("start", UtcDateTime(), nullable=True),
    Column("end", UtcDateTime(), nullable=True),
    Column("organizer_id", CleanText(), nullable=True),
    Column("note", CleanText(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("round_key", "position", name="uq_coffee_groups_round_position"),
    _one_of("status", GROUP_STATUSES, "ck_coffee_groups_status"),
)

# "Did you meet?" is counted for statistics and never shown per person: the row names the
# person only by a hash of their id, which erasure can still find.
coffee_answers = Table(
    "coffee_answers",
    metadata,
    Column(
        "group_id",
        BigId,
        ForeignKey("coffee_groups.id", name="fk_coffee_answers_group_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("person_hash", String(64), nullable=False),  # sha256 hex of the person id
    Column("answer", String(16), nullable=False),
    Column("answered_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("group_id", "person_hash", name="pk_coffee_answers"),
    Index("ix_coffee_answers_person_hash", "person_hash"),
    _one_of("answer", ANSWERS, "ck_coffee_answers_answer"),
)

# --- onboarding -------------------------------------------------------------------------

onboardings = Table(
    "onboardings",
    metadata,
    Column("id", CleanText(), primary_key=True),
    Column("employee_id", CleanText(), nullable=False),
    Column("employee_name", CleanText(), nullable=False),
    Column("start_date", Date(), nullable=False),
    Column("sequence", CleanText(), nullable=False),
    Column("language", CleanText(), nullable=False),
    Column("team_id", CleanText(), nullable=True),
    Column("buddy_id", CleanText(), nullable=True),
    Column("manager_id", CleanText(), nullable=True),
    Column("requested_by", CleanText(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("idempotency_key", CleanText(), nullable=True),
    Column("pulse", JsonText(), nullable=True),  # {"score": 1..5, "comment": ...}: HR only
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # When the sequence is over (the end of its last due day, or the cancellation): the
    # retention period counts from here.
    Column("ended_at", UtcDateTime(), nullable=True),
    UniqueConstraint("idempotency_key", name="uq_onboardings_idempotency_key"),
    _one_of("state", ONBOARDING_STATES, "ck_onboardings_state"),
)

onboarding_steps = Table(
    "onboarding_steps",
    metadata,
    Column(
        "onboarding_id",
        CleanText(),
        ForeignKey("onboardings.id", name="fk_onboarding_steps_onboarding_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("step_id", CleanText(), nullable=False),
    Column("position", Integer(), nullable=False),  # order in the sequence
    Column("role", String(16), nullable=False),
    Column("due_date", Date(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("recipient_id", CleanText(), nullable=True),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("acknowledged_at", UtcDateTime(), nullable=True),
    PrimaryKeyConstraint("onboarding_id", "step_id", name="pk_onboarding_steps"),
    Index("ix_onboarding_steps_state_due_date", "state", "due_date"),
    _one_of("role", ROLES, "ck_onboarding_steps_role"),
    _one_of("state", STEP_STATES, "ck_onboarding_steps_state"),
)

introductions = Table(
    "introductions",
    metadata,
    Column("person_id", CleanText(), nullable=False),
    Column("team_id", CleanText(), nullable=False),
    Column("name", CleanText(), nullable=False),
    Column("role_text", CleanText(), nullable=False),
    Column("location_text", CleanText(), nullable=False),
    Column("languages_text", CleanText(), nullable=False),
    Column("about_text", CleanText(), nullable=False),
    Column("state", CleanText(), nullable=False),  # draft | posted | declined
    Column("channel_id", CleanText(), nullable=True),
    Column("posted_at", UtcDateTime(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("person_id", "team_id", name="pk_introductions"),
)
