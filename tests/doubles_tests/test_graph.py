"""Graph double through the real msgraph-sdk: users, getSchedule, events, errors, $batch."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.attendee import Attendee
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.day_of_week import DayOfWeek
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.free_busy_status import FreeBusyStatus
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
from msgraph.generated.models.user import User
from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import (
    GetSchedulePostRequestBody,
)
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from tests.doubles import Doubles, Fault, GraphUser, WorkingHours, resolve_time_zone

HELSINKI = ZoneInfo("Europe/Helsinki")
DAY = datetime(2026, 11, 30, tzinfo=HELSINKI)  # a Monday in winter time (UTC+2)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


def someone(d: Doubles, name: str = "Testi", **kwargs: Any) -> GraphUser:
    tag = uuid.uuid4().hex[:8]
    return d.graph.add_user(f"{name} {tag}", **kwargs)


def when(moment: str, zone: str = "Europe/Helsinki") -> DateTimeTimeZone:
    return DateTimeTimeZone(date_time=moment, time_zone=zone)


async def test_get_user_by_id_and_upn_with_select(doubles: Doubles) -> None:
    boss = someone(doubles, "Esihenkilö")
    person = someone(doubles, "Aino", job_title="Suunnittelija", manager=boss)
    client = doubles.graph_client()

    by_id = await client.users.by_user_id(person.id).get()
    assert isinstance(by_id, User)
    assert (by_id.id, by_id.display_name, by_id.job_title) == (
        person.id,
        person.display_name,
        "Suunnittelija",
    )
    config = RequestConfiguration(
        query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=["displayName", "mail"]
        )
    )
    by_upn = await client.users.by_user_id(person.user_principal_name.upper()).get(config)
    assert by_upn is not None
    assert by_upn.display_name == person.display_name and by_upn.mail == person.mail
    assert by_upn.id is None and by_upn.job_title is None  # not selected
    call = doubles.graph.calls.all()[-1]
    assert call.query["$select"] == "displayName,mail"
    assert call.authorization == f"Bearer {doubles.identity.access_token}"

    manager = await client.users.by_user_id(person.id).manager.get()
    assert isinstance(manager, User) and manager.id == boss.id


async def test_filter_users_by_mail_or_upn(doubles: Doubles) -> None:
    one, two = someone(doubles), someone(doubles)
    client = doubles.graph_client()

    def query(expression: str) -> RequestConfiguration[Any]:
        return RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter=expression
            )
        )

    found = await client.users.get(query(f"mail eq '{one.mail}'"))
    assert found is not None and [u.id for u in found.value or []] == [one.id]
    either = await client.users.get(
        query(f"userPrincipalName eq '{one.user_principal_name}' or mail eq '{two.mail}'")
    )
    assert either is not None and {u.id for u in either.value or []} == {one.id, two.id}
    with pytest.raises(ODataError) as raised:
        await client.users.get(query("startswith(displayName,'A')"))
    assert raised.value.response_status_code == 400


async def test_get_schedule_availability_view_for_each_status(doubles: Doubles) -> None:
    person = someone(doubles, working_hours=WorkingHours(time_zone="FLE Standard Time"))
    graph = doubles.graph
    graph.add_busy(person, at(8, 15), at(8, 20), "tentative")
    graph.add_busy(person, at(9), at(10), "busy", subject="Tiimipalaveri")
    graph.add_busy(person, at(10), at(10, 30), "tentative")
    graph.add_busy(person, at(11), at(12), "oof")
    graph.add_busy(person, at(12), at(13), "workingElsewhere")
    graph.add_busy(person, at(13), at(13, 30), "busy")
    graph.add_busy(person, at(13), at(13, 30), "oof")  # overlapping: oof wins
    graph.add_busy(person, at(15), at(16), "busy")  # outside the window
    client = doubles.graph_client()

    assert person.mail is not None
    body = GetSchedulePostRequestBody(
        schedules=[person.mail, "nobody@virasto.example"],
        start_time=when("2026-11-30T08:00:00"),
        end_time=when("2026-11-30T14:00:00"),
        availability_view_interval=30,
    )
    result = await client.users.by_user_id(person.id).calendar.get_schedule.post(body)
    assert result is not None and result.value is not None
    mine, unknown = result.value
    assert mine.schedule_id == person.mail
    assert mine.availability_view == "102210334430"
    items = mine.schedule_items or []
    assert [i.status for i in items] == [
        FreeBusyStatus.Tentative,
        FreeBusyStatus.Busy,
        FreeBusyStatus.Tentative,
        FreeBusyStatus.Oof,
        FreeBusyStatus.WorkingElsewhere,
        FreeBusyStatus.Busy,
        FreeBusyStatus.Oof,
    ]
    # No Prefer header: times come back in UTC (Helsinki is UTC+2 in November).
    assert items[1].start is not None and items[1].start.date_time == "2026-11-30T07:00:00.0000000"
    assert items[1].start.time_zone == "UTC"
    hours = mine.working_hours
    assert hours is not None and hours.time_zone is not None
    assert hours.time_zone.name == "FLE Standard Time"
    assert (hours.days_of_week or [])[:1] == [DayOfWeek.Monday]
    assert unknown.error is not None and unknown.availability_view == ""

    # The SDK sends PascalCase property names; the double binds them like Graph does.
    sent = doubles.graph.calls.find(operation="get_schedule")[-1].body
    assert {"Schedules", "StartTime", "EndTime", "AvailabilityViewInterval"} <= set(sent)


async def test_get_schedule_honours_prefer_outlook_timezone(doubles: Doubles) -> None:
    person = someone(doubles)
    doubles.graph.add_busy(person, at(9), at(9, 30))
    client = doubles.graph_client()
    config: RequestConfiguration[Any] = RequestConfiguration()
    config.headers.add("Prefer", 'outlook.timezone="Europe/Helsinki"')
    body = GetSchedulePostRequestBody(
        schedules=[person.user_principal_name],
        start_time=when("2026-11-30T06:00:00", "UTC"),
        end_time=when("2026-11-30T08:00:00", "UTC"),
        availability_view_interval=60,
    )
    result = await client.users.by_user_id(person.id).calendar.get_schedule.post(body, config)
    assert result is not None and result.value
    info = result.value[0]
    assert info.availability_view == "02"  # 08:00-09:00 free, 09:00-10:00 busy (local)
    item = (info.schedule_items or [])[0]
    assert item.start is not None and item.start.date_time == "2026-11-30T09:00:00.0000000"
    assert item.start.time_zone == "Europe/Helsinki"


async def test_create_online_meeting_is_idempotent_per_transaction_id(doubles: Doubles) -> None:
    organizer, guest = someone(doubles, "Järjestäjä"), someone(doubles, "Vieras")
    client = doubles.graph_client()
    transaction = str(uuid.uuid4())

    def event() -> Event:
        return Event(
            subject="Virtuaalikahvit",
            body=ItemBody(content="Tutustutaan!"),
            start=when("2026-11-30T14:00:00"),
            end=when("2026-11-30T14:30:00"),
            attendees=[Attendee(email_address=EmailAddress(address=guest.mail, name="Vieras"))],
            is_online_meeting=True,
            online_meeting_provider=OnlineMeetingProviderType.TeamsForBusiness,
            transaction_id=transaction,
        )

    first = await client.users.by_user_id(organizer.id).events.post(event())
    second = await client.users.by_user_id(organizer.id).events.post(event())
    assert first is not None and second is not None
    assert first.id == second.id
    assert first.online_meeting is not None and first.online_meeting.join_url is not None
    assert first.online_meeting.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert [e["id"] for e in doubles.graph.events(organizer)] == [first.id]
    assert first.start is not None and first.start.date_time == "2026-11-30T12:00:00.0000000"

    # Both calendars now show the meeting: busy for the organizer, tentative for the guest.
    assert [(i.status, i.start) for i in doubles.graph.calendar(organizer)] == [
        ("busy", at(14)),
    ]
    assert [i.status for i in doubles.graph.calendar(guest)] == ["tentative"]

    # The same transaction id for another organizer is another event.
    other = await client.users.by_user_id(guest.id).events.post(event())
    assert other is not None and other.id != first.id


async def test_throttled_then_success_through_the_sdk_retry_handler(doubles: Doubles) -> None:
    person = someone(doubles)
    doubles.graph.inject(Fault.throttled(retry_after=1), user=person, times=1)
    client = doubles.graph_client()
    started = time.monotonic()
    user = await client.users.by_user_id(person.id).get()
    assert user is not None and user.id == person.id
    assert time.monotonic() - started >= 1.0  # honoured Retry-After
    calls = doubles.graph.calls.find(operation="get_user", target=person.id)
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].header("Retry-Attempt") == "1"


async def test_missing_permission_is_403(doubles: Doubles) -> None:
    person = someone(doubles)
    client = doubles.graph_client()
    doubles.graph.revoke("Calendars.ReadWrite")
    with pytest.raises(ODataError) as raised:
        await client.users.by_user_id(person.id).events.post(
            Event(subject="x", start=when("2026-11-30T10:00:00"), end=when("2026-11-30T11:00:00"))
        )
    assert raised.value.response_status_code == 403
    assert raised.value.error is not None and raised.value.error.code == "ErrorAccessDenied"

    doubles.graph.inject(Fault.access_denied("Authorization_RequestDenied"), times=1)
    with pytest.raises(ODataError) as raised:
        await client.users.by_user_id(person.id).get()
    assert raised.value.response_status_code == 403
    assert raised.value.error is not None
    assert raised.value.error.code == "Authorization_RequestDenied"


async def test_unknown_user_is_404(doubles: Doubles) -> None:
    client = doubles.graph_client()
    with pytest.raises(ODataError) as raised:
        await client.users.by_user_id("ei.ole@virasto.example").get()
    assert raised.value.response_status_code == 404
    assert raised.value.error is not None
    assert raised.value.error.code == "Request_ResourceNotFound"
    with pytest.raises(ODataError) as raised:
        await client.users.by_user_id(str(uuid.uuid4())).events.post(
            Event(subject="x", start=when("2026-11-30T10:00:00"), end=when("2026-11-30T11:00:00"))
        )
    assert raised.value.response_status_code == 404


async def test_missing_token_is_401(doubles: Doubles) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{doubles.graph.base_url}/users") as response,
    ):
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "InvalidAuthenticationToken"


async def test_batch_answers_each_request(doubles: Doubles) -> None:
    boss = someone(doubles, "Pomo")
    person = someone(doubles, manager=boss)
    doubles.graph.inject(Fault.throttled(3), operation="get_manager", times=1)
    payload = {
        "requests": [
            {"id": "1", "method": "GET", "url": f"/users/{person.id}?$select=displayName"},
            {"id": "2", "method": "GET", "url": f"/users/{person.id}/manager"},
            {"id": "3", "method": "GET", "url": "/users/nobody@virasto.example"},
            {"id": "4", "method": "GET", "url": f"/users/{boss.id}", "dependsOn": ["2"]},
            {
                "id": "5",
                "method": "POST",
                "url": f"/users/{person.id}/calendar/getSchedule",
                "headers": {"Content-Type": "application/json"},
                "body": {
                    "schedules": [person.mail],
                    "startTime": {"dateTime": "2026-11-30T08:00:00", "timeZone": "UTC"},
                    "endTime": {"dateTime": "2026-11-30T09:00:00", "timeZone": "UTC"},
                },
            },
        ]
    }
    headers = {"Authorization": f"Bearer {doubles.identity.access_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{doubles.graph.base_url}/$batch", json=payload, headers=headers) as resp,
    ):
        assert resp.status == 200
        answers = {r["id"]: r for r in (await resp.json())["responses"]}
    assert answers["1"]["status"] == 200
    assert answers["1"]["body"]["displayName"] == person.display_name
    assert "mail" not in answers["1"]["body"]
    assert (answers["2"]["status"], answers["2"]["headers"]["Retry-After"]) == (429, "3")
    assert answers["3"]["status"] == 404
    assert answers["4"]["status"] == 424  # its dependency was throttled
    assert answers["5"]["status"] == 200
    assert answers["5"]["body"]["value"][0]["availabilityView"] == "00"
    operations = [c.operation for c in doubles.graph.calls.all()]
    assert operations[0] == "batch" and "get_schedule" in operations


def test_time_zone_names_windows_and_iana() -> None:
    assert resolve_time_zone("FLE Standard Time") == HELSINKI
    assert resolve_time_zone("Europe/Helsinki") == HELSINKI
    assert resolve_time_zone("UTC") == ZoneInfo("UTC")
    assert resolve_time_zone("Mars/Olympus") is None


async def test_unknown_time_zone_is_400(doubles: Doubles) -> None:
    person = someone(doubles)
    client = doubles.graph_client()
    body = GetSchedulePostRequestBody(
        schedules=[person.user_principal_name],
        start_time=when("2026-11-30T08:00:00", "Mars/Olympus"),
        end_time=when("2026-11-30T09:00:00", "Mars/Olympus"),
    )
    with pytest.raises(ODataError) as raised:
        await client.users.by_user_id(person.id).calendar.get_schedule.post(body)
    assert raised.value.response_status_code == 400
    assert raised.value.error is not None
    assert raised.value.error.code == "TimeZoneNotSupportedException"


def test_calendar_items_must_be_timezone_aware(doubles: Doubles) -> None:
    person = someone(doubles)
    naive = datetime(2026, 11, 30, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        doubles.graph.add_busy(person, naive, naive + timedelta(hours=1))
