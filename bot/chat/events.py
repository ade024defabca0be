"""The core side of the chat edge: our own events in, replies out.

The edge (bot/teams) turns each activity once into one of these events and hands it to
`ChatCore`; every decision is taken here, in plain Python: which messages to ignore
(re-posts, channel chatter not addressed to the bot), which conversations to remember (and a
person's 1:1 chat also under `person:<Entra id>`), one welcome per conversation, and which
feature hears about people joining a team.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.chat.dispatch import Dispatcher
from bot.chat.feature import Feature, Member, MembersJoined
from bot.chat.model import ConversationKind, Incoming, Reply, person_recipient
from bot.clock import Clock
from bot.i18n import Language
from bot.records import ConversationRef, Person

log = logging.getLogger(__name__)

WELCOME_MEMORY_SECONDS = 600.0
WELCOME_MEMORY_SIZE = 10_000


@dataclass(frozen=True)
class MessageReceived:
    incoming: Incoming
    reference: ConversationRef | None  # None when the edge could not make one
    activity_id: str | None  # the channel's id of the activity, for spotting re-posts


@dataclass(frozen=True)
class CardActed:
    incoming: Incoming
    verb: object  # untrusted, as the client sent them
    data: object


@dataclass(frozen=True)
class MembersAdded:
    """People were added to a conversation; `bot_added` when the bot is among them."""

    incoming: Incoming
    reference: ConversationRef | None
    bot_added: bool
    members: tuple[Member, ...]
    team_id: str | None
    service_url: str


@dataclass(frozen=True)
class MembersRemoved:
    incoming: Incoming
    bot_removed: bool


@dataclass(frozen=True)
class Installed:
    incoming: Incoming
    reference: ConversationRef | None


@dataclass(frozen=True)
class Uninstalled:
    incoming: Incoming


class ConversationStore(Protocol):
    async def save_reference(self, ref: ConversationRef) -> None: ...

    async def deactivate_reference(self, conversation_id: str) -> None: ...

    async def save_person(self, person: Person) -> None: ...

    async def first_time_seen(
        self, conversation_id: str, activity_id: str, at: datetime
    ) -> bool: ...


class ChatCore:
    """What happens for each event; the replies go back to the edge to send."""

    def __init__(
        self,
        features: Sequence[Feature],
        store: ConversationStore,
        clock: Clock,
        default_language: Language = "fi",
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.dispatcher = Dispatcher(features, default_language)
        self.store = store
        self.clock = clock
        self._welcome = next((f.welcome for f in features if f.welcome is not None), None)
        self._joined = [f.members_added for f in features if f.members_added is not None]
        self._monotonic = monotonic
        self._welcomed: OrderedDict[str, float] = OrderedDict()

    async def message(self, event: MessageReceived) -> Reply | None:
        """A message or an `Action.Submit`; None when the bot stays silent."""
        incoming = event.incoming
        if not await self._first_time(incoming, event.activity_id):
            log.info("duplicate activity ignored (Teams re-posted it)")
            return None
        if incoming.kind is not ConversationKind.PERSONAL and not incoming.mentioned:
            return None  # in channels and group chats the bot speaks only when spoken to
        await self._remember(incoming, event.reference)
        if incoming.value is not None and "verb" in incoming.value:
            return await self.dispatcher.perform(
                incoming, incoming.value.get("verb"), incoming.value
            )
        return await self.dispatcher.dispatch(incoming)

    async def card_action(self, event: CardActed) -> Reply:
        """An `Action.Execute` (invoke): the reply becomes the invoke's response."""
        return await self.dispatcher.perform(event.incoming, event.verb, event.data)

    async def members_added(self, event: MembersAdded) -> Reply | None:
        if event.bot_added:
            await self._remember(event.incoming, event.reference)
            return self._welcome_once(event.incoming)
        if event.team_id is None:
            return None  # only team membership starts an introduction
        joined = MembersJoined(
            team_id=event.team_id,
            members=event.members,
            service_url=event.service_url,
            tenant_id=event.incoming.tenant_id,
        )
        for hook in self._joined:
            try:
                await hook(joined)
            except Exception:
                log.warning("a feature failed on people joining a team", exc_info=True)
        return None

    async def members_removed(self, event: MembersRemoved) -> None:
        if event.bot_removed:
            await self._forget(event.incoming)

    async def installed(self, event: Installed) -> Reply | None:
        await self._remember(event.incoming, event.reference)
        return self._welcome_once(event.incoming)

    async def uninstalled(self, event: Uninstalled) -> None:
        await self._forget(event.incoming)

    # --- conversation references and duplicates ---------------------------------------

    async def _first_time(self, incoming: Incoming, activity_id: str | None) -> bool:
        if not activity_id or not incoming.conversation_id:
            return True
        try:
            return await self.store.first_time_seen(
                incoming.conversation_id, activity_id, self.clock()
            )
        except Exception:  # the database is down: answering twice beats not answering
            log.warning("could not check for a duplicate activity", exc_info=True)
            return True

    async def _remember(self, incoming: Incoming, ref: ConversationRef | None) -> None:
        """Keep the conversation reference so tips, nudges and matches can be sent later.

        A personal chat is also remembered under `person:<Entra id>`, the address that
        onboarding and coffee use for people, and the person's name and language are kept.
        """
        if ref is None:
            return
        try:
            await self.store.save_reference(ref)
            if ref.kind == ConversationKind.PERSONAL.value and incoming.aad_object_id:
                await self.store.save_reference(
                    replace(ref, conversation_id=person_recipient(incoming.aad_object_id))
                )
                await self.store.save_person(
                    Person(
                        aad_object_id=incoming.aad_object_id,
                        name=incoming.user_name,
                        language=self.dispatcher.language_for(incoming),
                        tenant_id=incoming.tenant_id,
                        teams_user_id=incoming.user_id,
                    )
                )
        except Exception:
            log.warning("could not save a conversation reference", exc_info=True)

    async def _forget(self, incoming: Incoming) -> None:
        try:
            await self.store.deactivate_reference(incoming.root_conversation_id)
        except Exception:
            log.warning("could not deactivate a conversation reference", exc_info=True)

    def _welcome_once(self, incoming: Incoming) -> Reply | None:
        """One welcome per conversation: Teams sends conversationUpdate and installationUpdate."""
        if self._welcome is None:
            return None
        conversation_id = incoming.conversation_id
        now = self._monotonic()
        seen = self._welcomed.get(conversation_id)
        if seen is not None and now - seen < WELCOME_MEMORY_SECONDS:
            return None
        self._welcomed[conversation_id] = now
        self._welcomed.move_to_end(conversation_id)
        while len(self._welcomed) > WELCOME_MEMORY_SIZE:
            self._welcomed.popitem(last=False)
        return self._welcome(self.dispatcher.language_for(incoming))
