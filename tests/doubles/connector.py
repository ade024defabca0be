"""Bot Connector double (the Teams service the bot calls back: ``/v3/conversations``...).

Speaks the Bot Connector REST shapes, keeps the conversations, members and teams a test
sets up, records every call, enforces the Teams rate limits (429 + ``Retry-After``) and
injects seeded faults.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ._double import Double
from ._faults import Fault, FaultInjector, FaultRule
from ._http import BadJson, Reply, read_json, respond
from ._model import (
    DEFAULT_TENANT_ID,
    Channel,
    Team,
    TeamsUser,
    _digest,
    channel_thread_id,
    personal_conversation_id,
    root_conversation_id,
)
from ._ratelimit import RateLimits, SlidingWindowLimiter, retry_after_seconds
from ._recording import CallLog, Clock, RecordedCall

__all__ = ["ConnectorDouble", "Conversation"]

WRITE_OPERATIONS = frozenset(
    {
        "create_conversation",
        "send_to_conversation",
        "reply_to_activity",
        "update_activity",
        "delete_activity",
    }
)
SEND_OPERATIONS = frozenset({"send_to_conversation", "reply_to_activity"})


@dataclass(slots=True)
class Conversation:
    id: str
    conversation_type: str
    """``personal``, ``groupChat`` or ``channel``."""
    tenant_id: str
    members: list[TeamsUser] = field(default_factory=list)
    team_id: str | None = None
    activities: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Activities the bot posted that still exist (after updates, without deletes)."""


def delivered(call: RecordedCall) -> dict[str, Any]:
    """The activity a successful send/reply carried, with the id the connector gave it."""
    body = dict(call.body) if isinstance(call.body, dict) else {}
    if isinstance(call.response, dict) and "id" in call.response:
        body["id"] = call.response["id"]
    return body


def _error(status: int, code: str, message: str, **headers: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}}, dict(headers))


