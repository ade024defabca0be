"""What the delivery pipeline needs from the outside world, as protocols the edge implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.chat.model import Reply
from bot.records import ConversationRef


@dataclass(frozen=True)
class SendResult:
    """How one proactive send went.

    `status` is the HTTP status of the connector's answer, None when there was none.
    `request_sent` is False when the request never left (connection refused): retrying is
    then safe. `timed_out` means it left but no answer came: it may or may not have arrived.
    """

    status: int | None
    retry_after: float | None = None
    request_sent: bool = True
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class ProactivePort(Protocol):
    async def send(self, ref: ConversationRef, reply: Reply) -> SendResult:
        """Post the reply's activities into the conversation (no retries: the caller decides)."""

    async def create_personal(
        self, service_url: str, tenant_id: str | None, user_id: str
    ) -> tuple[str | None, SendResult]:
        """Open the 1:1 chat with a user; (conversation id, result)."""

    def personal_reference(
        self, recipient: str, conversation_id: str, service_url: str, tenant_id: str | None
    ) -> ConversationRef:
        """The storable reference of a 1:1 chat `create_personal` opened, kept under
        `recipient` (person:<Entra id>). The edge makes it: its shape is the channel's."""
