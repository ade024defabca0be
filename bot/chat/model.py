"""Our own types for what arrives from and goes back to a chat, independent of any SDK."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.i18n import Language, to_language


class ConversationKind(StrEnum):
    PERSONAL = "personal"
    CHANNEL = "channel"
    GROUP = "groupChat"


@dataclass(frozen=True)
class Incoming:
    """A message or card action, already authenticated by the edge.

    `user_id` and `aad_object_id` come from the authenticated activity; card payloads
    never override them.
    """

    text: str
    user_id: str
    conversation_id: str
    kind: ConversationKind = ConversationKind.PERSONAL
    aad_object_id: str | None = None
    user_name: str = ""
    tenant_id: str | None = None
    locale: str | None = None
    mentioned: bool = False
    value: Mapping[str, Any] | None = None
    mentions: tuple[tuple[str, str], ...] = ()  # (name, Teams user id) of people mentioned

    @property
    def root_conversation_id(self) -> str:
        """The conversation without a channel thread suffix (`;messageid=…`): where
        subscriptions live and where proactive cards start a new post."""
        return self.conversation_id.split(";", 1)[0]

    @property
    def locale_language(self) -> Language | None:
        """The user's client language if it is one of ours (fi-FI → fi)."""
        return to_language(self.locale)


@dataclass(frozen=True)
class Reply:
    """What to send back: a plain text, a card, or both (text first)."""

    text: str | None = None
    card: dict[str, Any] | None = None
    lang: Language = "fi"
    extra: tuple[Reply, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return self.text is None and self.card is None


def person_recipient(person_id: str) -> str:
    """Deliveries to a person (not a conversation): the sender opens a 1:1 chat if needed.
    A personal chat's reference is also kept under this address."""
    return f"person:{person_id}"
