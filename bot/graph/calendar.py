"""The Directory and Calendar ports over Microsoft Graph (app-only) with msgraph-sdk, and
NoCalendar for both when Graph is off.

Requests (all paced: at most `max_concurrency` in flight, `requests_per_second` on average;
the SDK's retry handler retries 429/503/504 honouring `Retry-After`):

- `GET /users/{id|upn}?$select=id,displayName,mail,userPrincipalName,preferredLanguage`
  (a mail that is not a UPN: `GET /users?$filter=mail eq '…'`);
- `GET /users?$filter=id in ('…',…)&$select=…&$top=15` to turn object ids into SMTP
  addresses (getSchedule and attendees take addresses, not ids; `in` allows 15 values);
- `POST /users/{first}/calendar/getSchedule` with up to 20 schedules, times in UTC and
  `Prefer: outlook.timezone="UTC"`. Graph v1.0 reports *working elsewhere* as `0` in
  availabilityView "for backward compatibility", so the view is re-marked `4` from the
  scheduleItems (only their status and times are read);
- `POST /users/{organizer}/events`: online Teams meeting with `transactionId`;
- `DELETE /users/{organizer}/events/{id}`: cancels it (attendees are notified).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CredentialUnavailableError
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.default_query_parameters import QueryParameters
from kiota_abstractions.request_option import RequestOption
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.models.attendee import Attendee
from msgraph.generated.models.attendee_type import AttendeeType
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.free_busy_status import FreeBusyStatus
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
from msgraph.generated.models.schedule_information import ScheduleInformation
from msgraph.generated.models.user import User
from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import (
    GetSchedulePostRequestBody,
)
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import APIVersion, GraphClientFactory
from msgraph_core.middleware.options import GraphTelemetryHandlerOption

from bot.coffee.ports import BookedMeeting, FreeBusy
from bot.directory import DirectoryUser, ServiceError, ServiceErrorKind
from bot.graph.credentials import GRAPH_SCOPES, build_credential
from bot.graph.pacing import Pacer
from bot.ids import is_guid
from bot.settings import GraphConfig

__all__ = [
    "MAX_FILTER_VALUES",
    "MAX_SCHEDULES",
    "USER_FIELDS",
    "GraphCalendar",
    "NoCalendar",
    "open_calendar",
]

T = TypeVar("T")

USER_FIELDS = ["id", "displayName", "mail", "userPrincipalName", "preferredLanguage"]
MAX_SCHEDULES = 20  # getSchedule: "up to 20 entities at once"
MAX_FILTER_VALUES = 15  # $filter `in`: 15 values without advanced queries
MAX_WINDOW = timedelta(days=62)  # getSchedule: "less than 62 days"
PREFER_UTC = 'outlook.timezone="UTC"'
_UTC_NAMES = frozenset({"utc", "coordinated universal time", "tzone://microsoft/utc", "etc/utc"})
# When items overlap, the busiest status wins (oof > busy > tentative > elsewhere > free).
_DIGIT = {
    FreeBusyStatus.Tentative: "1",
    FreeBusyStatus.Busy: "2",
    FreeBusyStatus.Oof: "3",
    FreeBusyStatus.WorkingElsewhere: "4",
}
_RANK = {"0": 0, "4": 1, "1": 2, "2": 3, "3": 4}
_CACHE_SECONDS = 3600.0
_CACHE_ENTRIES = 20_000


def _sdk_version() -> str:
    try:
        return version("msgraph-sdk")
    except PackageNotFoundError:  # pragma: no cover - installed with the bot
        return "unknown"


def _graph_time(moment: datetime) -> DateTimeTimeZone:
    """A dateTimeTimeZone in UTC, whole seconds (what we send everywhere)."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return DateTimeTimeZone(date_time=text, time_zone="UTC")