class ConnectorDouble(Double):
    """The Bot Connector on loopback.

    ``service_url`` (``<url><prefix>/``) is what activities carry as ``serviceUrl``;
    the prefix mimics real service URLs such as ``https://smba.trafficmanager.net/teams/``
    so that a bot which builds URLs by hand is caught.

    Unknown conversations answer 404 unless ``strict_conversations`` is False (then any
    conversation id is accepted and created on first use).
    """

    name = "connector"

    def __init__(
        self,
        *,
        prefix: str = "/teams",
        expected_token: str | None = None,
        rate_limits: RateLimits | None = None,
        seed: int | None = 0,
        clock: Clock = time.monotonic,
        default_tenant_id: str = DEFAULT_TENANT_ID,
        strict_conversations: bool = True,
        max_page_size: int = 500,
        max_activity_bytes: int | None = None,
    ) -> None:
        super().__init__()
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.expected_token = expected_token
        self.default_tenant_id = default_tenant_id
        self.strict_conversations = strict_conversations
        self.max_page_size = max_page_size
        self.max_activity_bytes = max_activity_bytes
        self.calls = CallLog(clock)
        self.faults = FaultInjector(seed)
        self._clock = clock
        self._lock = threading.RLock()
        self._teams: dict[str, Team] = {}
        self._conversations: dict[str, Conversation] = {}
        self._ids = itertools.count(int(time.time() * 1000))
        self._rate_limits = RateLimits()
        self._per_conversation = SlidingWindowLimiter(())
        self._per_tenant = SlidingWindowLimiter(())
        self.set_rate_limits(rate_limits or RateLimits())

    # -- configuration -------------------------------------------------------------

    @property
    def service_url(self) -> str:
        return f"{self.url}{self.prefix}/"

    @property
    def rate_limits(self) -> RateLimits:
        return self._rate_limits

    def set_rate_limits(self, limits: RateLimits) -> None:
        with self._lock:
            self._rate_limits = limits
            self._per_conversation = SlidingWindowLimiter(limits.per_conversation)
            self._per_tenant = SlidingWindowLimiter(limits.per_tenant)

    def inject(
        self,
        fault: Fault,
        *,
        rate: float = 1.0,
        conversation_id: str | None = None,
        operation: str | None = None,
        method: str | None = None,
        times: int | None = None,
    ) -> FaultRule:
        """Inject ``fault`` into matching calls (see :class:`FaultRule`). ``times=N`` is
        "the next N calls"; ``conversation_id`` names one conversation."""
        return self.faults.add(
            fault,
            rate=rate,
            target=conversation_id,
            operation=operation,
            method=method,
            times=times,
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    def reset(self) -> None:
        """Forget calls, faults and rate-limit history; keep teams and conversations."""
        self.calls.clear()
        self.faults.clear()
        with self._lock:
            self._per_conversation.reset()
            self._per_tenant.reset()

    # -- test set-up -----------------------------------------------------------------

    def add_team(
        self,
        name: str = "Yhteisö",
        *,
        team_id: str | None = None,
        tenant_id: str | None = None,
        aad_group_id: str | None = None,
        channels: Iterable[str] = (),
        members: Iterable[TeamsUser] = (),
    ) -> Team:
        """A team with its General channel (id = team id, no name) and ``channels``."""
        tid = team_id or Team.new_thread_id(f"team:{name}:{tenant_id}")
        digest = _digest("group", tid)
        team = Team(
            id=tid,
            name=name,
            aad_group_id=aad_group_id
            or f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}",
            tenant_id=tenant_id or self.default_tenant_id,
            channels=[Channel(tid, None)],
            members=list(members),
        )
        with self._lock:
            self._teams[tid] = team
        for channel_name in channels:
            self.add_channel(tid, channel_name)
        return team

    def add_channel(self, team_id: str, name: str, *, channel_id: str | None = None) -> Channel:
        with self._lock:
            team = self._teams[team_id]
            channel = Channel(channel_id or Team.new_thread_id(f"{team_id}:{name}"), name)
            team.channels.append(channel)
            return channel

    def add_member(self, team_or_conversation_id: str, user: TeamsUser) -> None:
        with self._lock:
            team = self._teams.get(team_or_conversation_id)
            if team is not None:
                if user not in team.members:
                    team.members.append(user)
                return
            conversation = self._conversations[team_or_conversation_id]
            if user not in conversation.members:
                conversation.members.append(user)

    def remove_member(self, team_or_conversation_id: str, user_id: str) -> None:
        with self._lock:
            holder = (
                self._teams.get(team_or_conversation_id)
                or self._conversations[team_or_conversation_id]
            )
            holder.members[:] = [m for m in holder.members if m.id != user_id]

    def add_conversation(
        self,
        conversation_id: str | None = None,
        *,
        conversation_type: str = "personal",
        members: Iterable[TeamsUser] = (),
        tenant_id: str | None = None,
        team_id: str | None = None,
    ) -> Conversation:
        """Register a conversation. A personal chat defaults to the id Teams would give the
        (single) member, see :meth:`personal_conversation_id`."""
        people = list(members)
        if conversation_id is None:
            if conversation_type == "personal" and len(people) == 1:
                conversation_id = self.personal_conversation_id(people[0].id)
            else:
                conversation_id = Team.new_thread_id(f"chat:{next(self._ids)}").replace(
                    "@thread.tacv2", "@thread.v2"
                )
        conversation = Conversation(
            id=conversation_id,
            conversation_type=conversation_type,
            tenant_id=tenant_id or (people[0].tenant_id if people else self.default_tenant_id),
            members=people,
            team_id=team_id,
        )
        with self._lock:
            existing = self._conversations.get(conversation_id)
            if existing is not None:
                for person in people:
                    if person not in existing.members:
                        existing.members.append(person)
                return existing
            self._conversations[conversation_id] = conversation
        return conversation

    def ensure_conversation(self, activity: Mapping[str, Any]) -> Conversation:
        """Register the conversation an inbound activity belongs to (used by the driver),
        with its sender as a member, unless it is already known."""
        conv = activity.get("conversation") or {}
        conversation_id = str(conv.get("id"))
        channel_data = activity.get("channelData") or {}
        tenant_id = str(
            conv.get("tenantId")
            or (channel_data.get("tenant") or {}).get("id")
            or self.default_tenant_id
        )
        sender = activity.get("from") or {}
        people: list[TeamsUser] = []
        if str(sender.get("id", "")).startswith("29:"):
            people.append(
                self.find_user(str(sender["id"]))
                or TeamsUser(
                    id=str(sender["id"]),
                    name=str(sender.get("name") or ""),
                    aad_object_id=str(sender.get("aadObjectId") or ""),
                    tenant_id=tenant_id,
                )
            )
        team_ref = channel_data.get("team") or {}
        conversation_type = str(conv.get("conversationType") or "personal")
        team_id = str(team_ref["id"]) if team_ref.get("id") else None
        if team_id is not None:
            with self._lock:
                known = team_id in self._teams
            if not known:
                self.add_team(
                    str(team_ref.get("name") or "Team"),
                    team_id=team_id,
                    tenant_id=tenant_id,
                    aad_group_id=team_ref.get("aadGroupId"),
                )
            for person in people:
                self.add_member(team_id, person)
            people = []
        return self.add_conversation(
            conversation_id,
            conversation_type=conversation_type,
            members=people,
            tenant_id=tenant_id,
            team_id=team_id,
        )

    def personal_conversation_id(self, user_id: str) -> str:
        """The 1:1 conversation id for a user (stable, like Teams': ``a:1...``)."""
        return personal_conversation_id(user_id)

    def find_user(self, user_id: str) -> TeamsUser | None:
        with self._lock:
            rosters = [t.members for t in self._teams.values()]
            rosters += [c.members for c in self._conversations.values()]
        for member in itertools.chain.from_iterable(rosters):
            if user_id in (member.id, member.aad_object_id):
                return member
        return None

    # -- inspection ----------------------------------------------------------------

    def team(self, team_id: str) -> Team:
        with self._lock:
            return self._teams[team_id]

    def conversation(self, conversation_id: str) -> Conversation:
        with self._lock:
            return self._conversations[conversation_id]

    def conversations(self) -> list[Conversation]:
        with self._lock:
            return list(self._conversations.values())

    def activities(self, conversation_id: str) -> list[dict[str, Any]]:
        """Activities the bot posted to a conversation that still exist, oldest first."""
        with self._lock:
            conversation = self._conversations.get(conversation_id)
            return list(conversation.activities.values()) if conversation else []

    def sent(
        self, conversation_id: str | None = None, *, since: float | None = None
    ) -> list[dict[str, Any]]:
        """Successful sends and replies (in arrival order), with their assigned ids."""
        calls = self.calls.find(
            ok=True,
            since=since,
            target=conversation_id,
            where=lambda c: c.operation in SEND_OPERATIONS,
        )
        return [delivered(c) for c in calls]

    async def wait_for_activities(
        self,
        conversation_id: str | None = None,
        count: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (documented test API)
        since: float | None = None,
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` sends/replies to the conversation succeeded; return those
        activities with the ids the connector assigned."""
        calls = await self.calls.wait_for(
            count,
            timeout=timeout,
            ok=True,
            target=conversation_id,
            since=since,
            where=lambda c: c.operation in SEND_OPERATIONS,
        )
        return [delivered(c) for c in calls]

    def wait_for_activities_sync(
        self,
        conversation_id: str | None = None,
        count: int = 1,
        *,
        timeout: float = 5.0,
        since: float | None = None,
    ) -> list[dict[str, Any]]:
        calls = self.calls.wait_for_sync(
            count,
            timeout=timeout,
            ok=True,
            target=conversation_id,
            since=since,
            where=lambda c: c.operation in SEND_OPERATIONS,
        )
        return [delivered(c) for c in calls]

    # -- routes ----------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        p = f"{self.prefix}/v3"
        conv = f"{p}/conversations/{{conversation_id}}"
        routes: list[tuple[str, str, str, Callable[[RecordedCall], Reply]]] = [
            ("POST", f"{p}/conversations", "create_conversation", self._create_conversation),
            ("POST", f"{conv}/activities", "send_to_conversation", self._send),
            ("POST", f"{conv}/activities/{{activity_id}}", "reply_to_activity", self._reply),
            ("PUT", f"{conv}/activities/{{activity_id}}", "update_activity", self._update),
            ("DELETE", f"{conv}/activities/{{activity_id}}", "delete_activity", self._delete),
            ("GET", f"{conv}/members", "get_conversation_members", self._members),
            ("GET", f"{conv}/members/{{member_id}}", "get_conversation_member", self._member),
            ("GET", f"{conv}/pagedmembers", "get_conversation_paged_members", self._paged),
            ("GET", f"{p}/teams/{{team_id}}", "get_team_details", self._team_details),
            (
                "GET",
                f"{p}/teams/{{team_id}}/conversations",
                "get_team_channels",
                self._team_channels,
            ),
        ]
        for method, path, operation, handler in routes:
            app.router.add_route(method, path, self._endpoint(operation, handler))

    def _endpoint(
        self, operation: str, handler: Callable[[RecordedCall], Reply]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def endpoint(request: web.Request) -> web.Response:
            bad_json: str | None = None
            try:
                body = await read_json(request)
            except BadJson as exc:
                body, bad_json = None, str(exc)
            info = request.match_info
            call = self.calls.record(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=body,
                operation=operation,
                target=self._target(operation, info, body),
                params=dict(info),
            )
            if bad_json is not None:
                reply = _error(400, "BadSyntax", f"Request body is not JSON: {bad_json}")
                self.calls.complete(call, reply.status, reply.body)
                return reply.to_response()

            def handle(c: RecordedCall) -> Reply:
                with self._lock:
                    return handler(c)

            return await respond(
                self.calls,
                call,
                authorize=self._authorize,
                faults=self.faults,
                render_fault=self._render_fault,
                admit=self._admit,
                handle=handle,
            )

        return endpoint

    def _target(self, operation: str, info: Mapping[str, str], body: Any) -> str | None:
        if "conversation_id" in info:
            return info["conversation_id"]
        if "team_id" in info:
            return info["team_id"]
        if operation == "create_conversation" and isinstance(body, dict):
            channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
            if channel:
                return str(channel)
            members = body.get("members") or []
            if len(members) == 1 and isinstance(members[0], dict) and members[0].get("id"):
                return self.personal_conversation_id(self._user_id(str(members[0]["id"])))
        return None

    def _user_id(self, member_id: str) -> str:
        """Teams accepts a member as ``29:...`` or as an AAD object id."""
        user = self.find_user(member_id)
        return user.id if user else member_id

    def _authorize(self, call: RecordedCall) -> Reply | None:
        if self.expected_token is None:
            return None
        if call.authorization == f"Bearer {self.expected_token}":
            return None
        return Reply(
            401,
            {"message": "Authorization has been denied for this request."},
            fault="unauthorized",
        )

    def _render_fault(self, fault: Fault) -> Reply:
        status = fault.status or 500
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return Reply(
            status,
            {"error": {"code": fault.code or "ServiceError", "message": fault.message or ""}},
            headers,
            fault=fault.name,
        )

    def _tenant_of(self, call: RecordedCall) -> str:
        with self._lock:
            target = call.target
            if target is not None:
                conversation = self._conversations.get(target) or self._conversations.get(
                    root_conversation_id(target)
                )
                if conversation is not None:
                    return conversation.tenant_id
                team = self._teams.get(target) or self._team_of_channel(target)
                if team is not None:
                    return team.tenant_id
        body = call.body if isinstance(call.body, dict) else {}
        return str(
            body.get("tenantId")
            or ((body.get("channelData") or {}).get("tenant") or {}).get("id")
            or (body.get("conversation") or {}).get("tenantId")
            or self.default_tenant_id
        )

    def _admit(self, call: RecordedCall) -> Reply | None:
        if not self._rate_limits.enabled:
            return None
        tenant = self._tenant_of(call)
        with self._lock:
            now = self._clock()
            wait_tenant = self._per_tenant.wait_needed(tenant, now)
            conv_key = call.target if call.operation in WRITE_OPERATIONS else None
            wait_conv = (
                self._per_conversation.wait_needed(conv_key, now) if conv_key is not None else 0.0
            )
            if wait_tenant <= 0 and wait_conv <= 0:
                self._per_tenant.commit(tenant, now)
                if conv_key is not None:
                    self._per_conversation.commit(conv_key, now)
                return None
        scope = "conversation" if wait_conv >= wait_tenant else "tenant"
        seconds = retry_after_seconds(max(wait_conv, wait_tenant))
        return Reply(
            429,
            {"error": {"code": "Throttled", "message": f"Too many requests ({scope} limit)."}},
            {"Retry-After": str(seconds)},
            fault=f"rate_limit:{scope}",
        )

    # -- operation handlers (called with the lock held) ------------------------------

    def _next_id(self) -> str:
        return str(next(self._ids))

    def _team_of_channel(self, channel_id: str) -> Team | None:
        for team in self._teams.values():
            if team.channel(channel_id) is not None:
                return team
        return None

    def _lookup(self, conversation_id: str) -> Conversation | None:
        conversation = self._conversations.get(conversation_id)
        if conversation is not None:
            return conversation
        root = root_conversation_id(conversation_id)
        team = self._team_of_channel(root)
        if team is not None:
            # Any thread of a known channel exists (threads are created by posts).
            return self.add_conversation(
                conversation_id,
                conversation_type="channel",
                tenant_id=team.tenant_id,
                team_id=team.id,
            )
        if not self.strict_conversations:
            return self.add_conversation(conversation_id, conversation_type="personal")
        return None

    def _members_of(self, conversation: Conversation) -> list[TeamsUser]:
        if conversation.team_id is not None and conversation.team_id in self._teams:
            return list(self._teams[conversation.team_id].members)
        return list(conversation.members)

    def _check_activity(self, body: Any) -> Reply | None:
        if not isinstance(body, dict) or not body.get("type"):
            return _error(400, "BadArgument", "Activity type is required.")
        if self.max_activity_bytes is not None:
            size = len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
            if size > self.max_activity_bytes:
                return _error(413, "MessageSizeTooBig", f"Message size too big ({size} bytes).")
        return None

    def _store(
        self,
        conversation: Conversation,
        body: dict[str, Any],
        activity_id: str,
        reply_to: str | None = None,
    ) -> None:
        stored = dict(body)
        stored["id"] = activity_id
        if reply_to is not None:
            stored.setdefault("replyToId", reply_to)
        conversation.activities[activity_id] = stored

    def _create_conversation(self, call: RecordedCall) -> Reply:
        body = call.body
        if not isinstance(body, dict):
            return _error(400, "BadArgument", "ConversationParameters are required.")
        channel_data = body.get("channelData") or {}
        tenant_id = body.get("tenantId") or (channel_data.get("tenant") or {}).get("id")
        channel_id = (channel_data.get("channel") or {}).get("id")
        activity = body.get("activity")
        if channel_id:
            team = self._team_of_channel(str(channel_id))
            if team is None:
                return _error(404, "ConversationNotFound", "Conversation not found.")
            if not isinstance(activity, dict):
                return _error(400, "BadArgument", "An activity is required to start a thread.")
            problem = self._check_activity(activity)
            if problem is not None:
                return problem
            activity_id = self._next_id()
            conversation = self.add_conversation(
                channel_thread_id(str(channel_id), activity_id),
                conversation_type="channel",
                tenant_id=team.tenant_id,
                team_id=team.id,
            )
            self._store(conversation, activity, activity_id)
            return Reply(
                201,
                {"id": conversation.id, "activityId": activity_id, "serviceUrl": self.service_url},
            )
        members = body.get("members") or []
        if body.get("isGroup") or len(members) != 1:
            return _error(400, "BadArgument", "Only 1:1 conversations can be created by a bot.")
        if not tenant_id:
            return _error(400, "BadArgument", "Tenant id is required (tenantId or channelData).")
        member = members[0] if isinstance(members[0], dict) else {}
        user_id = self._user_id(str(member.get("id") or ""))
        if not user_id.startswith("29:"):
            return _error(400, "BadArgument", "Member id must be a Teams user id or AAD id.")
        user = self.find_user(user_id) or TeamsUser(
            id=user_id,
            name=str(member.get("name") or ""),
            aad_object_id="",
            tenant_id=str(tenant_id),
        )
        conversation = self.add_conversation(
            self.personal_conversation_id(user_id),
            conversation_type="personal",
            members=[user],
            tenant_id=str(tenant_id),
        )
        response: dict[str, Any] = {"id": conversation.id, "serviceUrl": self.service_url}
        if isinstance(activity, dict):
            problem = self._check_activity(activity)
            if problem is not None:
                return problem
            activity_id = self._next_id()
            self._store(conversation, activity, activity_id)
            response["activityId"] = activity_id
        return Reply(201, response)

    def _conversation_or_404(self, call: RecordedCall) -> Conversation | Reply:
        conversation = self._lookup(str(call.target))
        if conversation is None:
            return _error(404, "ConversationNotFound", "Conversation not found.")
        return conversation

    def _send(self, call: RecordedCall) -> Reply:
        conversation = self._conversation_or_404(call)
        if isinstance(conversation, Reply):
            return conversation
        problem = self._check_activity(call.body)
        if problem is not None:
            return problem
        activity_id = self._next_id()
        self._store(conversation, call.body, activity_id)
        return Reply(201, {"id": activity_id})

    def _reply(self, call: RecordedCall) -> Reply:
        conversation = self._conversation_or_404(call)
        if isinstance(conversation, Reply):
            return conversation
        problem = self._check_activity(call.body)
        if problem is not None:
            return problem
        activity_id = self._next_id()
        self._store(conversation, call.body, activity_id, call.params["activity_id"])
        return Reply(201, {"id": activity_id})

    def _update(self, call: RecordedCall) -> Reply:
        conversation = self._conversation_or_404(call)
        if isinstance(conversation, Reply):
            return conversation
        activity_id = call.params["activity_id"]
        if activity_id not in conversation.activities:
            return _error(404, "ActivityNotFound", "Activity not found.")
        problem = self._check_activity(call.body)
        if problem is not None:
            return problem
        self._store(conversation, call.body, activity_id)
        return Reply(200, {"id": activity_id})

    def _delete(self, call: RecordedCall) -> Reply:
        conversation = self._conversation_or_404(call)
        if isinstance(conversation, Reply):
            return conversation
        activity_id = call.params["activity_id"]
        if conversation.activities.pop(activity_id, None) is None:
            return _error(404, "ActivityNotFound", "Activity not found.")
        return Reply(200)

    def _members(self, call: RecordedCall) -> Reply:
        conversation = self._conversation_or_404(call)
        if isinstance(conversation, Reply):
            return conversation
        return Reply(200, [m.channel_account() for m in self._members_of(conversation)])

    def _member(self, call: RecordedCall) -> Reply:
        conversation = self._conversation_or_404(call)
        if isinstance(conversation, Reply):
            return conversation
        wanted = call.params["member_id"]
        for member in self._members_of(conversation):
            if wanted in (member.id, member.aad_object_id):
                return Reply(200, member.channel_account())
        return _error(404, "MemberNotFoundInConversation", "The member was not found.")

    def _paged(self, call: RecordedCall) -> Reply:
        conversation = self._conversation_or_404(call)
        if isinstance(conversation, Reply):
            return conversation
        members = self._members_of(conversation)
        try:
            size = int(call.query.get("pageSize") or self.max_page_size)
            token = call.query.get("continuationToken")
            offset = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
        except ValueError:
            return _error(400, "BadArgument", "Invalid pageSize or continuationToken.")
        size = max(1, min(size, self.max_page_size))
        page = members[offset : offset + size]
        result: dict[str, Any] = {"members": [m.channel_account() for m in page]}
        if offset + size < len(members):
            result["continuationToken"] = base64.urlsafe_b64encode(
                str(offset + size).encode()
            ).decode()
        return Reply(200, result)

    def _team_or_404(self, call: RecordedCall) -> Team | Reply:
        team = self._teams.get(str(call.target))
        if team is None:
            return _error(404, "NotFound", "Team not found.")
        return team

    def _team_details(self, call: RecordedCall) -> Reply:
        team = self._team_or_404(call)
        return team if isinstance(team, Reply) else Reply(200, team.details())

    def _team_channels(self, call: RecordedCall) -> Reply:
        team = self._team_or_404(call)
        if isinstance(team, Reply):
            return team
        return Reply(200, {"conversations": [{"id": c.id, "name": c.name} for c in team.channels]})
