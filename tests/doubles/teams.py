"""Teams client/channel driver: builds activities the way Teams sends them, signs them
with a fresh Bot Connector token and POSTs them to the bot's ``/api/messages``."""

from __future__ import annotations

import enum
import itertools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

import aiohttp

from ._model import (
    DEFAULT_TENANT_ID,
    Channel,
    Team,
    TeamsUser,
    _digest,
    channel_thread_id,
    personal_conversation_id,
)
from .connector import ConnectorDouble, delivered
from .identity import BadToken, IdentityDouble

__all__ = ["ActivityFactory", "BotResponse", "TeamsDriver"]


def _teams_timestamp(moment: datetime) -> str:
    """UTC with seven fractional digits and ``Z``, as Teams writes ``timestamp``."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "0Z"


def group_chat_id(seed: str) -> str:
    return f"19:{_digest('groupchat', seed)[:32]}@thread.v2"


class ActivityFactory:
    """Builds Teams-shaped inbound activities (plain dicts, camelCase, as on the wire).

    Fields as Teams sends them: ``channelId`` "msteams", ``serviceUrl`` (the connector
    double's), ``from`` {id "29:...", name, aadObjectId}, ``recipient`` {id "28:<app id>",
    name}, ``conversation`` with ``conversationType`` and ``tenantId``, ``channelData``
    with ``tenant`` (and ``team``/``channel`` in a team), ``locale``, ``localTimezone``,
    ``localTimestamp``, ``timestamp``, ``id`` and a ``clientInfo`` entity.
    """

    def __init__(
        self,
        *,
        app_id: str,
        service_url: str,
        bot_name: str = "Yhteisöbotti",
        tenant_id: str = DEFAULT_TENANT_ID,
        locale: str = "fi-FI",
        local_timezone: str = "Europe/Helsinki",
        html_attachment: bool = True,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app_id = app_id
        self.service_url = service_url
        self.bot_name = bot_name
        self.tenant_id = tenant_id
        self.locale = locale
        self.local_timezone = local_timezone
        self.html_attachment = html_attachment
        self._now = now
        self._ids = itertools.count(int(time.time() * 1000))

    @property
    def bot_id(self) -> str:
        return f"28:{self.app_id}"

    def bot_account(self) -> dict[str, Any]:
        return {"id": self.bot_id, "name": self.bot_name}

    @property
    def mention_text(self) -> str:
        return f"<at>{self.bot_name}</at>"

    def mention_entity(self) -> dict[str, Any]:
        return {"type": "mention", "text": self.mention_text, "mentioned": self.bot_account()}

    def next_id(self) -> str:
        return str(next(self._ids))

    # -- conversations --------------------------------------------------------------

    def personal_conversation(self, user: TeamsUser) -> dict[str, Any]:
        return {
            "conversationType": "personal",
            "tenantId": self.tenant_id,
            "id": personal_conversation_id(user.id),
        }

    def channel_conversation(
        self, channel: Channel, thread_id: str | None = None
    ) -> dict[str, Any]:
        return {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": self.tenant_id,
            "id": channel_thread_id(channel.id, thread_id) if thread_id else channel.id,
        }

    def group_conversation(self, chat_id: str) -> dict[str, Any]:
        return {
            "isGroup": True,
            "conversationType": "groupChat",
            "tenantId": self.tenant_id,
            "id": chat_id,
        }

    def team_channel_data(
        self, team: Team, channel: Channel | None = None, **extra: Any
    ) -> dict[str, Any]:
        where = channel or team.general
        data: dict[str, Any] = {
            "teamsChannelId": where.id,
            "teamsTeamId": team.id,
            "channel": {"id": where.id, **({"name": where.name} if where.name else {})},
            "team": team.ref(),
            "tenant": {"id": self.tenant_id},
        }
        data.update(extra)
        return data

    # -- common shape -------------------------------------------------------------------

    def _base(
        self,
        kind: str,
        sender: Mapping[str, Any],
        conversation: Mapping[str, Any],
        channel_data: Mapping[str, Any] | None,
        *,
        locale: str | None,
        activity_id: str | None = None,
    ) -> dict[str, Any]:
        moment = self._now()
        loc = locale or self.locale
        return {
            "type": kind,
            "id": activity_id or self.next_id(),
            "timestamp": _teams_timestamp(moment),
            "localTimestamp": moment.astimezone(ZoneInfo(self.local_timezone)).isoformat(
                timespec="milliseconds"
            ),
            "localTimezone": self.local_timezone,
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": dict(sender),
            "conversation": dict(conversation),
            "recipient": self.bot_account(),
            "entities": [
                {
                    "type": "clientInfo",
                    "locale": loc,
                    "country": loc.split("-")[-1] if "-" in loc else "FI",
                    "platform": "Web",
                    "timezone": self.local_timezone,
                }
            ],
            "channelData": dict(channel_data or {"tenant": {"id": self.tenant_id}}),
            "locale": loc,
        }

    def _message(
        self,
        user: TeamsUser,
        text: str,
        conversation: Mapping[str, Any],
        channel_data: Mapping[str, Any] | None,
        *,
        mention: bool,
        locale: str | None,
        activity_id: str | None = None,
        reply_to_id: str | None = None,
    ) -> dict[str, Any]:
        activity = self._base(
            "message",
            user.account(),
            conversation,
            channel_data,
            locale=locale,
            activity_id=activity_id,
        )
        full_text = f"{self.mention_text} {text}" if mention else text
        activity["text"] = full_text
        activity["textFormat"] = "plain"
        if mention:
            activity["entities"].insert(0, self.mention_entity())
        if self.html_attachment:
            activity["attachments"] = [
                {"contentType": "text/html", "content": f"<p>{full_text}</p>"}
            ]
        if reply_to_id is not None:
            activity["replyToId"] = reply_to_id
        return activity

    # -- messages -----------------------------------------------------------------------

    def personal_message(
        self, user: TeamsUser, text: str, *, locale: str | None = None
    ) -> dict[str, Any]:
        """A message in the 1:1 chat between ``user`` and the bot."""
        return self._message(
            user, text, self.personal_conversation(user), None, mention=False, locale=locale
        )

    def channel_message(
        self,
        user: TeamsUser,
        text: str,
        *,
        team: Team,
        channel: Channel | None = None,
        mention: bool = True,
        thread_id: str | None = None,
        locale: str | None = None,
    ) -> dict[str, Any]:
        """A channel post (``thread_id`` None: starts a thread whose id is this message's
        id) or a reply in the thread ``thread_id``; with an @mention of the bot unless
        ``mention`` is False. Conversation id: ``<channel>;messageid=<thread root>``."""
        where = channel or team.general
        activity_id = self.next_id()
        root = thread_id or activity_id
        return self._message(
            user,
            text,
            self.channel_conversation(where, root),
            self.team_channel_data(team, where),
            mention=mention,
            locale=locale,
            activity_id=activity_id,
            reply_to_id=thread_id,
        )

    def group_chat_message(
        self,
        user: TeamsUser,
        text: str,
        *,
        chat_id: str,
        mention: bool = True,
        locale: str | None = None,
    ) -> dict[str, Any]:
        return self._message(
            user, text, self.group_conversation(chat_id), None, mention=mention, locale=locale
        )

    # -- membership and installation ------------------------------------------------------

    def _scope(
        self,
        scope: str,
        user: TeamsUser,
        team: Team | None,
        chat_id: str | None,
        **channel_extra: Any,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if scope == "personal":
            return self.personal_conversation(user), {
                "tenant": {"id": self.tenant_id},
                **channel_extra,
            }
        if scope == "team":
            if team is None:
                raise ValueError("scope 'team' needs team=")
            return (
                self.channel_conversation(team.general),
                {"team": team.ref(), "tenant": {"id": self.tenant_id}, **channel_extra},
            )
        if scope == "groupChat":
            if chat_id is None:
                raise ValueError("scope 'groupChat' needs chat_id=")
            return self.group_conversation(chat_id), {
                "tenant": {"id": self.tenant_id},
                **channel_extra,
            }
        raise ValueError(f"unknown scope {scope!r}")

    def _members_update(
        self,
        field_name: str,
        event_type: str,
        users: Sequence[TeamsUser],
        *,
        by: TeamsUser,
        bot: bool,
        scope: str,
        team: Team | None,
        chat_id: str | None,
    ) -> dict[str, Any]:
        extra = {"eventType": event_type} if scope == "team" else {}
        conversation, channel_data = self._scope(scope, by, team, chat_id, **extra)
        activity = self._base(
            "conversationUpdate",
            by.account(),
            conversation,
            channel_data,
            locale=None,
            activity_id=f"f:{_digest(self.next_id())[:19]}",
        )
        members = [{"id": self.bot_id}] if bot else []
        members += [{"id": u.id, "aadObjectId": u.aad_object_id} for u in users]
        activity[field_name] = members
        activity.pop("locale")
        activity["entities"] = []
        return activity

    def members_added(
        self,
        users: Sequence[TeamsUser] = (),
        *,
        by: TeamsUser,
        bot: bool = False,
        scope: str = "team",
        team: Team | None = None,
        chat_id: str | None = None,
    ) -> dict[str, Any]:
        """``conversationUpdate`` with ``membersAdded`` (the bot itself when ``bot``)."""
        return self._members_update(
            "membersAdded",
            "teamMemberAdded",
            users,
            by=by,
            bot=bot,
            scope=scope,
            team=team,
            chat_id=chat_id,
        )

    def members_removed(
        self,
        users: Sequence[TeamsUser] = (),
        *,
        by: TeamsUser,
        bot: bool = False,
        scope: str = "team",
        team: Team | None = None,
        chat_id: str | None = None,
    ) -> dict[str, Any]:
        return self._members_update(
            "membersRemoved",
            "teamMemberRemoved",
            users,
            by=by,
            bot=bot,
            scope=scope,
            team=team,
            chat_id=chat_id,
        )

    def installation_update(
        self,
        action: str = "add",
        *,
        by: TeamsUser,
        scope: str = "personal",
        team: Team | None = None,
        chat_id: str | None = None,
    ) -> dict[str, Any]:
        """``installationUpdate`` with ``action`` "add" or "remove"."""
        if action not in ("add", "remove"):
            raise ValueError("action is 'add' or 'remove'")
        conversation, channel_data = self._scope(
            scope, by, team, chat_id, source={"name": "message"}
        )
        activity = self._base(
            "installationUpdate",
            by.account(),
            conversation,
            channel_data,
            locale=None,
            activity_id=f"f:{_digest(self.next_id())[:19]}",
        )
        activity["action"] = action
        activity["entities"] = []
        return activity

    # -- cards ------------------------------------------------------------------------------

    def _in_context(
        self, user: TeamsUser, context: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if context is None:
            return self.personal_conversation(user), {"tenant": {"id": self.tenant_id}}
        return dict(context["conversation"]), dict(context.get("channelData") or {})

    def card_action(
        self,
        user: TeamsUser,
        verb: str,
        data: Mapping[str, Any] | None = None,
        *,
        reply_to_id: str,
        context: Mapping[str, Any] | None = None,
        locale: str | None = None,
    ) -> dict[str, Any]:
        """``invoke`` ``adaptiveCard/action`` (Action.Execute) on the card in activity
        ``reply_to_id``. ``context`` is an activity of the same conversation (default:
        the user's personal chat)."""
        conversation, channel_data = self._in_context(user, context)
        channel_data = {
            **channel_data,
            "source": {"name": "message"},
            "legacy": {"replyToId": reply_to_id},
        }
        activity = self._base(
            "invoke",
            user.account(),
            conversation,
            channel_data,
            locale=locale,
            activity_id=f"f:{_digest(self.next_id())[:19]}",
        )
        activity["name"] = "adaptiveCard/action"
        activity["value"] = {
            "action": {"type": "Action.Execute", "verb": verb, "data": dict(data or {})},
            "trigger": "manual",
        }
        activity["replyToId"] = reply_to_id
        return activity

    def card_submit(
        self,
        user: TeamsUser,
        value: Mapping[str, Any],
        *,
        reply_to_id: str,
        context: Mapping[str, Any] | None = None,
        locale: str | None = None,
    ) -> dict[str, Any]:
        """A ``message`` carrying ``value`` and no text: what Action.Submit sends."""
        conversation, channel_data = self._in_context(user, context)
        channel_data = {
            **channel_data,
            "source": {"name": "message"},
            "legacy": {"replyToId": reply_to_id},
        }
        activity = self._base("message", user.account(), conversation, channel_data, locale=locale)
        activity["value"] = dict(value)
        activity["replyToId"] = reply_to_id
        return activity


@dataclass(frozen=True, slots=True)
class BotResponse:
    status: int
    text: str
    headers: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def body(self) -> Any:
        """The JSON body, or None when there is none or it is not JSON."""
        if not self.text:
            return None
        try:
            return json.loads(self.text)
        except json.JSONDecodeError:
            return None


class _Sign(enum.Enum):
    FRESH = "fresh"


class TeamsDriver:
    """Plays Teams towards a bot: signs activities with a fresh token from ``identity``
    and POSTs them to ``<bot_url><messages_path>``; reads the bot's answers from
    ``connector``. Registers each activity's conversation at the connector first."""

    def __init__(
        self,
        bot_url: str,
        identity: IdentityDouble,
        connector: ConnectorDouble,
        *,
        app_id: str,
        bot_name: str = "Yhteisöbotti",
        tenant_id: str = DEFAULT_TENANT_ID,
        locale: str = "fi-FI",
        messages_path: str = "/api/messages",
        timeout: float = 20.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.endpoint = bot_url.rstrip("/") + messages_path
        self.identity = identity
        self.connector = connector
        self.app_id = app_id
        self.activities = ActivityFactory(
            app_id=app_id,
            service_url=connector.service_url,
            bot_name=bot_name,
            tenant_id=tenant_id,
            locale=locale,
        )
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._own_session = session is None
        self._marks: dict[str, int] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None and self._own_session:
            await self._session.close()
        self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._own_session = True
        return self._session

    def token_for(self, activity: Mapping[str, Any]) -> str:
        return self.identity.mint(self.app_id, str(activity.get("serviceUrl", "")))

    async def send(
        self,
        activity: Mapping[str, Any],
        *,
        authorization: str | _Sign | None = _Sign.FRESH,
        bad: BadToken | None = None,
        register: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> BotResponse:
        """POST one activity. ``authorization``: default a freshly minted token, None to
        send no header, or the header value to send. ``bad`` signs with a bad token."""
        if register:
            self.connector.ensure_conversation(activity)
        conversation_id = str((activity.get("conversation") or {}).get("id", ""))
        self._marks[conversation_id] = len(self.connector.calls)
        if bad is not None:
            token = self.identity.mint_bad(bad, self.app_id, str(activity.get("serviceUrl")))
            authorization = f"Bearer {token}"
        elif authorization is _Sign.FRESH:
            authorization = f"Bearer {self.token_for(activity)}"
        return await self.post_raw(
            json.dumps(activity, ensure_ascii=False).encode("utf-8"),
            authorization=authorization,
            headers=headers,
        )

    async def post_raw(
        self,
        data: bytes,
        *,
        authorization: str | _Sign | None = None,
        content_type: str = "application/json; charset=utf-8",
        headers: Mapping[str, str] | None = None,
    ) -> BotResponse:
        """POST any bytes (garbage included) to the bot."""
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if isinstance(authorization, str):
            all_headers["Authorization"] = authorization
        async with self._client().post(self.endpoint, data=data, headers=all_headers) as resp:
            return BotResponse(resp.status, await resp.text(), dict(resp.headers))

    async def wait_for_replies(
        self,
        conversation_id: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (documented test API)
        *,
        since_start: bool = False,
    ) -> list[dict[str, Any]]:
        """The activities the bot sent or replied into the conversation (successfully)
        since the driver's last ``send`` there (``since_start``: since the beginning),
        each with the ``id`` the connector assigned."""
        mark = 0 if since_start else self._marks.get(conversation_id, 0)
        calls = await self.connector.calls.wait_for(
            count,
            timeout=timeout,
            ok=True,
            target=conversation_id,
            where=lambda c: (
                c.seq >= mark and c.operation in ("send_to_conversation", "reply_to_activity")
            ),
        )
        return [delivered(c) for c in calls]

    async def send_and_wait(
        self,
        activity: Mapping[str, Any],
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (documented test API)
    ) -> tuple[BotResponse, list[dict[str, Any]]]:
        response = await self.send(activity)
        conversation_id = str(activity["conversation"]["id"])
        return response, await self.wait_for_replies(conversation_id, count, timeout)
