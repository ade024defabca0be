"""Microsoft Graph double (``/v1.0``): users, managers, getSchedule, events, ``$batch``.

Answers in Graph's JSON shapes (case-insensitive request bodies, as Graph binds them;
msgraph-sdk sends getSchedule's body in PascalCase). Calendars are set up per user by
the test; events created through the API land in the calendars too.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from ._double import Double
from ._faults import Fault, FaultInjector, FaultRule
from ._http import BadJson, Reply, read_json, respond
from ._model import DEFAULT_TENANT_ID, TeamsUser, _slug
from ._recording import CallLog, Clock, RecordedCall

__all__ = [
    "ALL_PERMISSIONS",
    "CalendarItem",
    "GraphDouble",
    "GraphUser",
    "WorkingHours",
    "resolve_time_zone",
]

GRAPH_ROOT = "https://graph.microsoft.com/v1.0"
ALL_PERMISSIONS = frozenset(
    {
        "User.Read.All",
        "User.ReadBasic.All",
        "Calendars.ReadBasic",
        "Calendars.Read",
        "Calendars.ReadWrite",
    }
)
_DIRECTORY_READ = frozenset({"User.Read.All", "Directory.Read.All"})
_DIRECTORY_BASIC = _DIRECTORY_READ | {"User.ReadBasic.All"}
_CALENDAR_READ_BASIC = frozenset({"Calendars.ReadBasic", "Calendars.Read", "Calendars.ReadWrite"})
_CALENDAR_READ = frozenset({"Calendars.Read", "Calendars.ReadWrite"})
_CALENDAR_WRITE = frozenset({"Calendars.ReadWrite"})

# Exchange answers with Windows zone names (workingHours) and accepts them in requests.
WINDOWS_ZONES: dict[str, str] = {
    "UTC": "UTC",
    "Coordinated Universal Time": "UTC",
    "tzone://Microsoft/Utc": "UTC",
    "FLE Standard Time": "Europe/Helsinki",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "Romance Standard Time": "Europe/Paris",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "E. Europe Standard Time": "Europe/Chisinau",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Pacific Standard Time": "America/Los_Angeles",
}

# Merge order when intervals overlap: the "busiest" status wins.
_PRECEDENCE = {"free": 0, "workingElsewhere": 1, "tentative": 2, "busy": 3, "oof": 4}
_VIEW_DIGIT = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}
STATUSES = frozenset(_VIEW_DIGIT)

_USER_DEFAULT_PROPERTIES = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
_USER_EXTRA_PROPERTIES = (
    "accountEnabled",
    "department",
    "companyName",
    "employeeId",
    "usageLocation",
    "city",
    "country",
    "mailNickname",
    "userType",
)


def resolve_time_zone(name: str) -> ZoneInfo | None:
    """A Graph ``timeZone`` value (IANA or Windows name) as a ZoneInfo; None if unknown."""
    key = WINDOWS_ZONES.get(name.strip(), name.strip())
    if not key:
        return None
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _graph_datetime(moment: datetime, zone: ZoneInfo) -> str:
    """Graph's ``dateTime``: local wall time with seven fractional digits, no offset."""
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="microseconds") + "0"


def _ci(mapping: Mapping[str, Any], key: str) -> Any:
    """Case-insensitive lookup: Graph binds JSON properties regardless of case."""
    if key in mapping:
        return mapping[key]
    lowered = key.lower()
    for name, value in mapping.items():
        if name.lower() == lowered:
            return value
    return None


@dataclass(frozen=True, slots=True)
class WorkingHours:
    days_of_week: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday")
    start_time: dtime = dtime(8, 0)
    end_time: dtime = dtime(16, 0)
    time_zone: str = "FLE Standard Time"
    """As Exchange reports it: usually a Windows zone name."""

    def to_json(self) -> dict[str, Any]:
        return {
            "daysOfWeek": list(self.days_of_week),
            "startTime": self.start_time.isoformat(timespec="microseconds") + "0",
            "endTime": self.end_time.isoformat(timespec="microseconds") + "0",
            "timeZone": {"name": self.time_zone},
        }


@dataclass(slots=True)
class CalendarItem:
    start: datetime
    end: datetime
    status: str = "busy"
    subject: str | None = None
    event_id: str | None = None
    is_private: bool = False

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("calendar items need timezone-aware datetimes")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {sorted(STATUSES)}")
        if self.end <= self.start:
            raise ValueError("a calendar item must end after it starts")