def _parse_graph_time(value: DateTimeTimeZone | None) -> datetime | None:
    """Graph's `{"dateTime": "2026-11-30T12:00:00.0000000", "timeZone": "UTC"}`."""
    if value is None or not value.date_time:
        return None
    raw = value.date_time
    head, _, fraction = raw.partition(".")
    try:
        moment = datetime.fromisoformat(head)
    except ValueError:
        return None
    if fraction.isdigit():
        moment = moment.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    zone_name = (value.time_zone or "UTC").strip()
    if zone_name.lower() in _UTC_NAMES:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _safe_segment(value: str) -> bool:
    """Usable as one URL path segment: kiota percent-encodes reserved characters, but `.`
    and `..` are unreserved and would be resolved as dot-segments by httpx (a DELETE of
    `events/..` would address the user). Control characters and spaces are refused too."""
    return (
        bool(value)
        and value.strip(".") != ""
        and not any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value)
    )


def _plausible_user_key(value: str) -> bool:
    """An object id, UPN or mail could be this (none contains a slash or a percent sign)."""
    return _safe_segment(value) and not any(ch in value for ch in "/\\%")


def _odata_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _directory_user(user: User) -> DirectoryUser | None:
    if not user.id:
        return None
    return DirectoryUser(
        id=user.id,
        display_name=user.display_name or user.user_principal_name or user.id,
        mail=user.mail,
        user_principal_name=user.user_principal_name,
        preferred_language=user.preferred_language,
    )


