"""GraphCalendar through the real msgraph-sdk against the loopback Graph double."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.free_busy_status import FreeBusyStatus
from msgraph.generated.models.schedule_information import ScheduleInformation
from msgraph.generated.models.schedule_item import ScheduleItem

from bot.coffee.ports import CalendarPort
from bot.coffee.slots import find_slot
from bot.directory import Directory, ServiceError, ServiceErrorKind
from bot.graph.calendar import (
    MAX_SCHEDULES,
    USER_FIELDS,
    GraphCalendar,
    NoCalendar,
    _mark_items,
    open_calendar,
)
from bot.settings import GraphConfig
from tests.doubles import Doubles, Fault, FixedTokenCredential, GraphUser

from .conftest import graph_config

HELSINKI = ZoneInfo("Europe/Helsinki")
MONDAY = datetime(2026, 11, 30, tzinfo=HELSINKI)  # UTC+2
Make = Callable[..., GraphCalendar]


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


def someone(d: Doubles, name: str = "Testi", **kwargs: Any) -> GraphUser:
    return d.graph.add_user(f"{name} {uuid.uuid4().hex[:8]}", **kwargs)


def test_both_implement_both_ports(calendar: GraphCalendar) -> None:
    calendars: list[CalendarPort] = [calendar, NoCalendar()]
    directories: list[Directory] = [calendar, NoCalendar()]
    assert len(calendars) == len(directories) == 2


# -- find_user ------------------------------------------------------------------------------


async def test_find_user_by_id_upn_and_mail(doubles: Doubles, calendar: GraphCalendar) -> None:
    person = someone(doubles, "Aino", mail="aino.posti@virasto.example", preferred_language="sv-FI")
    by_id = await calendar.find_user(person.id)
    assert by_id is not None
    assert (by_id.id, by_id.display_name, by_id.mail, by_id.user_principal_name) == (
        person.id,
        person.display_name,
        "aino.posti@virasto.example",
        person.user_principal_name,
    )
    assert by_id.preferred_language == "sv-FI"
    assert by_id.language == "sv"
    call = doubles.graph.calls.find(operation="get_user")[-1]
    assert call.query["$select"] == ",".join(USER_FIELDS)
    assert call.authorization == f"Bearer {doubles.identity.access_token}"

    by_upn = await calendar.find_user(person.user_principal_name.upper())
    assert by_upn == by_id
    # A mail that is not the UPN: Graph's user route 404s (the double is more lenient, so
    # the 404 is injected) and a $filter on mail finds the user.
    doubles.graph.inject(
        Fault.http(404, "Request_ResourceNotFound", "Resource does not exist."),
        operation="get_user",
        times=1,
    )
    by_mail = await calendar.find_user("Aino.Posti@virasto.example")
    assert by_mail == by_id
    listed = doubles.graph.calls.find(operation="list_users")[-1]
    assert listed.query["$filter"] == "mail eq 'Aino.Posti@virasto.example'"


async def test_unknown_user_is_none(doubles: Doubles, calendar: GraphCalendar) -> None:
    assert await calendar.find_user(str(uuid.uuid4())) is None
    assert await calendar.find_user("ei.ole@virasto.example") is None
    assert await calendar.find_user("  ") is None
    assert await calendar.find_user("o'brien@virasto.example") is None  # quoted safely
    assert all(c.status in (200, 404) for c in doubles.graph.calls.all())


@pytest.mark.parametrize("key", ["..", ".", "a/b", "../../$batch", "a\\b", "50%", "a b", "x\ny"])
async def test_hostile_user_keys_never_reach_graph(
    doubles: Doubles, calendar: GraphCalendar, key: str
) -> None:
    # `..` would otherwise be resolved by httpx: /users/.. is the Graph root.
    assert await calendar.find_user(key) is None
    assert await calendar.free_busy([key], MONDAY, at(12), 60) == {}
    with pytest.raises(ServiceError) as raised:
        await calendar.create_meeting(key, [], "s", "b", at(10), at(11), "t")
    assert raised.value.kind is ServiceErrorKind.NOT_FOUND
    assert doubles.graph.calls.all() == []


async def test_cancel_refuses_dot_segments(doubles: Doubles, calendar: GraphCalendar) -> None:
    person = someone(doubles)
    for organizer, event in ((person.id, ".."), ("..", "AAMkA"), (person.id, "a\tb")):
        with pytest.raises(ValueError):
            await calendar.cancel_meeting(organizer, event)
    assert doubles.graph.calls.all() == []


async def test_find_user_without_permission(doubles: Doubles, calendar: GraphCalendar) -> None:
    person = someone(doubles)
    doubles.graph.revoke("User.Read.All", "User.ReadBasic.All")
    with pytest.raises(ServiceError) as raised:
        await calendar.find_user(person.id)
    assert raised.value.kind is ServiceErrorKind.PERMISSION_DENIED
    assert "Authorization_RequestDenied" in raised.value.detail


# -- free/busy ------------------------------------------------------------------------------


async def test_free_busy_digits_for_each_status(doubles: Doubles, calendar: GraphCalendar) -> None:
    a, b = someone(doubles, "Aino"), someone(doubles, "Bertta")
    graph = doubles.graph
    graph.add_busy(a, at(9), at(10), "busy", subject="Salainen aihe")
    graph.add_busy(a, at(10), at(10, 30), "tentative")
    graph.add_busy(a, at(11), at(12), "oof")
    graph.add_busy(a, at(12), at(13), "workingElsewhere")
    graph.add_busy(b, at(8), at(8, 20), "busy")

    result = await calendar.free_busy([a.id, b.user_principal_name], MONDAY, at(0, day=1), 30)

    assert set(result) == {a.id, b.user_principal_name}
    fa = result[a.id]
    assert (fa.user_id, fa.interval_minutes, len(fa.view)) == (a.id, 30, 48)
    assert fa.start == MONDAY and fa.start.tzinfo is UTC
    assert fa.view[18:26] == "22103344"
    assert fa.view.count("0") == 48 - 7
    assert result[b.user_principal_name].view[16:18] == "20"

    call = graph.calls.find(operation="get_schedule")[-1]
    assert call.header("Prefer") == 'outlook.timezone="UTC"'
    assert call.params["user"] == a.id
    body = call.body
    assert {"Schedules", "StartTime", "EndTime", "AvailabilityViewInterval"} <= set(body)
    assert body["Schedules"] == [a.mail, b.mail]
    assert body["StartTime"] == {"dateTime": "2026-11-29T22:00:00", "timeZone": "UTC"}
    assert body["EndTime"] == {"dateTime": "2026-11-30T22:00:00", "timeZone": "UTC"}
    assert body["AvailabilityViewInterval"] == 30


def test_working_elsewhere_reported_as_free_is_marked_from_the_items() -> None:
    # Graph v1.0 puts 0 for working elsewhere in availabilityView (backward compatibility).
    def item(status: FreeBusyStatus, start: str, end: str) -> ScheduleItem:
        return ScheduleItem(
            status=status,
            start=DateTimeTimeZone(date_time=start, time_zone="UTC"),
            end=DateTimeTimeZone(date_time=end, time_zone="UTC"),
        )

    info = ScheduleInformation(
        schedule_id="a@virasto.example",
        availability_view="002000",
        schedule_items=[
            item(FreeBusyStatus.Busy, "2026-11-30T08:30:00.0000000", "2026-11-30T09:00:00.0000000"),
            item(
                FreeBusyStatus.WorkingElsewhere,
                "2026-11-30T07:10:00.0000000",
                "2026-11-30T08:45:00.0000000",
            ),
            item(FreeBusyStatus.Free, "2026-11-30T09:00:00.0000000", "2026-11-30T09:30:00.0000000"),
            item(FreeBusyStatus.Oof, "2026-11-30T09:30:00.0000000", "2026-11-30T12:00:00.0000000"),
        ],
    )
    start = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert _mark_items(info, start, timedelta(minutes=30)) == "442203"


async def test_free_busy_splits_into_calls_of_twenty(
    doubles: Doubles, calendar: GraphCalendar
) -> None:
    people = [someone(doubles, f"Henkilö{n}") for n in range(MAX_SCHEDULES + 1)]
    doubles.graph.add_busy(people[-1], at(9), at(9, 30))
    ids = [p.id for p in people]

    result = await calendar.free_busy(ids, MONDAY, at(0, day=1), 30)

    assert set(result) == set(ids)
    assert result[people[-1].id].view[18] == "2"
    schedules = [c.body["Schedules"] for c in doubles.graph.calls.find(operation="get_schedule")]
    assert sorted(len(s) for s in schedules) == [1, MAX_SCHEDULES]
    assert sorted(a for s in schedules for a in s) == sorted(p.mail or "" for p in people)
    lookups = doubles.graph.calls.find(operation="list_users")
    assert len(lookups) == 2  # ids → addresses, 15 per `id in (...)` filter
    assert all(c.query["$filter"].startswith("id in ('") for c in lookups)

    # The addresses are remembered: a second round asks only for the schedules.
    doubles.graph.reset()
    await calendar.free_busy(ids, MONDAY, at(0, day=1), 30)
    assert [c.operation for c in doubles.graph.calls.all()] == ["get_schedule"] * 2


async def test_free_busy_leaves_out_unknown_users(
    doubles: Doubles, calendar: GraphCalendar
) -> None:
    person = someone(doubles)
    missing = str(uuid.uuid4())
    result = await calendar.free_busy(
        [person.id, missing, "ei.ole@virasto.example", person.id], MONDAY, at(12), 60
    )
    assert list(result) == [person.id]
    assert result[person.id].view == "0" * 12
    assert await calendar.free_busy([], MONDAY, at(12), 60) == {}


async def test_free_busy_without_calendar_permission(
    doubles: Doubles, calendar: GraphCalendar
) -> None:
    person = someone(doubles)
    doubles.graph.revoke("Calendars.ReadBasic", "Calendars.Read", "Calendars.ReadWrite")
    with pytest.raises(ServiceError) as raised:
        await calendar.free_busy([person.id], MONDAY, at(12), 60)
    assert raised.value.kind is ServiceErrorKind.PERMISSION_DENIED


async def test_free_busy_refuses_bad_windows(calendar: GraphCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await calendar.free_busy(["x"], datetime(2026, 11, 30), at(12), 30)
    with pytest.raises(ValueError, match="after"):
        await calendar.free_busy(["x"], at(12), at(11), 30)
    with pytest.raises(ValueError, match="62 days"):
        await calendar.free_busy(["x"], MONDAY, MONDAY + timedelta(days=62), 30)
    with pytest.raises(ValueError, match="interval"):
        await calendar.free_busy(["x"], MONDAY, at(12), 4)


# -- booking --------------------------------------------------------------------------------


async def test_create_meeting_books_a_teams_meeting(
    doubles: Doubles, calendar: GraphCalendar
) -> None:
    organizer, guest, third = (someone(doubles, n) for n in ("Järjestäjä", "Vieras", "Kolmas"))
    transaction = f"coffee:{uuid.uuid4()}"
    booked = await calendar.create_meeting(
        organizer.id,
        [guest.id, third.user_principal_name, organizer.id],
        "Virtuaalikahvit",
        "<p>Tämä on virtuaalinen tapaaminen Teamsissa.</p>",
        at(14),
        at(14, 30),
        transaction,
    )
    assert booked.join_url is not None
    assert booked.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert (booked.start, booked.end) == (at(14), at(14, 30))
    assert booked.start.tzinfo is UTC

    [event] = doubles.graph.events(organizer)
    assert event["id"] == booked.event_id
    assert event["isOnlineMeeting"] is True
    assert event["onlineMeetingProvider"] == "teamsForBusiness"
    assert event["transactionId"] == transaction
    assert [a["emailAddress"]["address"] for a in event["attendees"]] == [guest.mail, third.mail]
    assert {a["type"] for a in event["attendees"]} == {"required"}

    call = doubles.graph.calls.find(operation="create_event")[-1]
    assert call.header("Prefer") == 'outlook.timezone="UTC"'
    body = call.body
    assert body["start"] == {"dateTime": "2026-11-30T12:00:00", "timeZone": "UTC"}
    assert body["end"] == {"dateTime": "2026-11-30T12:30:00", "timeZone": "UTC"}
    assert body["body"] == {
        "content": "<p>Tämä on virtuaalinen tapaaminen Teamsissa.</p>",
        "contentType": "html",
    }
    assert body["allowNewTimeProposals"] is True
    assert body["isOnlineMeeting"] is True
    assert body["onlineMeetingProvider"] == "teamsForBusiness"
    attendee = body["attendees"][0]
    assert attendee["emailAddress"] == {"address": guest.mail, "name": guest.display_name}
    assert attendee["type"] == "required"
    # The meeting is now in everyone's calendar.
    assert [i.status for i in doubles.graph.calendar(organizer)] == ["busy"]
    assert [i.status for i in doubles.graph.calendar(guest)] == ["tentative"]


async def test_same_transaction_id_books_once(doubles: Doubles, calendar: GraphCalendar) -> None:
    organizer, guest = someone(doubles), someone(doubles)
    transaction = str(uuid.uuid4())

    async def book() -> str:
        booked = await calendar.create_meeting(
            organizer.id, [guest.id], "Kahvit", "<p>Hei</p>", at(10), at(10, 30), transaction
        )
        return booked.event_id

    first, second = await book(), await book()
    assert first == second
    assert len(doubles.graph.events(organizer)) == 1
    assert len(doubles.graph.calls.find(operation="create_event")) == 2


async def test_cancel_meeting_deletes_the_organizers_event(
    doubles: Doubles, calendar: GraphCalendar
) -> None:
    organizer, guest = someone(doubles), someone(doubles)
    booked = await calendar.create_meeting(
        organizer.id, [guest.id], "Kahvit", "<p>Hei</p>", at(10), at(10, 30), "tx-cancel"
    )
    await calendar.cancel_meeting(organizer.id, booked.event_id)
    assert doubles.graph.events(organizer) == []
    assert doubles.graph.calendar(organizer) == doubles.graph.calendar(guest) == []
    [call] = doubles.graph.calls.find(operation="delete_event")
    assert (call.method, call.status) == ("DELETE", 204)
    # Already gone: a retry is fine.
    await calendar.cancel_meeting(organizer.id, booked.event_id)
    # An unknown organizer is not.
    with pytest.raises(ServiceError) as raised:
        await calendar.cancel_meeting(str(uuid.uuid4()), booked.event_id)
    assert raised.value.kind is ServiceErrorKind.NOT_FOUND
    doubles.graph.revoke("Calendars.ReadWrite")
    with pytest.raises(ServiceError) as raised:
        await calendar.cancel_meeting(organizer.id, booked.event_id)
    assert raised.value.kind is ServiceErrorKind.PERMISSION_DENIED
    with pytest.raises(ValueError):
        await calendar.cancel_meeting(organizer.id, " ")


async def test_throttled_then_success(doubles: Doubles, calendar: GraphCalendar) -> None:
    organizer, guest = someone(doubles), someone(doubles)
    doubles.graph.inject(Fault.throttled(retry_after=1), operation="create_event", times=1)
    started = time.monotonic()
    booked = await calendar.create_meeting(
        organizer.id, [guest.id], "Kahvit", "<p>Hei</p>", at(10), at(10, 30), "tx-429"
    )
    assert time.monotonic() - started >= 1.0  # Retry-After honoured by the SDK
    assert booked.join_url
    calls = doubles.graph.calls.find(operation="create_event")
    assert [c.status for c in calls] == [429, 201]
    assert len(doubles.graph.events(organizer)) == 1


async def test_still_throttled_after_retries(doubles: Doubles, make_calendar: Make) -> None:
    person = someone(doubles)
    calendar = make_calendar(max_retries=1)
    doubles.graph.inject(Fault.throttled(retry_after=1), operation="get_user")
    with pytest.raises(ServiceError) as raised:
        await calendar.find_user(person.id)
    assert raised.value.kind is ServiceErrorKind.THROTTLED
    assert [c.status for c in doubles.graph.calls.find(operation="get_user")] == [429, 429]


async def test_missing_write_permission_is_permission_denied(
    doubles: Doubles, calendar: GraphCalendar
) -> None:
    organizer, guest = someone(doubles), someone(doubles)
    doubles.graph.revoke("Calendars.ReadWrite")
    with pytest.raises(ServiceError) as raised:
        await calendar.create_meeting(
            organizer.id, [guest.id], "Kahvit", "<p>Hei</p>", at(10), at(10, 30), "tx-403"
        )
    assert raised.value.kind is ServiceErrorKind.PERMISSION_DENIED
    assert "ErrorAccessDenied" in raised.value.detail
    assert doubles.graph.events(organizer) == []


async def test_injected_403_is_permission_denied(doubles: Doubles, calendar: GraphCalendar) -> None:
    person = someone(doubles)
    doubles.graph.inject(Fault.access_denied(), operation="get_schedule", times=1)
    with pytest.raises(ServiceError) as raised:
        await calendar.free_busy([person.id], MONDAY, at(12), 30)
    assert raised.value.kind is ServiceErrorKind.PERMISSION_DENIED


async def test_unknown_organizer_or_attendee_is_not_found(
    doubles: Doubles, calendar: GraphCalendar
) -> None:
    person = someone(doubles)
    for organizer, attendee in ((str(uuid.uuid4()), person.id), (person.id, str(uuid.uuid4()))):
        with pytest.raises(ServiceError) as raised:
            await calendar.create_meeting(
                organizer, [attendee], "Kahvit", "<p>Hei</p>", at(10), at(10, 30), "tx-404"
            )
        assert raised.value.kind is ServiceErrorKind.NOT_FOUND
    assert doubles.graph.events(person) == []


async def test_organizer_deleted_between_lookup_and_booking(
    doubles: Doubles, calendar: GraphCalendar
) -> None:
    organizer, guest = someone(doubles), someone(doubles)
    doubles.graph.inject(
        Fault.http(404, "ErrorInvalidUser", "The requested user is invalid."),
        operation="create_event",
        times=1,
    )
    with pytest.raises(ServiceError) as raised:
        await calendar.create_meeting(
            organizer.id, [guest.id], "Kahvit", "<p>Hei</p>", at(10), at(10, 30), "tx-gone"
        )
    assert raised.value.kind is ServiceErrorKind.NOT_FOUND
    assert "ErrorInvalidUser" in raised.value.detail


async def test_create_meeting_refuses_bad_input(calendar: GraphCalendar) -> None:
    with pytest.raises(ValueError, match="transaction_id"):
        await calendar.create_meeting("a", ["b"], "s", "b", at(10), at(11), " ")
    with pytest.raises(ValueError, match="after"):
        await calendar.create_meeting("a", ["b"], "s", "b", at(11), at(10), "t")
    with pytest.raises(ValueError, match="timezone-aware"):
        await calendar.create_meeting("a", ["b"], "s", "b", datetime(2026, 1, 1), at(10), "t")


async def test_server_error_is_unavailable(doubles: Doubles, calendar: GraphCalendar) -> None:
    person = someone(doubles)
    doubles.graph.inject(Fault.server_error(500), operation="get_user", times=1)
    with pytest.raises(ServiceError) as raised:
        await calendar.find_user(person.id)
    assert raised.value.kind is ServiceErrorKind.UNAVAILABLE


async def test_wrong_token_is_permission_denied(doubles: Doubles) -> None:
    calendar = GraphCalendar(
        graph_config(doubles), credential=FixedTokenCredential("not-the-right-token")
    )
    try:
        with pytest.raises(ServiceError) as raised:
            await calendar.find_user(str(uuid.uuid4()))
        assert raised.value.kind is ServiceErrorKind.PERMISSION_DENIED
    finally:
        await calendar.close()


async def test_unreachable_graph_is_unavailable(doubles: Doubles) -> None:
    config = graph_config(doubles, base_url="http://127.0.0.1:9/v1.0")
    async with GraphCalendar(config, credential=doubles.identity.credential()) as calendar:
        with pytest.raises(ServiceError) as raised:
            await calendar.find_user(str(uuid.uuid4()))
    assert raised.value.kind is ServiceErrorKind.UNAVAILABLE


async def test_scopes_are_explicit(doubles: Doubles) -> None:
    credential = doubles.identity.credential()
    async with GraphCalendar(graph_config(doubles), credential=credential) as calendar:
        await calendar.find_user(str(uuid.uuid4()))
    assert credential.requested_scopes == [("https://graph.microsoft.com/.default",)]


# -- pacing ---------------------------------------------------------------------------------


async def test_concurrent_calls_never_exceed_max_concurrency(
    doubles: Doubles, make_calendar: Make
) -> None:
    people = [someone(doubles) for _ in range(20)]
    hold = 0.2
    doubles.graph.inject(Fault.slow(hold), operation="get_user")
    calendar = make_calendar(max_concurrency=3, requests_per_second=1000.0)

    found = await asyncio.gather(*(calendar.find_user(p.id) for p in people))

    assert [u.id if u else None for u in found] == [p.id for p in people]
    arrivals = sorted(c.at for c in doubles.graph.calls.find(operation="get_user"))
    assert len(arrivals) == 20
    # Each call is held `hold` seconds at the double, so the calls that arrive within one
    # `hold` of each other were in flight together.
    in_flight = max(
        sum(1 for other in arrivals if first <= other < first + hold * 0.95) for first in arrivals
    )
    assert 2 <= in_flight <= 3
    assert calendar.pacer.peak_in_flight == 3
    assert arrivals[-1] - arrivals[0] >= hold * (20 // 3) * 0.9


async def test_requests_per_second_on_average(doubles: Doubles, make_calendar: Make) -> None:
    calendar = make_calendar(max_concurrency=4, requests_per_second=20.0)
    await asyncio.gather(*(calendar.find_user(str(uuid.uuid4())) for _ in range(16)))
    arrivals = sorted(c.at for c in doubles.graph.calls.find(operation="get_user"))
    assert len(arrivals) == 16
    # A burst of 4, then one every 50 ms: 12 more take 0.6 s (less connection jitter).
    assert arrivals[-1] - arrivals[0] >= 0.5
    assert arrivals[3] - arrivals[0] < 0.3


# -- without Graph -------------------------------------------------------------------------


async def test_no_calendar_says_not_configured() -> None:
    calendar = open_calendar(GraphConfig(auth="none"))
    assert isinstance(calendar, NoCalendar)
    calls = [
        calendar.find_user("x"),
        calendar.free_busy(["x"], MONDAY, at(12), 30),
        calendar.create_meeting("x", ["y"], "s", "b", at(10), at(11), "t"),
        calendar.cancel_meeting("x", "e"),
    ]
    for call in calls:
        with pytest.raises(ServiceError) as raised:
            await call
        assert raised.value.kind is ServiceErrorKind.NOT_CONFIGURED
    await calendar.close()


# -- end to end: free/busy → slot → booking → the slot is taken ------------------------------


async def test_slot_from_graph_then_booked(doubles: Doubles, calendar: GraphCalendar) -> None:
    a, b = someone(doubles, "Aino"), someone(doubles, "Bertta")
    doubles.graph.add_busy(a, at(9), at(10, 30))
    doubles.graph.add_busy(b, at(11), at(11, 30), "workingElsewhere")
    window = (MONDAY, at(0, day=5))

    async def next_slot() -> tuple[datetime, datetime] | None:
        views = await calendar.free_busy([a.id, b.id], *window, 15)
        return find_slot(
            list(views.values()), length_minutes=30, window_start=window[0], window_end=window[1]
        )

    slot = await next_slot()
    # 10:45-11:15 would run into b's 11:00; after 11:30 plus the gap: 11:45.
    assert slot == (at(11, 45), at(12, 15))
    assert slot is not None
    await calendar.create_meeting(a.id, [b.id], "Kahvit", "<p>Hei</p>", *slot, "tx-e2e")
    # The booked meeting (busy for a, tentative for b) plus its gap moves the next slot.
    assert await next_slot() == (at(12, 30), at(13))