@dataclass(slots=True)
class GraphUser:
    id: str
    display_name: str
    mail: str | None
    user_principal_name: str
    given_name: str | None = None
    surname: str | None = None
    job_title: str | None = None
    office_location: str | None = None
    preferred_language: str | None = None
    manager_id: str | None = None
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    extra: dict[str, Any] = field(default_factory=dict)
    calendar: list[CalendarItem] = field(default_factory=list)

    def properties(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "businessPhones": [],
            "displayName": self.display_name,
            "givenName": self.given_name,
            "jobTitle": self.job_title,
            "mail": self.mail,
            "mobilePhone": None,
            "officeLocation": self.office_location,
            "preferredLanguage": self.preferred_language,
            "surname": self.surname,
            "userPrincipalName": self.user_principal_name,
            "id": self.id,
        }
        for name in _USER_EXTRA_PROPERTIES:
            data[name] = self.extra.get(name)
        data.update({k: v for k, v in self.extra.items() if k not in data})
        return data

    def matches(self, key: str) -> bool:
        lowered = key.lower()
        return lowered in (
            self.id.lower(),
            self.user_principal_name.lower(),
            (self.mail or "").lower(),
        )

    def email_address(self) -> dict[str, Any]:
        return {"name": self.display_name, "address": self.mail or self.user_principal_name}


def _error(status: int, code: str, message: str, **headers: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}}, dict(headers))


