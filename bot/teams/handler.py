"""The Teams activity handler: the only place where activities meet our chat core.

It converts each activity once into our own event (bot/chat/events.py), hands it to the
core and sends what comes back. Every decision (ignore, remember, welcome, who joined) is
the core's; what is left here is the Bot Framework's shape of things.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from http import HTTPStatus

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    ChannelAccount,
)

from bot.chat.events import (
    CardActed,
    ChatCore,
    Installed,
    MembersAdded,
    MembersRemoved,
    MessageReceived,
    Uninstalled,
)
from bot.chat.feature import Member
from bot.chat.model import Incoming, Reply
from bot.records import ConversationRef
from bot.retry import RetryPolicy, parse_retry_after
from bot.teams.convert import team_id_of, to_activities, to_incoming, to_reference
from bot.texts import t

log = logging.getLogger(__name__)

CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
INCOMING = "yhteisobotti.incoming"  # turn state: the activity as our `Incoming`, made once


def _status_of(error: BaseException) -> tuple[int | None, float | None]:
    """HTTP status and Retry-After of a failed connector call, if it had a response."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    retry_after = parse_retry_after(headers.get("Retry-After") if hasattr(headers, "get") else None)
    return (int(status) if isinstance(status, int) else None), retry_after


class TeamsBot(ActivityHandler):  # type: ignore[misc]
    """Turns activities into our events, runs the chat core, sends the `Reply`."""

    def __init__(
        self, core: ChatCore, retry: RetryPolicy | None = None, seed: int | None = None
    ) -> None:
        super().__init__()
        self.core = core
        self.retry = retry or RetryPolicy()
        self._rng = random.Random(seed)

    async def on_turn(self, turn_context: TurnContext) -> None:
        turn_context.turn_state[INCOMING] = to_incoming(turn_context.activity)
        await super().on_turn(turn_context)

    # --- messages -----------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        event = MessageReceived(
            incoming=_incoming(turn_context),
            reference=_reference(turn_context),
            activity_id=str(activity.id) if activity.id and activity.conversation else None,
        )
        reply = await self.core.message(event)
        if reply is not None:
            await self.send(turn_context, reply)

    # --- installation and membership -----------------------------------------------

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        activity = turn_context.activity
        recipient_id = activity.recipient.id
        bot_added = any(member.id == recipient_id for member in members_added or [])
        event = MembersAdded(
            incoming=_incoming(turn_context),
            reference=_reference(turn_context) if bot_added else None,
            bot_added=bot_added,
            members=tuple(_member(member) for member in members_added or []),
            team_id=team_id_of(activity),
            service_url=str(activity.service_url or ""),
        )
        reply = await self.core.members_added(event)
        if reply is not None:
            await self.send(turn_context, reply)

    async def on_members_removed_activity(
        self, members_removed: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        recipient_id = turn_context.activity.recipient.id
        bot_removed = any(member.id == recipient_id for member in members_removed or [])
        await self.core.members_removed(MembersRemoved(_incoming(turn_context), bot_removed))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        reply = await self.core.installed(
            Installed(_incoming(turn_context), _reference(turn_context))
        )
        if reply is not None:
            await self.send(turn_context, reply)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self.core.uninstalled(Uninstalled(_incoming(turn_context)))

    # --- card actions (invoke) -------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Handle `adaptiveCard/action` ourselves.

        The SDK's own path serialises an invoke body twice and answers 500, so we build
        the `InvokeResponse` with an msrest model body, which is serialised once.
        """
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            # Invokes we do not implement (sign-in, message extensions, ...) are accepted
            # and ignored, like unknown activity types: Teams shows nothing to the user.
            return InvokeResponse(status=int(HTTPStatus.OK))
        value: Mapping[str, object] = activity.value if isinstance(activity.value, Mapping) else {}
        raw_action = value.get("action")
        action: Mapping[str, object] = raw_action if isinstance(raw_action, Mapping) else {}
        event = CardActed(_incoming(turn_context), action.get("verb"), action.get("data"))
        return self._invoke_response(await self.core.card_action(event))

    @staticmethod
    def _invoke_response(reply: Reply) -> InvokeResponse:
        if reply.card is not None:
            body = AdaptiveCardInvokeResponse(status_code=200, type=CARD_RESPONSE, value=reply.card)
            return InvokeResponse(status=int(HTTPStatus.OK), body=body)
        # A message response carries a string value, which the msrest model cannot hold.
        message = {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": reply.text or ""}
        return InvokeResponse(status=int(HTTPStatus.OK), body=message)

    # --- sending ---------------------------------------------------------------------

    async def send(self, turn_context: TurnContext, reply: Reply) -> None:
        """Send every activity of the reply, retrying transient failures within the deadline."""
        deadline = time.monotonic() + self.retry.deadline_seconds
        for activity in to_activities(reply):
            await self._send_one(turn_context, activity, deadline)

    async def _send_one(
        self, turn_context: TurnContext, activity: Activity, deadline: float
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning(
                    "gave up sending a reply: deadline reached after %d attempts", attempt - 1
                )
                return
            try:
                await asyncio.wait_for(turn_context.send_activity(activity), timeout=remaining)
                return
            except TimeoutError:
                log.warning("sending a reply timed out; not retried, the outcome is unknown")
                return
            except Exception as error:  # the connector raises msrest errors of several kinds
                status, retry_after = _status_of(error)
                if not self.retry.should_retry(status, attempt):
                    log.warning(
                        "sending a reply failed with status %s: %s", status, type(error).__name__
                    )
                    return
                wait = self.retry.delay(attempt, retry_after, self._rng)
                if time.monotonic() + wait >= deadline:
                    log.warning(
                        "sending a reply failed with status %s; no time left to retry", status
                    )
                    return
                await asyncio.sleep(wait)


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Last resort for an exception in a turn: log it (no personal data) and apologise."""
    log.error("unhandled error in a turn: %s", type(error).__name__, exc_info=error)
    if turn_context.activity.type == ActivityTypes.message:
        incoming = _incoming(turn_context)
        lang = incoming.locale_language or "fi"
        try:
            await turn_context.send_activity(t("error.generic", lang))
        except Exception:
            log.warning("could not send the error message either")


def _incoming(turn_context: TurnContext) -> Incoming:
    """The activity as our `Incoming`: made once per turn in `on_turn`."""
    incoming = turn_context.turn_state.get(INCOMING)
    if isinstance(incoming, Incoming):
        return incoming
    incoming = to_incoming(turn_context.activity)
    turn_context.turn_state[INCOMING] = incoming
    return incoming


def _reference(turn_context: TurnContext) -> ConversationRef | None:
    """The storable reference of the activity's conversation, None if it cannot be made."""
    try:
        return to_reference(turn_context.activity, _incoming(turn_context))
    except Exception:
        log.warning("could not make a conversation reference", exc_info=True)
        return None


def _member(account: ChannelAccount) -> Member:
    aad = getattr(account, "aad_object_id", None)
    return Member(
        teams_id=str(account.id or ""),
        aad_object_id=str(aad) if aad else None,
        name=str(getattr(account, "name", "") or ""),
    )
