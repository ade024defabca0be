"""Activities (Bot Framework) → our own `Incoming`; `Reply` → activities."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, TextFormatTypes

from bot.chat.model import ConversationKind, Incoming, Reply
from bot.records import ConversationRef

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


def _mentioned_people(activity: Activity) -> tuple[tuple[str, str], ...]:
    """(name, Teams id) of everyone mentioned except the bot."""
    recipient_id = getattr(activity.recipient, "id", None)
    people: list[tuple[str, str]] = []
    for entity in activity.entities or []:
        if (getattr(entity, "type", "") or "").lower() != "mention":
            continue
        mentioned = (getattr(entity, "additional_properties", None) or {}).get("mentioned")
        if not isinstance(mentioned, Mapping):
            continue
        person_id, name = mentioned.get("id"), mentioned.get("name")
        if isinstance(person_id, str) and person_id != recipient_id:
            people.append((name if isinstance(name, str) else "", person_id))
    return tuple(people[:10])


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
        mentions=_mentioned_people(activity),
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


def personal_reference(
    recipient: str, conversation_id: str, service_url: str, tenant_id: str | None
) -> ConversationRef:
    """The reference of a 1:1 chat the bot opened itself (POST /v3/conversations), kept under
    the person's address `recipient` (person:<Entra id>)."""
    return ConversationRef(
        conversation_id=recipient,
        kind="personal",
        tenant_id=tenant_id,
        service_url=service_url,
        reference={
            "conversation": {"id": conversation_id, "conversationType": "personal"},
            "serviceUrl": service_url,
            "channelId": "msteams",
        },
        user_aad_id=recipient.split(":", 1)[1],
    )


def team_id_of(activity: Activity) -> str | None:
    """The team of a channel activity (from channelData), None outside teams."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
    team = channel_data.get("team")
    team_id = team.get("id") if isinstance(team, Mapping) else None
    return team_id if isinstance(team_id, str) else None


def to_reference(activity: Activity, incoming: Incoming) -> ConversationRef:
    """A storable conversation reference (plain JSON) for proactive sends; `incoming` is the
    same activity already converted.

    Channel references point at the channel itself, not the thread the message was in, so
    a scheduled card starts a new post.
    """
    reference = TurnContext.get_conversation_reference(activity)
    root = incoming.root_conversation_id
    if reference.conversation is not None:
        reference.conversation.id = root
    return ConversationRef(
        conversation_id=root,
        kind=incoming.kind.value,
        tenant_id=incoming.tenant_id,
        service_url=str(activity.service_url or ""),
        reference=reference.serialize(),
        user_aad_id=incoming.aad_object_id if incoming.kind is ConversationKind.PERSONAL else None,
        team_id=team_id_of(activity),
    )
