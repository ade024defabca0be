"""The Teams activity handler: the only place where activities meet our chat core."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from http import HTTPStatus

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    ChannelAccount,
)

from bot.chat.actions import perform
from bot.chat.handlers import ChatDeps
from bot.chat.model import ConversationKind, Incoming, Reply
from bot.chat.routes import dispatch
from bot.onboarding.chat import newcomer_joined
from bot.onboarding.planner import person_recipient
from bot.retry import RetryPolicy, parse_retry_after
from bot.store.model import Person
from bot.teams.convert import to_activities, to_incoming, to_reference
from bot.texts import t
from cards.browse import welcome_card

log = logging.getLogger(__name__)

CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
WELCOME_MEMORY_SECONDS = 600.0
WELCOME_MEMORY_SIZE = 10_000


def _status_of(error: BaseException) -> tuple[int | None, float | None]:
    """HTTP status and Retry-After of a failed connector call, if it had a response."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    retry_after = parse_retry_after(headers.get("Retry-After") if hasattr(headers, "get") else None)
    return (int(status) if isinstance(status, int) else None), retry_after


class TeamsBot(ActivityHandler):  # type: ignore[misc]
    """Turns activities into `Incoming`, runs the chat core, sends the `Reply`."""

    def __init__(
        self, deps: ChatDeps, retry: RetryPolicy | None = None, seed: int | None = None
    ) -> None:
        super().__init__()
        self.deps = deps
        self.retry = retry or RetryPolicy()
        self._rng = random.Random(seed)
        self._welcomed: OrderedDict[str, float] = OrderedDict()

    # --- conversation references and duplicates ---------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.type == ActivityTypes.message and not await self._first_time(activity):
            log.info("duplicate activity ignored (Teams re-posted it)")
            return
        await super().on_turn(turn_context)

    async def _first_time(self, activity: Activity) -> bool:
        if not activity.id or not activity.conversation:
            return True
        try:
            return await self.deps.store.first_time_seen(
                str(activity.conversation.id), str(activity.id), self.deps.clock()
            )
        except Exception:  # the database is down: answering twice beats not answering
            log.warning("could not check for a duplicate activity", exc_info=True)
            return True

    async def _remember(self, turn_context: TurnContext) -> None:
        """Keep the conversation reference so tips, nudges and matches can be sent later.

        A personal chat is also remembered under `person:<Entra id>`, the address that
        onboarding and coffee use for people, and the person's name and language are kept.
        """
        activity = turn_context.activity
        try:
            ref = to_reference(activity)
            await self.deps.store.save_reference(ref)
            incoming = to_incoming(activity)
            if ref.kind == ConversationKind.PERSONAL.value and incoming.aad_object_id:
                await self.deps.store.save_reference(
                    replace(ref, conversation_id=person_recipient(incoming.aad_object_id))
                )
                await self.deps.store.save_person(
                    Person(
                        aad_object_id=incoming.aad_object_id,
                        name=incoming.user_name,
                        language=self.deps.language_for(incoming),
                        tenant_id=incoming.tenant_id,
                        teams_user_id=incoming.user_id,
                    )
                )
        except Exception:
            log.warning("could not save a conversation reference", exc_info=True)

    async def _forget(self, turn_context: TurnContext) -> None:
        conversation_id = str(turn_context.activity.conversation.id).split(";", 1)[0]
        try:
            await self.deps.store.deactivate_reference(conversation_id)
        except Exception:
            log.warning("could not deactivate a conversation reference", exc_info=True)

    # --- messages -----------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        incoming = to_incoming(turn_context.activity)
        if incoming.kind is not ConversationKind.PERSONAL and not incoming.mentioned:
            return  # in channels and group chats the bot speaks only when spoken to
        await self._remember(turn_context)
        if incoming.value is not None and "verb" in incoming.value:
            reply = await perform(incoming, incoming.value.get("verb"), incoming.value, self.deps)
        else:
            reply = await dispatch(incoming, self.deps)
        await self.send(turn_context, reply)

    # --- installation and membership -----------------------------------------------

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        recipient_id = turn_context.activity.recipient.id
        if any(member.id == recipient_id for member in members_added or []):
            await self._remember(turn_context)
            await self._welcome(turn_context)
            return
        await self._newcomers(turn_context, members_added or [])

    async def _newcomers(self, turn_context: TurnContext, members: list[ChannelAccount]) -> None:
        """Someone joined a team the bot is in: welcome them with the introduction form."""
        activity = turn_context.activity
        incoming = to_incoming(activity)
        channel_data = activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
        team = channel_data.get("team")
        team_id = team.get("id") if isinstance(team, Mapping) else None
        if not isinstance(team_id, str):
            return  # only team membership starts an introduction
        for member in members:
            aad = getattr(member, "aad_object_id", None)
            if not aad or not member.id:
                continue
            try:
                await newcomer_joined(
                    self.deps,
                    team_id=team_id,
                    teams_user_id=str(member.id),
                    aad_object_id=str(aad),
                    name=str(getattr(member, "name", "") or ""),
                    service_url=str(activity.service_url or ""),
                    tenant_id=incoming.tenant_id,
                    lang=self.deps.default_language,
                )
            except Exception:
                log.warning("could not start a newcomer's introduction", exc_info=True)

    async def on_members_removed_activity(
        self, members_removed: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        recipient_id = turn_context.activity.recipient.id
        if any(member.id == recipient_id for member in members_removed or []):
            await self._forget(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context)
        await self._welcome(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self._forget(turn_context)

    async def _welcome(self, turn_context: TurnContext) -> None:
        """One welcome per conversation: Teams sends conversationUpdate and installationUpdate."""
        conversation_id = str(turn_context.activity.conversation.id)
        now = time.monotonic()
        seen = self._welcomed.get(conversation_id)
        if seen is not None and now - seen < WELCOME_MEMORY_SECONDS:
            return
        self._welcomed[conversation_id] = now
        self._welcomed.move_to_end(conversation_id)
        while len(self._welcomed) > WELCOME_MEMORY_SIZE:
            self._welcomed.popitem(last=False)
        incoming = to_incoming(turn_context.activity)
        lang = self.deps.language_for(incoming)
        await self.send(turn_context, Reply(card=welcome_card(lang), lang=lang))

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
        incoming = to_incoming(activity)
        reply = await perform(incoming, action.get("verb"), action.get("data"), self.deps)
        return self._invoke_response(reply)

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
        incoming: Incoming = to_incoming(turn_context.activity)
        lang = incoming.locale_language or "fi"
        try:
            await turn_context.send_activity(t("error.generic", lang))
        except Exception:
            log.warning("could not send the error message either")
