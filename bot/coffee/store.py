"""The storage verbs virtual coffee needs (implemented in bot/store for SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.coffee.model import CoffeeGroup, CoffeeRound, MeetingAnswer, Participant


class CoffeeStore(Protocol):
    async def save_participant(self, participant: Participant) -> None:
        """Insert or replace a participant's row (preferences, activity, pause)."""

    async def get_participant(self, person_id: str) -> Participant | None: ...

    async def participants(self, *, active_only: bool = True) -> list[Participant]: ...

    async def erase_person(self, person_id: str) -> int:
        """Delete the person's coffee data: participation, answers, and the past groups they
        were in (rounds keep their other groups). Returns the number of rows removed."""

    async def create_round(
        self,
        key: str,
        seed: int,
        groups: Sequence[tuple[tuple[str, ...], frozenset[str]]],
        unmatched: Sequence[tuple[str, str]],
        at: datetime,
    ) -> bool:
        """Store a round and all its groups in one transaction, and mark each member's
        last round. False (nothing written) if the round exists: a retry never reshuffles."""

    async def get_round(self, key: str) -> CoffeeRound | None: ...

    async def recent_rounds(self, limit: int) -> list[CoffeeRound]:
        """The last `limit` rounds, oldest first (for the no-repeat window)."""

    async def get_group(self, group_id: int) -> CoffeeGroup | None: ...

    async def update_group(self, group: CoffeeGroup) -> None:
        """Save the booking fields of a group (status, event, join URL, times, note)."""

    async def record_answer(
        self, group_id: int, person_id: str, answer: MeetingAnswer, at: datetime
    ) -> bool:
        """'Did you meet?' — once per person and group (a second answer replaces the first).
        False if the person is not in the group."""

    async def answer_counts(self, since: datetime | None = None) -> dict[str, int]:
        """Answers for the organisation's statistics; never per person."""

    async def delete_rounds_before(self, before: datetime) -> int:
        """Privacy: forget round history older than the repeat window plus a margin."""
