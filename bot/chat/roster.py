"""What chat features need from the chat platform beyond replies: the members of a team or
chat (coffee finds sign-in names and @mentioned people, onboarding finds teammates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.records import ConversationRef


@dataclass(frozen=True)
class TeamMember:
    teams_id: str  # 29:...
    aad_object_id: str | None
    name: str
    upn: str | None = None


class TeamRoster(Protocol):
    async def members(self, team: ConversationRef) -> list[TeamMember]:
        """Everyone in the team of `team` (paged), or [] when Teams does not answer."""
