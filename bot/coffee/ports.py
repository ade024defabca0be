"""What virtual coffee and onboarding need from a calendar service (Microsoft Graph in
production, implemented in bot/graph), as plain types and a protocol. Finding people is
the other port, bot/directory.py; both raise its ServiceError."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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
    async def free_busy(
        self, user_ids: list[str], start: datetime, end: datetime, interval_minutes: int
    ) -> dict[str, FreeBusy]:
        """Free/busy of each user (getSchedule; only free/busy is read, never subjects).
        Users Graph could not answer for are missing from the result. Raises ServiceError."""

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
        The same `transaction_id` never creates a second event. Raises ServiceError."""

    async def cancel_meeting(self, organizer_id: str, event_id: str) -> None:
        """Cancel a meeting the organizer owns (attendees get Teams' cancellation).
        Raises ServiceError."""
