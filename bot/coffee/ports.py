"""What virtual coffee and onboarding need from a calendar service (Microsoft Graph in
production, implemented in bot/graph), as plain types and a protocol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class CalendarErrorKind(StrEnum):
    NOT_CONFIGURED = "not_configured"  # no Graph credentials in the settings
    PERMISSION_DENIED = "permission_denied"  # 401/403: the app lacks a permission
    NOT_FOUND = "not_found"  # the user does not exist (or has no mailbox)
    THROTTLED = "throttled"  # still 429 after the SDK's own retries
    UNAVAILABLE = "unavailable"  # 5xx, timeouts, network


class CalendarError(Exception):
    def __init__(self, kind: CalendarErrorKind, detail: str = "") -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class DirectoryUser:
    id: str  # Entra ID object id
    display_name: str
    mail: str | None
    user_principal_name: str | None
    preferred_language: str | None = None  # e.g. "fi-FI"


@dataclass(frozen=True)
class FreeBusy:
    """One person's availability from `start` in steps of `interval_minutes`.

    `view` has one digit per step: 0 free, 1 tentative, 2 busy, 3 out of office,
    4 working elsewhere (Graph's availabilityView).
    """

    user_id: str
    start: datetime  # timezone-aware
    interval_minutes: int
    view: str


@dataclass(frozen=True)
class BookedMeeting:
    event_id: str
    join_url: str | None
    start: datetime
    end: datetime


class CalendarPort(Protocol):
    async def find_user(self, id_or_upn: str) -> DirectoryUser | None:
        """The user by object id or UPN/mail; None if there is none. Raises CalendarError."""

    async def free_busy(
        self, user_ids: list[str], start: datetime, end: datetime, interval_minutes: int
    ) -> dict[str, FreeBusy]:
        """Free/busy of each user (getSchedule; only free/busy is read, never subjects).
        Users Graph could not answer for are missing from the result. Raises CalendarError."""

    async def create_meeting(
        self,
        organizer_id: str,
        attendee_ids: list[str],
        subject: str,
        body_html: str,
        start: datetime,
        end: datetime,
        transaction_id: str,
    ) -> BookedMeeting:
        """An online Teams meeting in the organizer's calendar with the attendees invited.
        The same `transaction_id` never creates a second event. Raises CalendarError."""

    async def cancel_meeting(self, organizer_id: str, event_id: str) -> None:
        """Cancel a meeting the organizer owns (attendees get Teams' cancellation).
        Raises CalendarError."""
