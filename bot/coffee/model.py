"""Virtual coffee: a participant's preferences, rounds and groups, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"

    @property
    def weeks(self) -> int:
        return {"weekly": 1, "biweekly": 2, "monthly": 4}[self.value]


class Scope(StrEnum):
    TEAM = "team"
    ORGANISATION = "organisation"
    EVERYONE = "everyone"


class GroupStatus(StrEnum):
    PLANNED = "planned"  # stored, not yet booked
    BOOKED = "booked"  # a meeting is in the calendars
    FALLBACK = "fallback"  # no booking: the card offers a chat and a meeting link
    CANCELLED = "cancelled"


class MeetingAnswer(StrEnum):
    YES = "yes"
    NO = "no"
    RESCHEDULED = "rescheduled"


LENGTHS = (15, 20, 30)
MAX_AVOID = 50


@dataclass(frozen=True)
class Participant:
    """Someone who opted in. Nobody is a participant by default."""

    person_id: str  # Entra object id: the authenticated user, never one from a payload
    conversation_id: str  # their 1:1 chat with the bot, where coffee cards go
    name: str = ""
    upn: str | None = None  # for Teams deep links (chat, new meeting) when nothing is booked
    tenant_id: str | None = None
    team_id: str | None = None
    organisation_id: str | None = None
    languages: frozenset[str] = frozenset({"fi"})
    frequency: Frequency = Frequency.WEEKLY
    group_size: int = 2
    scope: Scope = Scope.ORGANISATION
    weekdays: frozenset[int] = frozenset(range(5))
    day_start: time = time(9, 0)
    day_end: time = time(16, 0)
    length_minutes: int = 30
    avoid: frozenset[str] = frozenset()
    active: bool = True
    paused_until: date | None = None
    last_round: str | None = None  # key of the last round they were matched in
    joined_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.languages or not self.languages <= {"fi", "sv", "en"}:
            raise ValueError("languages must be a non-empty subset of fi, sv, en")
        if self.group_size not in (2, 3):
            raise ValueError("group size must be 2 or 3")
        if self.length_minutes not in LENGTHS:
            raise ValueError(f"meeting length must be one of {LENGTHS}")
        if not self.weekdays or not self.weekdays <= set(range(5)):
            raise ValueError("weekdays must be a non-empty subset of Monday..Friday")
        if not self.day_start < self.day_end:
            raise ValueError("the time window must end after it starts")
        if len(self.avoid) > MAX_AVOID or self.person_id in self.avoid:
            raise ValueError("the do-not-pair list is too long or names the person")


@dataclass(frozen=True)
class CoffeeGroup:
    id: int
    round_key: str
    members: tuple[str, ...]
    languages: frozenset[str]
    status: GroupStatus = GroupStatus.PLANNED
    event_id: str | None = None
    join_url: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    organizer_id: str | None = None
    note: str | None = None  # why there is no booking (fallback reason)


@dataclass(frozen=True)
class CoffeeRound:
    key: str  # coffee:2026-W49
    seed: int
    created_at: datetime
    groups: tuple[CoffeeGroup, ...] = field(default=())
    unmatched: tuple[tuple[str, str], ...] = field(default=())  # (person id, reason)
