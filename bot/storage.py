"""The storage port (`Store`): whole verbs, each one transaction. Ground floor: the kernel,
jobs/ and the features depend on this protocol, never on its implementation in bot/store.
Every implementation passes the contract suite in tests/store/ (SQLite always, PostgreSQL
when TEST_DATABASE_URL is set).

All datetimes are timezone-aware UTC; dates are local calendar dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.records import (
    ConversationRef,
    Delivery,
    DeliveryReport,
    MissCount,
    NewDelivery,
    Outcome,
    Person,
    Subscription,
)


class Store(Protocol):
    # --- lifecycle ---------------------------------------------------------------
    async def close(self) -> None: ...

    # --- conversations and people ---------------------------------------------------
    async def save_reference(self, ref: ConversationRef) -> None:
        """Insert or update (and reactivate) a conversation reference."""

    async def get_reference(self, conversation_id: str) -> ConversationRef | None: ...

    async def get_references(self, conversation_ids: Sequence[str]) -> dict[str, ConversationRef]:
        """The references among `conversation_ids` that exist (active or not), by id; ids
        without a reference are left out. One read however many ids are asked for."""

    async def deactivate_reference(self, conversation_id: str) -> None:
        """The bot was removed or blocked (403/404): stop writing there, keep the row."""

    async def save_person(self, person: Person) -> None: ...

    async def get_person(self, aad_object_id: str) -> Person | None: ...

    # --- subscriptions and tip rotation ------------------------------------------------
    async def subscribe(self, subscription: Subscription) -> None:
        """Insert or update; clears a pause."""

    async def unsubscribe(self, conversation_id: str, kind: str) -> bool:
        """True if there was a subscription to remove."""

    async def pause(self, conversation_id: str, kind: str, until: date) -> bool:
        """True if the subscription exists (and is now paused until `until`, inclusive)."""

    async def get_subscription(self, conversation_id: str, kind: str) -> Subscription | None: ...

    async def due_subscriptions(self, kind: str, on: date) -> list[Subscription]:
        """Subscriptions of `kind` not paused on `on`, whose conversation reference is active."""

    async def record_tip(self, conversation_id: str, entry_id: str, at: datetime) -> None: ...

    async def record_tips(self, items: Sequence[tuple[str, str]], at: datetime) -> None:
        """`record_tip` for each (conversation_id, entry_id) pair, in one transaction."""

    async def tips_seen(self, conversation_id: str) -> set[str]:
        """Entry ids sent in the current rotation cycle."""

    async def reset_tips(self, conversation_id: str) -> None:
        """Start a new cycle (all tips seen)."""

    # --- feedback, misses, incoming de-duplication -------------------------------------
    async def record_feedback(self, entry_id: str, helpful: bool, at: datetime) -> None: ...

    async def feedback_counts(self, entry_id: str) -> tuple[int, int]:
        """(helpful, not helpful)."""

    async def record_miss(self, question: str, lang: str, outcome: str, at: datetime) -> None: ...

    async def misses(self) -> list[MissCount]:
        """Grouped by normalised question, most frequent first."""

    async def first_time_seen(self, conversation_id: str, activity_id: str, at: datetime) -> bool:
        """Record an incoming activity; False if it was already handled (Teams re-posts)."""

    async def forget_activities_before(self, before: datetime) -> int: ...

    # --- delivery pipeline ------------------------------------------------------------
    async def create_occurrence(
        self, key: str, schedule: str, deliveries: Sequence[NewDelivery], at: datetime
    ) -> bool:
        """Atomically create the occurrence and its deliveries. False (and nothing written)
        if an occurrence with this key already exists — restarts and replicas race safely."""

    async def occurrence_exists(self, key: str) -> bool: ...

    async def claim_deliveries(
        self, owner: str, limit: int, lease_seconds: float, now: datetime
    ) -> list[Delivery]:
        """Claim up to `limit` deliveries that are pending and due, or whose lease expired
        (a crashed sender), and mark them sending with a lease. Safe with concurrent senders:
        no delivery is claimed by two live leases (PostgreSQL: FOR UPDATE SKIP LOCKED)."""

    async def finish_delivery(
        self,
        delivery_id: int,
        owner: str,
        outcome: Outcome,
        status: int | None,
        now: datetime,
        next_attempt_at: datetime | None = None,
    ) -> bool:
        """Record the outcome of a claimed delivery; False if the lease was lost to another
        sender (the result is then ignored). RETRY → pending at `next_attempt_at`; RELEASED →
        pending now, without counting the claim as an attempt;
        UNKNOWN with must_arrive → pending again; UNKNOWN otherwise → unknown (final)."""

    async def finish_deliveries(
        self,
        owner: str,
        items: Sequence[tuple[int, Outcome, int | None, datetime | None]],
        now: datetime,
    ) -> set[int]:
        """`finish_delivery` for each (delivery_id, outcome, status, next_attempt_at), in one
        transaction, in the order given; returns the ids whose lease `owner` still held (a
        repeated id is recorded once, by its first item). If the transaction fails, none is
        recorded."""

    async def delivery_report(self, occurrence_key: str | None = None) -> DeliveryReport: ...

    async def cancel_pending(self, recipient: str, schedules: Sequence[str], now: datetime) -> int:
        """Give up the still pending deliveries of these schedules to one recipient (an
        unsubscribe or pause takes effect before the next send). Returns how many."""

    async def pending_count(self, now: datetime) -> int:
        """Deliveries waiting to be sent (pending or with an expired lease)."""

    async def set_throttle_until(self, until: datetime) -> None:
        """A 429 seen by any sender: every sender waits until then (keeps the later time)."""

    async def throttle_until(self) -> datetime | None: ...

    async def sender_alive(self, owner: str, now: datetime, within_seconds: float) -> int:
        """Note that the sender `owner` is running; returns how many other senders were seen
        within `within_seconds` (they share the tenant's budget)."""

    async def sender_gone(self, owner: str) -> None:
        """The sender `owner` stopped: the others need not leave it a share."""
