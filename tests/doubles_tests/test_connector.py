"""Bot Connector double: routes (with the real SDK client), rate limits, faults, recording."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters
from botframework.connector.aio import ConnectorClient
from botframework.connector.teams import TeamsConnectorClient

from tests.doubles import (
    TEAMS_PER_CONVERSATION,
    ConnectorDouble,
    Doubles,
    Fault,
    FixedTokenBotCredentials,
    Limit,
    ManualClock,
    RateLimits,
    TeamsUser,
)
from tests.doubles._ratelimit import SlidingWindowLimiter

MAIJA = TeamsUser.make("Maija Meikäläinen")
PEKKA = TeamsUser.make("Pekka Virtanen")


def someone() -> TeamsUser:
    """A user of their own, so that tests sharing a connector do not share 1:1 chats."""
    return TeamsUser.make(f"Testi {uuid.uuid4().hex[:10]}")


async def http(
    method: str,
    url: str,
    *,
    json: Any = None,
    token: str | None = None,
    client_timeout: float = 5.0,
) -> tuple[int, Any, dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client_timeout)) as session,
        session.request(method, url, json=json, headers=headers) as response,
    ):
        body = await response.json() if response.content_length else None
        return response.status, body, dict(response.headers)


def message(text: str = "hei") -> dict[str, Any]:
    return {"type": "message", "text": text}


@pytest.fixture
def manual() -> Iterator[tuple[ConnectorDouble, ManualClock]]:
    clock = ManualClock()
    with ConnectorDouble(clock=clock) as connector:
        yield connector, clock


# -- routes through the real Bot Framework connector client --------------------------


def sdk_client(d: Doubles) -> Any:
    credentials = FixedTokenBotCredentials(d.app_id, d.identity.access_token)
    return ConnectorClient(credentials, base_url=d.connector.service_url)


async def test_sdk_client_creates_a_personal_conversation_and_posts(doubles: Doubles) -> None:
    connector = doubles.connector
    person = someone()
    client = sdk_client(doubles)
    params = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=f"28:{doubles.app_id}"),
        members=[ChannelAccount(id=person.id)],
        tenant_id=person.tenant_id,
        channel_data={"tenant": {"id": person.tenant_id}},
    )
    created = await client.conversations.create_conversation(params)
    assert created.id == connector.personal_conversation_id(person.id)
    # Creating it again gives the same 1:1 conversation, as Teams does.
    again = await client.conversations.create_conversation(params)
    assert again.id == created.id

    sent = await client.conversations.send_to_conversation(
        created.id, Activity(type="message", text="Tervetuloa!")
    )
    replied = await client.conversations.reply_to_activity(
        created.id, sent.id, Activity(type="message", text="Vastaus")
    )
    updated = await client.conversations.update_activity(
        created.id, sent.id, Activity(type="message", text="Päivitetty", id=sent.id)
    )
    assert updated.id == sent.id
    await client.conversations.delete_activity(created.id, replied.id)

    texts = [a["text"] for a in connector.activities(created.id)]
    assert texts == ["Päivitetty"]
    assert [c.operation for c in connector.calls.all()] == [
        "create_conversation",
        "create_conversation",
        "send_to_conversation",
        "reply_to_activity",
        "update_activity",
        "delete_activity",
    ]
    assert all(
        c.authorization == f"Bearer {doubles.identity.access_token}" for c in connector.calls.all()
    )


async def test_sdk_client_reads_members_and_pages(doubles: Doubles) -> None:
    connector = doubles.connector
    people = [TeamsUser.make(f"Henkilö {n}") for n in range(5)]
    team = connector.add_team("Sivutus", members=people)
    client = sdk_client(doubles)

    members = await client.conversations.get_conversation_members(team.id)
    assert [m.id for m in members] == [p.id for p in people]
    one = await client.conversations.get_conversation_member(team.id, people[2].aad_object_id)
    assert one.name == "Henkilö 2"

    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = await client.conversations.get_conversation_paged_members(
            team.id, page_size=2, continuation_token=token
        )
        seen += [m.id for m in page.members]
        pages += 1
        token = page.continuation_token
        if not token:
            break
    assert seen == [p.id for p in people]
    assert pages == 3


async def test_sdk_teams_client_reads_team_details_and_channels(doubles: Doubles) -> None:
    team = doubles.connector.add_team("Kehittäjät", channels=["Kahvi", "Ideat"], members=[MAIJA])
    credentials = FixedTokenBotCredentials(doubles.app_id, doubles.identity.access_token)
    client = TeamsConnectorClient(credentials, base_url=doubles.connector.service_url)

    # TeamsConnectorClient is synchronous (msrest); keep it off the test's loop.
    details = await asyncio.to_thread(client.teams.get_team_details, team.id)
    channels = await asyncio.to_thread(client.teams.get_teams_channels, team.id)
    assert (details.id, details.name, details.aad_group_id) == (
        team.id,
        "Kehittäjät",
        team.aad_group_id,
    )
    assert details.channel_count == 3 and details.member_count == 1
    assert [(c.id, c.name) for c in channels.conversations] == [
        (team.id, None),  # General: Teams sends no name
        (team.channels[1].id, "Kahvi"),
        (team.channels[2].id, "Ideat"),
    ]


async def test_channel_thread_is_created_with_messageid_conversation(doubles: Doubles) -> None:
    connector = doubles.connector
    team = connector.add_team("Kanavat", channels=["Yleistä"])
    channel = team.channels[1]
    status, body, _ = await http(
        "POST",
        f"{connector.service_url}v3/conversations",
        token=doubles.identity.access_token,
        json={
            "isGroup": True,
            "channelData": {"channel": {"id": channel.id}, "tenant": {"id": team.tenant_id}},
            "activity": message("Viikon vinkki"),
        },
    )
    assert status == 201
    assert body["id"] == f"{channel.id};messageid={body['activityId']}"
    assert body["serviceUrl"] == connector.service_url
    # Members of a thread are the team's members.
    connector.add_member(team.id, PEKKA)
    status, members, _ = await http(
        "GET",
        f"{connector.service_url}v3/conversations/{body['id']}/members",
        token=doubles.identity.access_token,
    )
    assert status == 200
    assert members == [PEKKA.channel_account()]


async def test_shapes_and_errors_of_raw_calls(doubles: Doubles) -> None:
    connector, token = doubles.connector, doubles.identity.access_token
    base = f"{connector.service_url}v3"
    unknown = "a:1doesnotexist"
    status, body, _ = await http(
        "POST", f"{base}/conversations/{unknown}/activities", json=message(), token=token
    )
    assert (status, body["error"]["code"]) == (404, "ConversationNotFound")
    conv = connector.add_conversation(members=[someone()])
    status, body, _ = await http(
        "POST", f"{base}/conversations/{conv.id}/activities", json={"text": "x"}, token=token
    )
    assert (status, body["error"]["code"]) == (400, "BadArgument")
    status, body, _ = await http(
        "PUT", f"{base}/conversations/{conv.id}/activities/999", json=message(), token=token
    )
    assert (status, body["error"]["code"]) == (404, "ActivityNotFound")
    status, body, _ = await http("GET", f"{base}/teams/19:nope@thread.tacv2", token=token)
    assert status == 404
    status, body, _ = await http(
        "POST",
        f"{base}/conversations",
        json={"members": [{"id": MAIJA.id}]},
        token=token,
    )
    assert (status, body["error"]["code"]) == (400, "BadArgument")  # no tenant id


async def test_wrong_or_missing_bearer_token_is_401(doubles: Doubles) -> None:
    conv = doubles.connector.add_conversation(members=[someone()])
    url = f"{doubles.connector.service_url}v3/conversations/{conv.id}/activities"
    for token in (None, "forged"):
        status, body, _ = await http("POST", url, json=message(), token=token)
        assert status == 401
        assert body == {"message": "Authorization has been denied for this request."}
    assert doubles.connector.activities(conv.id) == []


async def test_lenient_connector_accepts_unknown_conversations() -> None:
    with ConnectorDouble(strict_conversations=False) as connector:
        url = f"{connector.service_url}v3/conversations/a:1whatever/activities"
        status, body, _ = await http("POST", url, json=message())
        assert status == 201 and body["id"]
        assert connector.activities("a:1whatever")[0]["text"] == "hei"


# -- rate limits ------------------------------------------------------------------------


async def send(connector: ConnectorDouble, conversation_id: str) -> tuple[int, dict[str, str]]:
    url = f"{connector.service_url}v3/conversations/{conversation_id}/activities"
    status, _, headers = await http("POST", url, json=message())
    return status, headers


async def test_per_conversation_limits_7_per_second_and_8_per_2_seconds(
    manual: tuple[ConnectorDouble, ManualClock],
) -> None:
    connector, clock = manual
    conv = connector.add_conversation(members=[MAIJA]).id
    other = connector.add_conversation(members=[PEKKA]).id
    assert [(await send(connector, conv))[0] for _ in range(7)] == [201] * 7
    status, headers = await send(connector, conv)
    assert (status, headers["Retry-After"]) == (429, "1")
    assert (await send(connector, other))[0] == 201  # another conversation is unaffected
    clock.advance(1.0)
    assert (await send(connector, conv))[0] == 201  # 8th within 2 s
    status, headers = await send(connector, conv)
    assert (status, headers["Retry-After"]) == (429, "1")  # 9th within 2 s
    clock.advance(1.0)
    assert (await send(connector, conv))[0] == 201
    throttled = connector.calls.find(status=429)
    assert [c.fault for c in throttled] == ["rate_limit:conversation"] * 2


async def test_per_conversation_limit_60_per_30_seconds(
    manual: tuple[ConnectorDouble, ManualClock],
) -> None:
    connector, clock = manual
    conv = connector.add_conversation(members=[MAIJA]).id
    for _ in range(60):  # 3 per second stays under 7/1 s and 8/2 s
        assert (await send(connector, conv))[0] == 201
        clock.advance(1 / 3)
    status, headers = await send(connector, conv)
    assert status == 429
    # The first send leaves the 30 s window at t0 + 30; now is t0 + 20.
    assert headers["Retry-After"] == "10"
    clock.advance(10)
    assert (await send(connector, conv))[0] == 201


def test_per_conversation_limit_1800_per_hour() -> None:
    limiter = SlidingWindowLimiter(TEAMS_PER_CONVERSATION)
    now = 0.0
    for _ in range(1800):
        assert limiter.wait_needed("c", now) == 0
        limiter.commit("c", now)
        now += 0.51  # just under 60 per 30 s
    assert now < 3600
    assert limiter.wait_needed("c", now) == pytest.approx(3600 - now)
    assert limiter.wait_needed("c", 3600.0) == 0


async def test_per_tenant_limit_default_30_per_second_across_conversations(
    manual: tuple[ConnectorDouble, ManualClock],
) -> None:
    connector, clock = manual
    assert connector.rate_limits.per_tenant == (Limit(30, 1.0),)
    people = [TeamsUser.make(f"Käyttäjä {n}") for n in range(31)]
    convs = [connector.add_conversation(members=[p]).id for p in people]
    statuses = [(await send(connector, c))[0] for c in convs]
    assert statuses == [201] * 30 + [429]
    assert connector.calls.find(status=429)[0].fault == "rate_limit:tenant"
    foreign = connector.add_conversation(
        members=[TeamsUser.make("Ulla Ulkomaa", tenant_id="other-tenant")]
    ).id
    assert (await send(connector, foreign))[0] == 201
    clock.advance(1.0)
    assert (await send(connector, convs[-1]))[0] == 201


async def test_limits_scale_for_benchmarks_and_switch_off(
    manual: tuple[ConnectorDouble, ManualClock],
) -> None:
    connector, _ = manual
    people = [TeamsUser.make(f"Kuormittaja {n}") for n in range(40)]
    convs = [connector.add_conversation(members=[p]).id for p in people]
    connector.set_rate_limits(RateLimits.teams(tenant_per_second=500))
    assert {(await send(connector, c))[0] for c in convs} == {201}
    connector.set_rate_limits(RateLimits.off())
    assert {(await send(connector, convs[0]))[0] for _ in range(20)} == {201}


# -- faults -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (Fault.throttled(2), 429, "TooManyRequests"),
        (Fault.precondition_failed(), 412, "PreconditionFailed"),
        (Fault.server_error(500), 500, "InternalServerError"),
        (Fault.server_error(502), 502, "BadGateway"),
        (Fault.server_error(503), 503, "ServiceUnavailable"),
        (Fault.server_error(504), 504, "GatewayTimeout"),
        (Fault.blocked_by_user(), 403, "ConversationBlockedByUser"),
        (Fault.writes_blocked(), 403, "MessageWritesBlocked"),
        (Fault.conversation_not_found(), 404, "ConversationNotFound"),
    ],
    ids=lambda v: str(v) if isinstance(v, int) else None,
)
async def test_each_fault_answers_its_status_and_code(
    doubles: Doubles, fault: Fault, status: int, code: str
) -> None:
    connector = doubles.connector
    conv = connector.add_conversation(members=[someone()]).id
    connector.inject(fault, times=1)
    url = f"{connector.service_url}v3/conversations/{conv}/activities"
    token = doubles.identity.access_token
    got, body, headers = await http("POST", url, json=message(), token=token)
    assert (got, body["error"]["code"]) == (status, code)
    if status == 429:
        assert headers["Retry-After"] == "2"
    assert (await http("POST", url, json=message(), token=token))[0] == 201  # times=1
    assert len(connector.activities(conv)) == 1


async def test_faults_are_deterministic_for_a_seed() -> None:
    async def run(seed: int) -> list[int]:
        with ConnectorDouble(seed=seed, rate_limits=RateLimits.off()) as connector:
            conv = connector.add_conversation(members=[MAIJA]).id
            connector.inject(Fault.throttled(1), rate=0.2)
            connector.inject(Fault.server_error(502), rate=0.2)
            return [(await send(connector, conv))[0] for _ in range(40)]

    first, again, other = await run(7), await run(7), await run(8)
    assert first == again
    assert first != other
    assert {429, 502, 201} <= set(first)


async def test_fault_for_a_named_conversation_only(doubles: Doubles) -> None:
    connector, token = doubles.connector, doubles.identity.access_token
    person = someone()
    blocked = connector.add_conversation(members=[person]).id
    fine = connector.add_conversation(members=[someone()]).id
    connector.inject(Fault.writes_blocked(), conversation_id=blocked)
    base = f"{connector.service_url}v3/conversations"
    assert (await http("POST", f"{base}/{blocked}/activities", json=message(), token=token))[
        0
    ] == 403
    assert (await http("POST", f"{base}/{fine}/activities", json=message(), token=token))[0] == 201
    # Proactive creation of the blocked 1:1 chat fails the same way.
    status, body, _ = await http(
        "POST",
        f"{base}",
        json={"members": [{"id": person.id}], "tenantId": person.tenant_id},
        token=token,
    )
    assert (status, body["error"]["code"]) == (403, "MessageWritesBlocked")


async def test_next_n_calls_fail_then_recover(doubles: Doubles) -> None:
    connector = doubles.connector
    conv = connector.add_conversation(members=[someone()]).id
    connector.inject(Fault.server_error(503), times=2, operation="send_to_conversation")
    url = f"{connector.service_url}v3/conversations/{conv}/activities"
    token = doubles.identity.access_token
    statuses = [(await http("POST", url, json=message(), token=token))[0] for _ in range(3)]
    assert statuses == [503, 503, 201]


async def test_slow_response_is_delayed_but_succeeds(doubles: Doubles) -> None:
    connector = doubles.connector
    conv = connector.add_conversation(members=[someone()]).id
    connector.inject(Fault.slow(0.3), times=1)
    started = time.monotonic()
    status, _, _ = await http(
        "POST",
        f"{connector.service_url}v3/conversations/{conv}/activities",
        json=message(),
        token=doubles.identity.access_token,
    )
    assert status == 201
    assert time.monotonic() - started >= 0.3
    assert connector.calls.all()[-1].fault == "slow"


async def test_timeout_holds_the_request_and_may_still_deliver(doubles: Doubles) -> None:
    connector = doubles.connector
    conv = connector.add_conversation(members=[someone()]).id
    connector.inject(Fault.timeout(hold=3.0, deliver=True), times=1)
    with pytest.raises(TimeoutError):
        await http(
            "POST",
            f"{connector.service_url}v3/conversations/{conv}/activities",
            json=message("perillä"),
            token=doubles.identity.access_token,
            client_timeout=0.3,
        )
    # The service did the work; only the answer was lost (so a retry duplicates).
    assert [a["text"] for a in connector.activities(conv)] == ["perillä"]


# -- recording and waiting ------------------------------------------------------------------


async def test_records_method_path_body_authorization_and_time(doubles: Doubles) -> None:
    connector = doubles.connector
    conv = connector.add_conversation(members=[someone()]).id
    before = connector.calls.now()
    await http(
        "POST",
        f"{connector.service_url}v3/conversations/{conv}/activities",
        json=message("kirjattu"),
        token=doubles.identity.access_token,
    )
    (call,) = connector.calls.all()
    assert call.method == "POST"
    assert call.path == f"/teams/v3/conversations/{conv}/activities"
    assert call.body == message("kirjattu")
    assert call.authorization == f"Bearer {doubles.identity.access_token}"
    assert call.at >= before and call.wall_time.tzinfo is not None
    assert (call.status, call.target, call.operation) == (201, conv, "send_to_conversation")
    assert call.response == {"id": connector.activities(conv)[0]["id"]}


async def test_wait_helpers_async_and_sync(doubles: Doubles) -> None:
    connector = doubles.connector
    conv = connector.add_conversation(members=[someone()]).id
    url = f"{connector.service_url}v3/conversations/{conv}/activities"
    token = doubles.identity.access_token

    async def later() -> None:
        await asyncio.sleep(0.1)
        for n in range(3):
            await http("POST", url, json=message(f"#{n}"), token=token)

    task = asyncio.create_task(later())
    bodies = await connector.wait_for_activities(conv, count=3, timeout=5)
    await task
    assert [b["text"] for b in bodies] == ["#0", "#1", "#2"]

    result: list[int] = []
    waiter = threading.Thread(
        target=lambda: result.append(
            len(connector.calls.wait_for_sync(4, timeout=5, target=conv, ok=True))
        )
    )
    waiter.start()
    await http("POST", url, json=message("#3"), token=token)
    await asyncio.to_thread(waiter.join, 5)
    assert result == [4]
    assert len(connector.wait_for_activities_sync(conv, 4, timeout=1)) == 4

    with pytest.raises(TimeoutError, match="expected 9 call"):
        await connector.calls.wait_for(9, timeout=0.1, target=conv)