def _address(user: DirectoryUser) -> str | None:
    """The SMTP address Graph's calendar APIs want (users without mail: their UPN)."""
    return user.mail or user.user_principal_name


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _unique(keys: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    result: list[str] = []
    for key in keys:
        folded = key.strip().lower()
        if folded and folded not in seen:
            seen.add(folded)
            result.append(key.strip())
    return result


def _mark_items(info: ScheduleInformation, start: datetime, interval: timedelta) -> str:
    """availabilityView with scheduleItems merged in (working elsewhere shows as 4)."""
    view = list(info.availability_view or "")
    for item in info.schedule_items or []:
        digit = _DIGIT.get(item.status) if item.status is not None else None
        begin, end = _parse_graph_time(item.start), _parse_graph_time(item.end)
        if digit is None or begin is None or end is None or end <= begin:
            continue
        first = max(0, (begin - start) // interval)
        last = min(len(view), -((start - end) // interval))
        for index in range(first, last):
            current = view[index]
            if current in _RANK and _RANK[digit] > _RANK[current]:
                view[index] = digit
    return "".join(view)


class _Directory:
    """Directory entries by lower-cased id, UPN and mail, for an hour (ids → addresses)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[float, DirectoryUser]] = {}

    def get(self, key: str) -> DirectoryUser | None:
        found = self._entries.get(key.strip().lower())
        if found is None or self._clock() - found[0] > _CACHE_SECONDS:
            return None
        return found[1]

    def put(self, user: DirectoryUser) -> None:
        if len(self._entries) >= _CACHE_ENTRIES:
            self._entries.clear()
        now = self._clock()
        for key in (user.id, user.user_principal_name, user.mail):
            if key:
                self._entries[key.lower()] = (now, user)


class GraphCalendar:
    """The Directory port (bot/directory.py) and the CalendarPort (bot/coffee/ports.py) over
    Microsoft Graph with msgraph-sdk.

    `credential` None: built from `config` (and closed by `close()`); tests pass an
    object with an async `get_token(*scopes)` returning an azure AccessToken.
    """

    def __init__(
        self,
        config: GraphConfig,
        credential: AsyncTokenCredential | None = None,
        *,
        call_timeout: float = 120.0,
        max_retries: int = RetryHandlerOption.DEFAULT_MAX_RETRIES,
    ) -> None:
        config.validate()
        self.config = config
        self._owns_credential = credential is None
        self._credential = credential if credential is not None else build_credential(config)
        self._call_timeout = call_timeout
        base_url = config.base_url.rstrip("/")
        host = urlsplit(base_url).hostname or ""
        options: dict[str, RequestOption] = {
            RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=max_retries),
            GraphTelemetryHandlerOption.get_key(): GraphTelemetryHandlerOption(
                api_version=APIVersion.v1, sdk_version=_sdk_version()
            ),
        }
        self._http = GraphClientFactory.create_with_default_middleware(options=options)
        # The token goes only to the configured Graph host.
        auth = AzureIdentityAuthenticationProvider(
            self._credential, scopes=list(GRAPH_SCOPES), allowed_hosts=[host]
        )
        adapter = GraphRequestAdapter(auth, client=self._http)
        adapter.base_url = base_url
        self._client = GraphServiceClient(request_adapter=adapter)
        self.pacer = Pacer(config.max_concurrency, config.requests_per_second)
        self._directory = _Directory()

    async def close(self) -> None:
        await self._http.aclose()
        if self._owns_credential:
            await self._credential.close()

    async def __aenter__(self) -> GraphCalendar:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- plumbing ------------------------------------------------------------------------

    async def _call(self, what: str, request: Callable[[], Awaitable[T]]) -> T:
        """One paced Graph request, its failures as ServiceError."""
        async with self.pacer:
            try:
                async with asyncio.timeout(self._call_timeout):
                    return await request()
            except APIError as exc:
                raise self._api_error(what, exc) from exc
            except CredentialUnavailableError as exc:
                raise ServiceError(
                    ServiceErrorKind.NOT_CONFIGURED, f"{what}: no credential: {exc.message}"
                ) from exc
            except ClientAuthenticationError as exc:
                raise ServiceError(
                    ServiceErrorKind.PERMISSION_DENIED, f"{what}: sign-in failed: {exc.message}"
                ) from exc
            except (httpx.HTTPError, TimeoutError, OSError) as exc:
                raise ServiceError(
                    ServiceErrorKind.UNAVAILABLE, f"{what}: {type(exc).__name__}"
                ) from exc

    @staticmethod
    def _api_error(what: str, exc: APIError) -> ServiceError:
        status = exc.response_status_code
        code = ""
        if isinstance(exc, ODataError) and exc.error is not None:
            code = exc.error.code or ""
        detail = f"{what}: HTTP {status} {code}".rstrip()
        if status in (401, 403):
            return ServiceError(ServiceErrorKind.PERMISSION_DENIED, detail)
        if status == 404:
            return ServiceError(ServiceErrorKind.NOT_FOUND, detail)
        if status == 429:
            return ServiceError(ServiceErrorKind.THROTTLED, detail)
        return ServiceError(ServiceErrorKind.UNAVAILABLE, detail)

    @staticmethod
    def _prefer_utc() -> RequestConfiguration[QueryParameters]:
        config: RequestConfiguration[QueryParameters] = RequestConfiguration()
        config.headers.add("Prefer", PREFER_UTC)
        return config

    # -- directory -----------------------------------------------------------------------

    async def find_user(self, id_or_upn: str) -> DirectoryUser | None:
        key = id_or_upn.strip()
        if not _plausible_user_key(key):
            return None
        query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=list(USER_FIELDS)
        )
        config = RequestConfiguration(query_parameters=query)
        try:
            user = await self._call(
                "get user", lambda: self._client.users.by_user_id(key).get(config)
            )
        except ServiceError as exc:
            if exc.kind is not ServiceErrorKind.NOT_FOUND:
                raise
            user = None
        found = _directory_user(user) if user is not None else None
        if found is None and "@" in key:
            # A mail address that is not anyone's UPN.
            matches = await self._list_users(f"mail eq {_odata_quote(key)}", top=1)
            found = matches[0] if matches else None
        if found is not None:
            self._directory.put(found)
        return found

    async def _list_users(self, expression: str, *, top: int) -> list[DirectoryUser]:
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            filter=expression, select=list(USER_FIELDS), top=top
        )
        config = RequestConfiguration(query_parameters=query)
        page = await self._call("list users", lambda: self._client.users.get(config))
        users = [_directory_user(u) for u in (page.value or [])] if page is not None else []
        return [u for u in users if u is not None]

    async def _resolve(self, keys: Sequence[str]) -> dict[str, DirectoryUser]:
        """Directory entries for ids/UPNs/mails (cached); unknown keys are left out."""
        result: dict[str, DirectoryUser] = {}
        ids: list[str] = []
        others: list[str] = []
        for key in keys:
            cached = self._directory.get(key)
            if cached is not None:
                result[key] = cached
            elif not _plausible_user_key(key):
                continue
            elif is_guid(key):
                ids.append(key)
            else:
                others.append(key)

        async def by_ids(chunk: Sequence[str]) -> list[DirectoryUser]:
            expression = f"id in ({','.join(_odata_quote(k) for k in chunk)})"
            return await self._list_users(expression, top=MAX_FILTER_VALUES)

        found = await _gather(
            *(by_ids(chunk) for chunk in _chunks(ids, MAX_FILTER_VALUES)),
        )
        for user in (u for users in found for u in users):
            self._directory.put(user)
        singles = await _gather(*(self.find_user(key) for key in others))
        for key, single in zip(others, singles, strict=True):
            if single is not None:
                result[key] = single
        for key in ids:
            cached = self._directory.get(key)
            if cached is not None:
                result[key] = cached
        return result

    # -- free/busy -----------------------------------------------------------------------

    async def free_busy(
        self, user_ids: list[str], start: datetime, end: datetime, interval_minutes: int
    ) -> dict[str, FreeBusy]:
        _require_aware("start", start)
        _require_aware("end", end)
        if end <= start:
            raise ValueError("end must be after start")
        if end - start >= MAX_WINDOW:
            raise ValueError("Graph's getSchedule covers less than 62 days")
        if not 5 <= interval_minutes <= 1440:
            raise ValueError("interval_minutes must be between 5 and 1440")
        begin = start.astimezone(UTC).replace(microsecond=0)
        keys = _unique(user_ids)
        if not keys:
            return {}
        users = await self._resolve(keys)
        by_address: dict[str, list[str]] = {}  # lower-cased address → the caller's keys
        spelled: dict[str, str] = {}
        for key in keys:
            user = users.get(key)
            address = _address(user) if user is not None else None
            if address:
                by_address.setdefault(address.lower(), []).append(key)
                spelled.setdefault(address.lower(), address)
        addresses = list(by_address)
        if not addresses:
            return {}
        interval = timedelta(minutes=interval_minutes)

        async def one_call(chunk: Sequence[str]) -> list[ScheduleInformation]:
            body = GetSchedulePostRequestBody(
                schedules=[spelled[a] for a in chunk],
                start_time=_graph_time(begin),
                end_time=_graph_time(end),
                availability_view_interval=interval_minutes,
            )
            caller = by_address[chunk[0]][0]
            owner = users[caller].id
            config = self._prefer_utc()
            response = await self._call(
                "getSchedule",
                lambda: self._client.users.by_user_id(owner).calendar.get_schedule.post(
                    body, config
                ),
            )
            return list(response.value or []) if response is not None else []

        answers = await _gather(*(one_call(c) for c in _chunks(addresses, MAX_SCHEDULES)))
        result: dict[str, FreeBusy] = {}
        for info in (i for answer in answers for i in answer):
            if info.error is not None or info.availability_view is None or not info.schedule_id:
                continue  # Graph could not answer for this one: left out
            view = _mark_items(info, begin, interval)
            for key in by_address.get(info.schedule_id.lower(), []):
                result[key] = FreeBusy(key, begin, interval_minutes, view)
        return result

    # -- booking -------------------------------------------------------------------------

    async def create_meeting(
        self,
        organizer_id: str,
        attendee_ids: list[str],
        subject: str,
        body_html: str,
        start: datetime,
        end: datetime,
        transaction_id: str,
    ) -> BookedMeeting:
        _require_aware("start", start)
        _require_aware("end", end)
        if end <= start:
            raise ValueError("end must be after start")
        if not transaction_id.strip():
            raise ValueError("transaction_id is required (it makes a retry book only once)")
        organizer_key = organizer_id.strip()
        others = [k for k in _unique(attendee_ids) if k.lower() != organizer_key.lower()]
        users = await self._resolve(_unique([organizer_key, *others]))
        organizer = users.get(organizer_key)
        if organizer is None:
            raise ServiceError(ServiceErrorKind.NOT_FOUND, f"organizer {organizer_key}")
        attendees: list[Attendee] = []
        for key in others:
            user = users.get(key)
            address = _address(user) if user is not None else None
            if user is None or address is None:
                raise ServiceError(ServiceErrorKind.NOT_FOUND, f"attendee {key}")
            if user.id == organizer.id:
                continue
            attendees.append(
                Attendee(
                    type=AttendeeType.Required,
                    email_address=EmailAddress(address=address, name=user.display_name),
                )
            )
        event = Event(
            subject=subject,
            body=ItemBody(content_type=BodyType.Html, content=body_html),
            start=_graph_time(start),
            end=_graph_time(end),
            attendees=attendees,
            is_online_meeting=True,
            online_meeting_provider=OnlineMeetingProviderType.TeamsForBusiness,
            allow_new_time_proposals=True,
            transaction_id=transaction_id,
        )
        config = self._prefer_utc()
        created = await self._call(
            "create event",
            lambda: self._client.users.by_user_id(organizer.id).events.post(event, config),
        )
        if created is None or not created.id:
            raise ServiceError(ServiceErrorKind.UNAVAILABLE, "create event: empty answer")
        join_url = created.online_meeting.join_url if created.online_meeting else None
        return BookedMeeting(
            event_id=created.id,
            join_url=join_url,
            start=_parse_graph_time(created.start) or start.astimezone(UTC),
            end=_parse_graph_time(created.end) or end.astimezone(UTC),
        )

    async def cancel_meeting(self, organizer_id: str, event_id: str) -> None:
        """`DELETE /users/{organizer}/events/{id}`: Graph sends the attendees a cancellation
        when the organizer's copy of a meeting is deleted. An event that is already gone
        counts as cancelled (a retry must not fail); an unknown organizer is NOT_FOUND."""
        organizer, event = organizer_id.strip(), event_id.strip()
        if not _plausible_user_key(organizer) or not _safe_segment(event):
            raise ValueError(f"not an organizer and event id: {organizer_id!r}, {event_id!r}")
        try:
            await self._call(
                "delete event",
                lambda: self._client.users.by_user_id(organizer).events.by_event_id(event).delete(),
            )
        except ServiceError as exc:
            cause = exc.__cause__
            if (
                isinstance(cause, ODataError)
                and cause.error is not None
                and cause.error.code == "ErrorItemNotFound"
            ):
                return
            raise


async def _gather(*calls: Awaitable[T]) -> list[T]:
    """All results, or the first ServiceError once every call has finished."""
    outcomes: list[Any] = await asyncio.gather(*calls, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


def open_calendar(config: GraphConfig) -> GraphCalendar | NoCalendar:
    """The calendar for the settings: NoCalendar when GRAPH_AUTH=none."""
    if not config.enabled:
        config.validate()
        return NoCalendar()
    return GraphCalendar(config)


class NoCalendar:
    """Both ports when Graph is not configured (GRAPH_AUTH=none): every call says so."""

    def __init__(self, reason: str = "Microsoft Graph is not configured (GRAPH_AUTH=none)") -> None:
        self.reason = reason

    async def find_user(self, id_or_upn: str) -> DirectoryUser | None:
        raise ServiceError(ServiceErrorKind.NOT_CONFIGURED, self.reason)

    async def free_busy(
        self, user_ids: list[str], start: datetime, end: datetime, interval_minutes: int
    ) -> dict[str, FreeBusy]:
        raise ServiceError(ServiceErrorKind.NOT_CONFIGURED, self.reason)

    async def create_meeting(
        self,
        organizer_id: str,
        attendee_ids: list[str],
        subject: str,
        body_html: str,
        start: datetime,
        end: datetime,
        transaction_id: str,
    ) -> BookedMeeting:
        raise ServiceError(ServiceErrorKind.NOT_CONFIGURED, self.reason)

    async def cancel_meeting(self, organizer_id: str, event_id: str) -> None:
        raise ServiceError(ServiceErrorKind.NOT_CONFIGURED, self.reason)

    async def close(self) -> None:
        return None


if TYPE_CHECKING:
    from bot.coffee.ports import CalendarPort
    from bot.directory import Directory

    def _implements_the_calendar(graph: GraphCalendar, none: NoCalendar) -> list[CalendarPort]:
        return [graph, none]

    def _implements_the_directory(graph: GraphCalendar, none: NoCalendar) -> list[Directory]:
        return [graph, none]
