"""Plain records that the store keeps and returns: conversations, people, subscriptions,
deliveries and their outcomes.

Ground floor: the kernel, jobs/, the features and the edges all speak in these types, and
bot/store implements the storage behind them. No ORM objects leave bot/store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; the lease says until when
    SENT = "sent"
    FAILED = "failed"  # final: 403/404, or retries exhausted
    UNKNOWN = "unknown"  # timed out after the request left: may or may not have arrived


class Outcome(StrEnum):
    """What a sender reports for one claimed delivery."""

    SENT = "sent"
    RETRY = "retry"  # transient failure: back to pending at `next_attempt_at`
    FAILED = "failed"
    UNKNOWN = "unknown"
    # Claimed but not attempted (the sender stopped, or a 429 paused every sender): back to
    # pending, due at once, and the claim does not count as an attempt.
    RELEASED = "released"


@dataclass(frozen=True)
class ConversationRef:
    """Where the bot can write proactively. `reference` is the SDK's ConversationReference as a
    plain JSON dict (serialised by the edge), so rows never hold pickles."""

    conversation_id: str
    kind: str  # personal | channel | groupChat
    tenant_id: str | None
    service_url: str
    reference: dict[str, Any]
    user_aad_id: str | None = None  # for personal chats
    team_id: str | None = None  # for channels
    active: bool = True


@dataclass(frozen=True)
class Person:
    aad_object_id: str
    name: str = ""
    language: str = "fi"
    time_zone: str = "Europe/Helsinki"
    tenant_id: str | None = None
    teams_user_id: str | None = None


@dataclass(frozen=True)
class Subscription:
    """A conversation (a person's 1:1 chat or a channel) subscribed to a kind of card."""

    conversation_id: str
    kind: str  # tips | nudges
    language: str
    paused_until: date | None = None
    created_by: str | None = None  # AAD object id of who subscribed it


@dataclass(frozen=True)
class NewDelivery:
    recipient: str  # conversation id
    payload: dict[str, Any]  # plain JSON from jobs.deliveries.to_json: kind tag, version, fields
    must_arrive: bool = False  # resend when the outcome is unknown (onboarding, coffee)


@dataclass(frozen=True)
class Delivery:
    id: int
    occurrence_key: str
    recipient: str
    payload: dict[str, Any]
    state: DeliveryState
    attempts: int
    must_arrive: bool
    last_status: int | None = None
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None


@dataclass(frozen=True)
class DeliveryReport:
    counts: dict[str, int] = field(default_factory=dict)  # state → number
    failures: list[Delivery] = field(default_factory=list)  # failed and unknown, newest first


@dataclass(frozen=True)
class MissCount:
    question: str
    lang: str
    outcome: str
    count: int
