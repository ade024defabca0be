"""Onboarding as plain data: sequences (from the content pack), started onboardings, steps,
and newcomer introductions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    NEWCOMER = "newcomer"
    BUDDY = "buddy"
    MANAGER = "manager"
    TEAM = "team"  # the team's channel


class StepState(StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OnboardingState(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


@dataclass(frozen=True)
class OnboardingRequest:
    """A validated HR request (POST /api/onboarding or the HR chat command)."""

    employee_id: str  # Entra object id, resolved from an id or UPN
    employee_name: str
    start_date: date
    sequence: str = "default"
    language: str = "fi"
    team_id: str | None = None
    buddy_id: str | None = None
    manager_id: str | None = None
    requested_by: str = ""  # who started it (HR user's object id, or "api-key")


@dataclass(frozen=True)
class OnboardingStep:
    step_id: str  # id of the step in the sequence
    role: Role
    due_date: date
    state: StepState = StepState.SCHEDULED
    recipient_id: str | None = None  # person object id, or team id for Role.TEAM
    sent_at: datetime | None = None
    acknowledged_at: datetime | None = None


@dataclass(frozen=True)
class Onboarding:
    id: str  # opaque, e.g. a UUID
    request: OnboardingRequest
    state: OnboardingState
    created_at: datetime
    steps: tuple[OnboardingStep, ...] = ()
    idempotency_key: str | None = None
    pulse: dict[str, Any] = field(default_factory=dict)  # {"score": 1..5, "comment": str} — HR only


@dataclass(frozen=True)
class Introduction:
    """A newcomer's introduction: nothing is posted without their confirmation."""

    person_id: str
    team_id: str
    name: str
    role_text: str = ""
    location_text: str = ""
    languages_text: str = ""
    about_text: str = ""
    state: str = "draft"  # draft | posted | declined
    channel_id: str | None = None
    posted_at: datetime | None = None
