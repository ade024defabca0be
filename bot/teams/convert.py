"""Activities (Bot Framework) → our own `Incoming`; `Reply` → activities."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity, TextFormatTypes

from bot.chat.model import ConversationKind, Incoming, Reply

_AT_TAG = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_KINDS = {"channel": ConversationKind.CHANNEL, "groupChat": ConversationKind.GROUP}


def _mentions_recipient(activity: Activity) -> bool:
    recipient_id = getattr(activity.recipient, "id", None)
    for entity in activity.entities or []:
        if (getattr(entity, "type", "") or "").lower() != "mention":
            continue
        mentioned = (getattr(entity, "additional_properties", None) or {}).get("mentioned")
        if isinstance(mentioned, Mapping) and mentioned.get("id") == recipient_id:
            return True
    return False


def _strip_mentions(text: str) -> str:
    """Remove `<at>…</at>` mention markup (of the bot or anyone) and tidy spaces."""
    return " ".join(_AT_TAG.sub(" ", text).split())


def _tenant_id(activity: Activity) -> str | None:
    channel_data = activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
    tenant = channel_data.get("tenant")
    if isinstance(tenant, Mapping) and isinstance(tenant.get("id"), str):
        return str(tenant["id"])
    conversation_tenant = getattr(activity.conversation, "tenant_id", None)
    return conversation_tenant if isinstance(conversation_tenant, str) else None


def to_incoming(activity: Activity) -> Incoming:
    """Our view of an authenticated activity. The user comes from `from`, nothing else."""
    sender = activity.from_property
    conversation = activity.conversation
    kind = _KINDS.get(
        getattr(conversation, "conversation_type", None) or "", ConversationKind.PERSONAL
    )
    text = activity.text if isinstance(activity.text, str) else ""
    value: Mapping[str, Any] | None = (
        activity.value if isinstance(activity.value, Mapping) else None
    )
    return Incoming(
        text=_strip_mentions(text),
        user_id=str(getattr(sender, "id", "") or ""),
        aad_object_id=getattr(sender, "aad_object_id", None),
        user_name=str(getattr(sender, "name", "") or ""),
        conversation_id=str(getattr(conversation, "id", "") or ""),
        kind=kind,
        tenant_id=_tenant_id(activity),
        locale=activity.locale if isinstance(activity.locale, str) else None,
        mentioned=_mentions_recipient(activity),
        value=value,
    )


def to_activities(reply: Reply) -> list[Activity]:
    """Plain text goes out as plain text so user words are never rendered as markup."""
    activities: list[Activity] = []
    if reply.text is not None:
        message = MessageFactory.text(reply.text)
        message.text_format = TextFormatTypes.plain
        activities.append(message)
    if reply.card is not None:
        activities.append(MessageFactory.attachment(CardFactory.adaptive_card(reply.card)))
    for extra in reply.extra:
        activities.extend(to_activities(extra))
    return activities
