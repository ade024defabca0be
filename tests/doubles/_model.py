"""People and places of a Teams tenant, shared by the connector double and the driver."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_TENANT_ID",
    "Channel",
    "Team",
    "TeamsUser",
    "channel_thread_id",
    "personal_conversation_id",
    "root_conversation_id",
]

DEFAULT_TENANT_ID = "72f988bf-0000-4000-8000-00000000f1f1"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _slug(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.lower())
    ascii_only = "".join(c for c in decomposed if (c.isascii() and c.isalnum()) or c == " ")
    return ".".join(ascii_only.split()) or "user"


@dataclass(frozen=True, slots=True)
class TeamsUser:
    """A person as Teams shows them to a bot (a ``TeamsChannelAccount``)."""

    id: str
    """Teams user id, ``29:...`` (scoped to the bot)."""
    name: str
    aad_object_id: str
    email: str | None = None
    user_principal_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    tenant_id: str = DEFAULT_TENANT_ID
    user_role: str = "user"

    @classmethod
    def make(
        cls,
        name: str,
        *,
        tenant_id: str = DEFAULT_TENANT_ID,
        domain: str = "virasto.example",
        user_role: str = "user",
    ) -> TeamsUser:
        """A user with ids derived from ``name`` (stable across runs)."""
        digest = _digest(tenant_id, name)
        parts = name.split()
        upn = f"{_slug(name)}@{domain}"
        return cls(
            id=f"29:1{digest[:40]}",
            name=name,
            aad_object_id=str(uuid.UUID(digest[:32])),
            email=upn,
            user_principal_name=upn,
            given_name=parts[0] if parts else None,
            surname=" ".join(parts[1:]) or None,
            tenant_id=tenant_id,
            user_role=user_role,
        )

    def account(self) -> dict[str, Any]:
        """``from``/``membersAdded`` shape: id, name, aadObjectId."""
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}

    def channel_account(self) -> dict[str, Any]:
        """The full ``TeamsChannelAccount`` the connector returns in member lists."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.email,
            "userPrincipalName": self.user_principal_name,
            "tenantId": self.tenant_id,
            "userRole": self.user_role,
        }
        return {k: v for k, v in data.items() if v is not None}


@dataclass(slots=True)
class Channel:
    id: str
    name: str | None
    """None for the General channel: Teams returns no name for it."""


@dataclass(slots=True)
class Team:
    id: str
    name: str
    aad_group_id: str
    tenant_id: str
    channels: list[Channel] = field(default_factory=list)
    members: list[TeamsUser] = field(default_factory=list)

    @property
    def general(self) -> Channel:
        return self.channels[0]

    def channel(self, channel_id: str) -> Channel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def ref(self) -> dict[str, Any]:
        """``channelData.team`` shape."""
        return {"id": self.id, "name": self.name, "aadGroupId": self.aad_group_id}

    def details(self) -> dict[str, Any]:
        """``TeamDetails`` shape."""
        return {
            "id": self.id,
            "name": self.name,
            "aadGroupId": self.aad_group_id,
            "channelCount": len(self.channels),
            "memberCount": len(self.members),
            "type": "standard",
        }

    @staticmethod
    def new_thread_id(seed: str) -> str:
        return f"19:{_digest('thread', seed)[:32]}@thread.tacv2"


def personal_conversation_id(user_id: str) -> str:
    """The 1:1 conversation id of a user with the bot (stable, shaped like Teams' ``a:1...``)."""
    return f"a:1{_digest('personal', user_id)[:48]}"


def channel_thread_id(channel_id: str, message_id: str) -> str:
    """Conversation id of a channel thread, as Teams sends it: ``<channel>;messageid=<root>``."""
    return f"{channel_id};messageid={message_id}"


def root_conversation_id(conversation_id: str) -> str:
    """The channel (or chat) part of a conversation id, without ``;messageid=...``."""
    return conversation_id.split(";messageid=", 1)[0]