_FILTER_CLAUSE = re.compile(
    r"^\s*(?P<prop>[A-Za-z]+)\s+(?:eq\s+'(?P<value>(?:[^']|'')*)'"
    r"|in\s+\((?P<values>(?:\s*'(?:[^']|'')*'\s*,?)+)\))\s*$",
    re.IGNORECASE,
)
_FILTERABLE = {
    p.lower(): p
    for p in (
        "mail",
        "userPrincipalName",
        "id",
        "displayName",
        "givenName",
        "surname",
        "mailNickname",
    )
}
_SCHEDULE_COLLECTION = "Collection(microsoft.graph.scheduleInformation)"
_PREFER_TZ = re.compile(r'outlook\.timezone\s*=\s*"?([^",]+)"?', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Route:
    operation: str
    handler: Callable[[RecordedCall], Reply]
    permissions: frozenset[str]
    params: dict[str, str]


class GraphDouble(Double):
    """Microsoft Graph on loopback; point msgraph-sdk's ``adapter.base_url`` at
    :attr:`base_url`.

    ``permissions`` are the application permissions the app "has"; a call that needs
    one it lacks gets Graph's 403. ``invite_status`` is what an attendee's calendar
    shows for an event created through the API (they have not answered yet).
    """

    name = "graph"

    def __init__(
        self,
        *,
        expected_token: str | None = None,
        seed: int | None = 0,
        clock: Clock = time.monotonic,
        permissions: Iterable[str] = ALL_PERMISSIONS,
        tenant_id: str = DEFAULT_TENANT_ID,
        invite_status: str = "tentative",
        max_batch_requests: int = 20,
    ) -> None:
        super().__init__()
        self.expected_token = expected_token
        self.tenant_id = tenant_id
        self.invite_status = invite_status
        self.max_batch_requests = max_batch_requests
        self.calls = CallLog(clock)
        self.faults = FaultInjector(seed)
        self.initial_permissions = frozenset(permissions)
        self._permissions = set(self.initial_permissions)
        self._lock = threading.RLock()
        self._users: dict[str, GraphUser] = {}
        self._events: dict[str, dict[str, Any]] = {}
        self._event_owner: dict[str, str] = {}
        self._transactions: dict[tuple[str, str], str] = {}
        self._counter = itertools.count(1)

    # -- configuration -------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What msgraph-sdk's ``GraphRequestAdapter.base_url`` should be."""
        return f"{self.url}/v1.0"

    def grant(self, *permissions: str) -> None:
        with self._lock:
            self._permissions.update(permissions)

    def revoke(self, *permissions: str) -> None:
        with self._lock:
            self._permissions.difference_update(permissions)

    def inject(
        self,
        fault: Fault,
        *,
        rate: float = 1.0,
        user: GraphUser | str | None = None,
        operation: str | None = None,
        method: str | None = None,
        times: int | None = None,
    ) -> FaultRule:
        """Inject ``fault`` (e.g. ``Fault.throttled(1)``, ``Fault.access_denied()``) into
        matching calls; ``user`` narrows it to calls about one user."""
        target = user.id if isinstance(user, GraphUser) else user
        if target is not None:
            known = self.find_user(target)
            target = known.id if known else target
        return self.faults.add(
            fault, rate=rate, target=target, operation=operation, method=method, times=times
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    def reset(self) -> None:
        """Forget calls and faults, restore the initial permissions; keep users,
        calendars and events."""
        self.calls.clear()
        self.faults.clear()
        with self._lock:
            self._permissions = set(self.initial_permissions)

    def clear_calendars(self) -> None:
        """Forget every event created through the API and every busy interval set up, so
        a test sees only its own bookings; users stay."""
        with self._lock:
            self._events.clear()
            self._event_owner.clear()
            self._transactions.clear()
            for user in self._users.values():
                user.calendar.clear()

    # -- test set-up -------------------------------------------------------------------

    def add_user(
        self,
        display_name: str,
        *,
        id: str | None = None,
        mail: str | None = None,
        user_principal_name: str | None = None,
        domain: str = "virasto.example",
        manager: GraphUser | str | None = None,
        working_hours: WorkingHours | None = None,
        job_title: str | None = None,
        office_location: str | None = None,
        preferred_language: str | None = "fi-FI",
        **extra: Any,
    ) -> GraphUser:
        upn = user_principal_name or mail or f"{_slug(display_name)}@{domain}"
        parts = display_name.split()
        user = GraphUser(
            id=id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"graph:{upn.lower()}")),
            display_name=display_name,
            mail=mail if mail is not None else upn,
            user_principal_name=upn,
            given_name=parts[0] if parts else None,
            surname=" ".join(parts[1:]) or None,
            job_title=job_title,
            office_location=office_location,
            preferred_language=preferred_language,
            manager_id=manager.id if isinstance(manager, GraphUser) else manager,
            working_hours=working_hours or WorkingHours(),
            extra=dict(extra),
        )
        with self._lock:
            self._users[user.id] = user
        return user

    def add_teams_user(self, person: TeamsUser, **kwargs: Any) -> GraphUser:
        """The directory entry behind a Teams user (same AAD object id, mail, UPN)."""
        return self.add_user(
            person.name,
            id=person.aad_object_id,
            mail=person.email,
            user_principal_name=person.user_principal_name,
            **kwargs,
        )

    def set_manager(self, user: GraphUser | str, manager: GraphUser | str | None) -> None:
        with self._lock:
            self._user(user).manager_id = manager.id if isinstance(manager, GraphUser) else manager

    def add_busy(
        self,
        user: GraphUser | str,
        start: datetime,
        end: datetime,
        status: str = "busy",
        *,
        subject: str | None = None,
    ) -> CalendarItem:
        """Put an interval on a user's calendar (``busy``, ``tentative``, ``oof``,
        ``workingElsewhere`` or ``free``); times must be timezone-aware."""
        item = CalendarItem(start, end, status, subject)
        with self._lock:
            self._user(user).calendar.append(item)
        return item

    def find_user(self, key: str) -> GraphUser | None:
        with self._lock:
            direct = self._users.get(key)
            if direct is not None:
                return direct
            return next((u for u in self._users.values() if u.matches(key)), None)

    def user(self, key: str) -> GraphUser:
        found = self.find_user(key)
        if found is None:
            raise KeyError(key)
        return found

    def calendar(self, user: GraphUser | str) -> list[CalendarItem]:
        with self._lock:
            return sorted(self._user(user).calendar, key=lambda i: i.start)

    def events(self, organizer: GraphUser | str | None = None) -> list[dict[str, Any]]:
        """Events created through the API (optionally of one organizer), oldest first."""
        with self._lock:
            owner = self._user(organizer).id if organizer is not None else None
            return [
                dict(event)
                for event_id, event in self._events.items()
                if owner is None or self._event_owner[event_id] == owner
            ]

    def _user(self, user: GraphUser | str) -> GraphUser:
        return self.user(user.id if isinstance(user, GraphUser) else user)

    # -- routing -----------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/v1.0/{tail:.*}", self._endpoint)

    def _route(self, method: str, segments: list[str]) -> _Route | None:
        method = method.upper()
        if segments == ["$batch"] and method == "POST":
            return _Route("batch", self._batch, frozenset(), {})
        if not segments or segments[0].lower() != "users":
            return None
        if len(segments) == 1 and method == "GET":
            return _Route("list_users", self._list_users, _DIRECTORY_BASIC, {})
        user = segments[1] if len(segments) > 1 else ""
        rest = [s.lower() for s in segments[2:]]
        params = {"user": user}
        if not rest and method == "GET":
            return _Route("get_user", self._get_user, _DIRECTORY_BASIC, params)
        if rest == ["manager"] and method == "GET":
            return _Route("get_manager", self._get_manager, _DIRECTORY_READ, params)
        if (
            rest in (["calendar", "getschedule"], ["calendar", "microsoft.graph.getschedule"])
            and method == "POST"
        ):
            return _Route("get_schedule", self._get_schedule, _CALENDAR_READ_BASIC, params)
        if rest == ["events"] and method == "POST":
            return _Route("create_event", self._create_event, _CALENDAR_WRITE, params)
        if rest == ["events"] and method == "GET":
            return _Route("list_events", self._list_events, _CALENDAR_READ, params)
        if len(rest) == 2 and rest[0] == "events":
            params["event_id"] = segments[3]
            if method == "GET":
                return _Route("get_event", self._get_event, _CALENDAR_READ, params)
            if method == "DELETE":
                return _Route("delete_event", self._delete_event, _CALENDAR_WRITE, params)
        return None

    def _target(self, route: _Route | None) -> str | None:
        if route is None or "user" not in route.params:
            return None
        found = self.find_user(route.params["user"])
        return found.id if found else route.params["user"]

    async def _endpoint(self, request: web.Request) -> web.Response:
        segments = [s for s in request.match_info["tail"].split("/") if s]
        route = self._route(request.method, segments)
        bad_json: str | None = None
        try:
            body = await read_json(request)
        except BadJson as exc:
            body, bad_json = None, str(exc)
        call = self.calls.record(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body=body,
            operation=route.operation if route else "unknown",
            target=self._target(route),
            params=route.params if route else {},
        )
        early: Reply | None = None
        if bad_json is not None:
            early = _error(400, "BadRequest", f"Unable to read JSON request payload: {bad_json}")
        elif route is None:
            early = _error(
                400,
                "BadRequest",
                f"Resource not found for the segment '{segments[-1] if segments else ''}'.",
            )
        if early is not None:
            early = self._finish(call, early)
            self.calls.complete(call, early.status, early.body)
            return early.to_response()
        assert route is not None

        def admit(c: RecordedCall) -> Reply | None:
            return self._finish(c, r) if (r := self._check_permission(route)) else None

        def handle(c: RecordedCall) -> Reply:
            with self._lock:
                return self._finish(c, route.handler(c))

        return await respond(
            self.calls,
            call,
            authorize=lambda c: self._finish(c, r) if (r := self._authorize(c)) else None,
            faults=self.faults,
            render_fault=lambda f: self._finish(call, self._render_fault(f)),
            admit=admit,
            handle=handle,
        )

    def _finish(self, call: RecordedCall, reply: Reply) -> Reply:
        """Decorate errors the way Graph does (``innerError`` with request ids)."""
        if reply.status >= 400 and isinstance(reply.body, dict) and "error" in reply.body:
            client_request_id = call.header("client-request-id") or str(uuid.uuid4())
            reply.body["error"].setdefault(
                "innerError",
                {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": str(uuid.uuid4()),
                    "client-request-id": client_request_id,
                },
            )
        return reply

    def _authorize(self, call: RecordedCall) -> Reply | None:
        if self.expected_token is None:
            return None
        header = call.authorization
        if header == f"Bearer {self.expected_token}":
            return None
        message = "Access token is empty." if not header else "Access token validation failure."
        reply = _error(401, "InvalidAuthenticationToken", message)
        reply.fault = "unauthorized"
        return reply

    def _check_permission(self, route: _Route) -> Reply | None:
        if not route.permissions:
            return None
        with self._lock:
            if self._permissions & route.permissions:
                return None
        if route.permissions <= _DIRECTORY_BASIC:
            reply = _error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        else:
            reply = _error(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        reply.fault = "missing_permission"
        return reply

    def _render_fault(self, fault: Fault) -> Reply:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return Reply(
            fault.status or 500,
            {"error": {"code": fault.code or "generalException", "message": fault.message or ""}},
            headers,
            fault=fault.name,
        )

    # -- helpers -----------------------------------------------------------------------

    def _user_or_404(self, call: RecordedCall, *, calendar: bool = False) -> GraphUser | Reply:
        key = call.params.get("user", "")
        found = self.find_user(key)
        if found is not None:
            return found
        if calendar:
            return _error(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
        return _error(
            404,
            "Request_ResourceNotFound",
            f"Resource '{key}' does not exist or one of its queried reference-property "
            "objects are not present.",
        )

    @staticmethod
    def _select(call: RecordedCall) -> list[str] | Reply | None:
        raw = call.query.get("$select")
        if raw is None:
            return None
        known = {p.lower(): p for p in (*_USER_DEFAULT_PROPERTIES, *_USER_EXTRA_PROPERTIES)}
        chosen: list[str] = []
        for name in (part.strip() for part in raw.split(",")):
            if not name:
                continue
            if name.lower() not in known:
                return _error(
                    400,
                    "Request_BadRequest",
                    f"Could not find a property named '{name}' on type 'microsoft.graph.user'.",
                )
            chosen.append(known[name.lower()])
        return chosen

    @staticmethod
    def _project(user: GraphUser, select: list[str] | None) -> dict[str, Any]:
        props = user.properties()
        if select is None:
            return {k: props[k] for k in _USER_DEFAULT_PROPERTIES}
        return {k: props.get(k) for k in select}

    @staticmethod
    def _prefer_zone(call: RecordedCall) -> tuple[str, ZoneInfo] | Reply:
        prefer = call.header("Prefer") or ""
        match = _PREFER_TZ.search(prefer)
        name = match.group(1).strip() if match else "UTC"
        zone = resolve_time_zone(name)
        if zone is None:
            return _tz_error(name)
        return name, zone

    # -- users ---------------------------------------------------------------------------

    def _get_user(self, call: RecordedCall) -> Reply:
        user = self._user_or_404(call)
        if isinstance(user, Reply):
            return user
        select = self._select(call)
        if isinstance(select, Reply):
            return select
        context = f"{GRAPH_ROOT}/$metadata#users"
        if select:
            context += f"({','.join(select)})"
        return Reply(200, {"@odata.context": f"{context}/$entity", **self._project(user, select)})

    def _get_manager(self, call: RecordedCall) -> Reply:
        user = self._user_or_404(call)
        if isinstance(user, Reply):
            return user
        manager = self._users.get(user.manager_id) if user.manager_id else None
        if manager is None:
            return _error(
                404,
                "Request_ResourceNotFound",
                "Resource 'manager' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        select = self._select(call)
        if isinstance(select, Reply):
            return select
        return Reply(
            200,
            {
                "@odata.context": f"{GRAPH_ROOT}/$metadata#directoryObjects/$entity",
                "@odata.type": "#microsoft.graph.user",
                **self._project(manager, select),
            },
        )

    def _list_users(self, call: RecordedCall) -> Reply:
        select = self._select(call)
        if isinstance(select, Reply):
            return select
        users = list(self._users.values())
        raw_filter = call.query.get("$filter")
        if raw_filter:
            predicate = _parse_filter(raw_filter)
            if predicate is None:
                return _error(
                    400,
                    "Request_UnsupportedQuery",
                    f"Unsupported or invalid query filter clause: {raw_filter}",
                )
            users = [u for u in users if predicate(u)]
        top = call.query.get("$top")
        if top is not None:
            if not top.isdigit() or not 1 <= int(top) <= 999:
                return _error(400, "Request_BadRequest", "Invalid page size specified.")
            users = users[: int(top)]
        return Reply(
            200,
            {
                "@odata.context": f"{GRAPH_ROOT}/$metadata#users",
                "value": [self._project(u, select) for u in users],
            },
        )

    # -- calendar ------------------------------------------------------------------------

    def _get_schedule(self, call: RecordedCall) -> Reply:
        caller = self._user_or_404(call, calendar=True)
        if isinstance(caller, Reply):
            return caller
        body = call.body if isinstance(call.body, dict) else {}
        schedules = _ci(body, "schedules")
        if not isinstance(schedules, list) or not schedules:
            return _error(400, "ErrorInvalidParameter", "Schedules are required.")
        window = _parse_window(_ci(body, "startTime"), _ci(body, "endTime"))
        if isinstance(window, Reply):
            return window
        start, end = window
        interval_raw = _ci(body, "availabilityViewInterval")
        interval = 30 if interval_raw is None else interval_raw
        if not isinstance(interval, int) or not 5 <= interval <= 1440:
            return _error(
                400,
                "ErrorInvalidParameter",
                "availabilityViewInterval must be between 5 and 1440 minutes.",
            )
        if end - start > timedelta(days=62):
            return _error(400, "ErrorInvalidParameter", "The requested time range exceeds 62 days.")
        zone = self._prefer_zone(call)
        if isinstance(zone, Reply):
            return zone
        zone_name, out_zone = zone
        values = [
            self._schedule_information(str(s), start, end, interval, zone_name, out_zone)
            for s in schedules
        ]
        return Reply(
            200,
            {
                "@odata.context": f"{GRAPH_ROOT}/$metadata#{_SCHEDULE_COLLECTION}",
                "value": values,
            },
        )

    def _schedule_information(
        self,
        schedule_id: str,
        start: datetime,
        end: datetime,
        interval: int,
        zone_name: str,
        zone: ZoneInfo,
    ) -> dict[str, Any]:
        user = self.find_user(schedule_id)
        if user is None:
            return {
                "scheduleId": schedule_id,
                "availabilityView": "",
                "scheduleItems": [],
                "error": {
                    "message": f"The user '{schedule_id}' was not found.",
                    "responseCode": "ErrorMailRecipientNotFound",
                },
            }
        items = sorted(
            (i for i in user.calendar if i.start < end and i.end > start and i.status != "free"),
            key=lambda i: i.start,
        )
        slots = math.ceil((end - start) / timedelta(minutes=interval))
        view = []
        for n in range(slots):
            slot_start = start + timedelta(minutes=interval * n)
            slot_end = min(slot_start + timedelta(minutes=interval), end)
            status = max(
                (i.status for i in items if i.start < slot_end and i.end > slot_start),
                key=_PRECEDENCE.__getitem__,
                default="free",
            )
            view.append(_VIEW_DIGIT[status])
        return {
            "scheduleId": schedule_id,
            "availabilityView": "".join(view),
            "scheduleItems": [
                {
                    "isPrivate": i.is_private,
                    "status": i.status,
                    **({"subject": i.subject} if i.subject is not None else {}),
                    "start": {"dateTime": _graph_datetime(i.start, zone), "timeZone": zone_name},
                    "end": {"dateTime": _graph_datetime(i.end, zone), "timeZone": zone_name},
                }
                for i in items
            ],
            "workingHours": user.working_hours.to_json(),
        }

    def _create_event(self, call: RecordedCall) -> Reply:
        organizer = self._user_or_404(call, calendar=True)
        if isinstance(organizer, Reply):
            return organizer
        body = call.body if isinstance(call.body, dict) else None
        if body is None:
            return _error(400, "ErrorInvalidRequest", "An event body is required.")
        transaction_id = _ci(body, "transactionId")
        if transaction_id:
            existing = self._transactions.get((organizer.id, str(transaction_id)))
            if existing is not None and existing in self._events:
                return Reply(201, self._render_event(existing, call))
        start_raw, end_raw = _ci(body, "start"), _ci(body, "end")
        window = _parse_window(start_raw, end_raw)
        if isinstance(window, Reply):
            return window
        start, end = window
        online = bool(_ci(body, "isOnlineMeeting"))
        event_id = self._new_event_id(organizer.id)
        show_as = str(_ci(body, "showAs") or "busy")
        attendees: list[dict[str, Any]] = []
        for entry in _ci(body, "attendees") or []:
            if not isinstance(entry, dict):
                continue
            email = _ci(entry, "emailAddress") or {}
            attendees.append(
                {
                    "type": _ci(entry, "type") or "required",
                    "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                    "emailAddress": {"name": _ci(email, "name"), "address": _ci(email, "address")},
                }
            )
        body_obj = _ci(body, "body") or {}
        now = datetime.now(UTC)
        event: dict[str, Any] = {
            "id": event_id,
            "createdDateTime": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "lastModifiedDateTime": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "changeKey": base64.b64encode(secrets.token_bytes(12)).decode("ascii"),
            "transactionId": transaction_id,
            "iCalUId": "040000008200E00074C5B7101A82E008" + secrets.token_hex(28).upper(),
            "subject": _ci(body, "subject"),
            "bodyPreview": str(_ci(body_obj, "content") or "")[:255],
            "body": {
                "contentType": _ci(body_obj, "contentType") or "text",
                "content": _ci(body_obj, "content") or "",
            },
            "importance": "normal",
            "sensitivity": "normal",
            "isAllDay": False,
            "isCancelled": False,
            "isOrganizer": True,
            "responseRequested": True,
            "showAs": show_as,
            "type": "singleInstance",
            "start_utc": start,
            "end_utc": end,
            "originalStartTimeZone": _ci(start_raw, "timeZone"),
            "originalEndTimeZone": _ci(end_raw, "timeZone"),
            "location": _ci(body, "location") or {"displayName": ""},
            "attendees": attendees,
            "organizer": {"emailAddress": organizer.email_address()},
            "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
            "isOnlineMeeting": online,
            "onlineMeetingProvider": "teamsForBusiness" if online else "unknown",
            "onlineMeeting": {"joinUrl": self._join_url(event_id, organizer)} if online else None,
            "webLink": f"https://outlook.office365.com/owa/?itemid={quote(event_id)}&path=/calendar/item",
        }
        self._events[event_id] = event
        self._event_owner[event_id] = organizer.id
        if transaction_id:
            self._transactions[(organizer.id, str(transaction_id))] = event_id
        status = show_as if show_as in STATUSES else "busy"
        subject = event["subject"]
        organizer.calendar.append(CalendarItem(start, end, status, subject, event_id))
        for attendee in attendees:
            invitee = self.find_user(str(attendee["emailAddress"]["address"] or ""))
            if invitee is not None and invitee.id != organizer.id:
                invitee.calendar.append(
                    CalendarItem(start, end, self.invite_status, subject, event_id)
                )
        return Reply(201, self._render_event(event_id, call))

    def _render_event(self, event_id: str, call: RecordedCall) -> dict[str, Any]:
        event = dict(self._events[event_id])
        zone = self._prefer_zone(call)
        zone_name, out_zone = zone if not isinstance(zone, Reply) else ("UTC", ZoneInfo("UTC"))
        start, end = event.pop("start_utc"), event.pop("end_utc")
        event["start"] = {"dateTime": _graph_datetime(start, out_zone), "timeZone": zone_name}
        event["end"] = {"dateTime": _graph_datetime(end, out_zone), "timeZone": zone_name}
        owner = self._event_owner[event_id]
        return {
            "@odata.context": f"{GRAPH_ROOT}/$metadata#users('{owner}')/events/$entity",
            "@odata.etag": f'W/"{event["changeKey"]}"',
            **event,
        }

    def _new_event_id(self, owner: str) -> str:
        raw = hashlib.sha256(f"{owner}:{next(self._counter)}:{secrets.token_hex(4)}".encode())
        return "AAMkA" + base64.urlsafe_b64encode(raw.digest() * 3).decode("ascii").rstrip("=")

    def _join_url(self, event_id: str, organizer: GraphUser) -> str:
        meeting = hashlib.sha256(event_id.encode()).hexdigest()[:40]
        context = quote(f'{{"Tid":"{self.tenant_id}","Oid":"{organizer.id}"}}', safe="")
        return (
            f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{meeting}%40thread.v2/0"
            f"?context={context}"
        )

    def _list_events(self, call: RecordedCall) -> Reply:
        owner = self._user_or_404(call, calendar=True)
        if isinstance(owner, Reply):
            return owner
        return Reply(
            200,
            {
                "@odata.context": f"{GRAPH_ROOT}/$metadata#users('{owner.id}')/events",
                "value": [
                    self._render_event(event_id, call)
                    for event_id, who in self._event_owner.items()
                    if who == owner.id
                ],
            },
        )

    def _event_or_404(self, call: RecordedCall) -> tuple[GraphUser, str] | Reply:
        owner = self._user_or_404(call, calendar=True)
        if isinstance(owner, Reply):
            return owner
        event_id = call.params.get("event_id", "")
        if self._event_owner.get(event_id) != owner.id:
            return _error(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return owner, event_id

    def _get_event(self, call: RecordedCall) -> Reply:
        found = self._event_or_404(call)
        if isinstance(found, Reply):
            return found
        return Reply(200, self._render_event(found[1], call))

    def _delete_event(self, call: RecordedCall) -> Reply:
        found = self._event_or_404(call)
        if isinstance(found, Reply):
            return found
        _, event_id = found
        del self._events[event_id]
        del self._event_owner[event_id]
        for user in self._users.values():
            user.calendar[:] = [i for i in user.calendar if i.event_id != event_id]
        return Reply(204)

    # -- $batch ------------------------------------------------------------------------

    def _batch(self, call: RecordedCall) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        requests = _ci(body, "requests")
        if not isinstance(requests, list) or not requests:
            return _error(400, "BadRequest", "Invalid batch payload format.")
        if len(requests) > self.max_batch_requests:
            return _error(
                400,
                "BadRequest",
                f"Batch request has more than {self.max_batch_requests} requests.",
            )
        outcome: dict[str, int] = {}
        responses = []
        for item in requests:
            if not isinstance(item, dict) or not _ci(item, "id") or not _ci(item, "url"):
                return _error(400, "BadRequest", "Each batch request needs an id and a url.")
            item_id = str(_ci(item, "id"))
            depends = [str(d) for d in (_ci(item, "dependsOn") or [])]
            if any(not 200 <= outcome.get(d, 0) < 300 for d in depends):
                reply = _error(424, "FailedDependency", "A request this one depends on failed.")
            else:
                reply = self._batch_item(call, item, item_id)
            outcome[item_id] = reply.status
            entry: dict[str, Any] = {
                "id": item_id,
                "status": reply.status,
                "headers": {
                    **({"Content-Type": "application/json"} if reply.body is not None else {}),
                    **reply.headers,
                },
            }
            if reply.body is not None:
                entry["body"] = reply.body
            responses.append(entry)
        return Reply(200, {"responses": responses})

    def _batch_item(self, parent: RecordedCall, item: Mapping[str, Any], item_id: str) -> Reply:
        method = str(_ci(item, "method") or "GET").upper()
        url = urlsplit(str(_ci(item, "url")))
        path = unquote(url.path)
        if path.lower().startswith("/v1.0/"):
            path = path[len("/v1.0") :]
        segments = [s for s in path.split("/") if s]
        route = self._route(method, segments)
        headers = {str(k): str(v) for k, v in (_ci(item, "headers") or {}).items()}
        call = self.calls.record(
            method=method,
            path=f"/v1.0/{'/'.join(segments)}",
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={**headers, "Authorization": parent.authorization or ""},
            body=_ci(item, "body"),
            operation=route.operation if route else "unknown",
            target=self._target(route),
            params={**(route.params if route else {}), "batch_item": item_id},
        )
        if route is None or route.operation == "batch":
            reply = _error(400, "BadRequest", f"Unsupported batch request url: {path}")
        else:
            fault = self.faults.pick(call)
            if fault is not None and fault.status is not None:
                reply = self._render_fault(fault)
            else:
                reply = self._check_permission(route) or route.handler(call)
        reply = self._finish(call, reply)
        self.calls.complete(call, reply.status, reply.body, reply.fault)
        return reply


def _tz_error(name: str) -> Reply:
    return _error(
        400,
        "TimeZoneNotSupportedException",
        f"A valid TimeZone value must be specified. The following TimeZone value is not "
        f"supported: '{name}'.",
    )


def _parse_moment(value: Any) -> datetime | Reply:
    if not isinstance(value, dict):
        return _error(400, "ErrorInvalidRequest", "A dateTimeTimeZone value is required.")
    raw, zone_name = _ci(value, "dateTime"), _ci(value, "timeZone")
    if not isinstance(raw, str):
        return _error(400, "ErrorInvalidRequest", "dateTime is required.")
    zone = resolve_time_zone(str(zone_name or ""))
    if zone is None:
        return _tz_error(str(zone_name or ""))
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return _error(400, "ErrorInvalidRequest", f"Cannot convert '{raw}' to a date/time.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _parse_window(start_raw: Any, end_raw: Any) -> tuple[datetime, datetime] | Reply:
    start = _parse_moment(start_raw)
    if isinstance(start, Reply):
        return start
    end = _parse_moment(end_raw)
    if isinstance(end, Reply):
        return end
    if end <= start:
        return _error(400, "ErrorInvalidParameter", "The end time must be after the start time.")
    return start, end


def _parse_filter(text: str) -> Callable[[GraphUser], bool] | None:
    """``prop eq 'v'`` and ``prop in ('a','b')`` clauses joined by ``or`` (case-insensitive
    on string values, as Graph compares these properties)."""
    clauses: list[tuple[str, set[str]]] = []
    for part in re.split(r"\s+or\s+", text.strip(), flags=re.IGNORECASE):
        match = _FILTER_CLAUSE.match(part)
        if match is None:
            return None
        prop = _FILTERABLE.get(match.group("prop").lower())
        if prop is None:
            return None
        if match.group("values") is not None:
            values = {
                v.replace("''", "'").lower()
                for v in re.findall(r"'((?:[^']|'')*)'", match.group("values"))
            }
        else:
            values = {match.group("value").replace("''", "'").lower()}
        clauses.append((prop, values))

    def predicate(user: GraphUser) -> bool:
        props = user.properties()
        return any(str(props.get(prop) or "").lower() in values for prop, values in clauses)

    return predicate
