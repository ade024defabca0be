"""HTTP edge of the real app: every refusal status, the two SDK defects, and odd activities.

Replies that need a Bot Connector are covered end to end in tests/test_e2e_*.py against the
loopback doubles; here the activities need no reply or the reply target is unreachable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_app
from bot.qa.engine import Answerer
from bot.settings import Settings, load_settings
from tests.clocks import fixed_clock

UNREACHABLE = "http://127.0.0.1:9/"  # port 9 (discard) is closed: sends fail fast


def activity(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "message",
        "id": "1",
        "channelId": "msteams",
        "serviceUrl": UNREACHABLE,
        "from": {"id": "29:alice", "name": "Alice"},
        "recipient": {"id": "28:bot", "name": "Yhteisöbotti"},
        "conversation": {"id": "a:1", "conversationType": "personal"},
        "text": "hello",
    }
    base.update(fields)
    return base


@pytest.fixture
async def local_client(
    aiohttp_client: Any, local_settings: Settings, answerer: Answerer
) -> TestClient:
    client: TestClient = await aiohttp_client(
        await build_app(local_settings, answerer=answerer, clock=fixed_clock())
    )
    return client


@pytest.fixture
async def authed_client(aiohttp_client: Any, tmp_path: Path, answerer: Answerer) -> TestClient:
    settings = load_settings(
        {
            "APP_ID": "11111111-2222-3333-4444-555555555555",
            "APP_PASSWORD": "pw",
            "DATA_DIR": str(tmp_path),
            "SCHEDULER": "off",
        }
    )
    client: TestClient = await aiohttp_client(
        await build_app(settings, answerer=answerer, clock=fixed_clock())
    )
    return client


async def test_healthz_reports_the_content_version(local_client: TestClient) -> None:
    response = await local_client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["entries"] == 55


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[]",
        b'"text"',
        b"null",
        b'{"type": 5}',
        b"{}",
        b"\xff\xfe\x00",
        b'{"type": "message", "entities": "not-a-list", "timestamp": "yesterday"}',
    ],
)
async def test_malformed_bodies_get_400(local_client: TestClient, body: bytes) -> None:
    response = await local_client.post(
        "/api/messages", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert "error" in await response.json()


async def test_body_over_256_kb_gets_413(local_client: TestClient) -> None:
    big = json.dumps(activity(text="x" * (300 * 1024)))
    response = await local_client.post(
        "/api/messages", data=big, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413


async def test_body_over_limit_without_content_length_gets_413(local_client: TestClient) -> None:
    async def chunks() -> Any:
        for _ in range(300):
            yield b"x" * 1024

    response = await local_client.post(
        "/api/messages", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_wrong_content_type_gets_415(
    local_client: TestClient, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await local_client.post(
        "/api/messages", data=json.dumps(activity()).encode(), headers=headers
    )
    assert response.status == 415


async def test_get_is_not_allowed(local_client: TestClient) -> None:
    response = await local_client.get("/api/messages")
    assert response.status == 405


async def test_missing_authorization_with_app_id_is_401_not_500(authed_client: TestClient) -> None:
    """SDK defect: CloudAdapter crashes on None.claims without the header."""
    response = await authed_client.post("/api/messages", json=activity())
    assert response.status == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer not.a.jwt",
        "Basic dXNlcjpwYXNz",
        "garbage",
        "Bearer " + "a" * 5000,
        "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiIxMTExIn0.",
    ],
)
async def test_malformed_authorization_is_401(authed_client: TestClient, header: str) -> None:
    response = await authed_client.post(
        "/api/messages", json=activity(), headers={"Authorization": header}
    )
    assert response.status == 401


@pytest.mark.parametrize(
    "kind",
    ["typing", "messageReaction", "event", "endOfConversation", "somethingNew", "deleteUserData"],
)
async def test_unknown_and_uninteresting_activity_types_are_accepted(
    local_client: TestClient, kind: str
) -> None:
    response = await local_client.post("/api/messages", json=activity(type=kind))
    assert response.status == 200


async def test_channel_message_without_mention_is_ignored_quickly(local_client: TestClient) -> None:
    channel = activity(conversation={"id": "19:x@thread.tacv2", "conversationType": "channel"})
    response = await local_client.post("/api/messages", json=channel)
    assert response.status == 200


async def test_card_invoke_returns_the_updated_card_without_crashing(
    local_client: TestClient,
) -> None:
    """SDK defect: an invoke body serialised twice gave 500; ours is serialised once."""
    invoke = activity(
        type="invoke",
        name="adaptiveCard/action",
        value={
            "action": {
                "type": "Action.Execute",
                "verb": "feedback",
                "data": {"entry": "meetings-cameras", "helpful": True, "lang": "en"},
            },
            "trigger": "manual",
        },
    )
    response = await local_client.post("/api/messages", json=invoke)
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Thanks for the feedback" in json.dumps(body["value"])


@pytest.mark.parametrize(
    "value",
    [
        None,
        "string",
        [],
        {"action": "x"},
        {"action": {"verb": 42}},
        {"action": {"verb": "feedback", "data": "x"}},
    ],
)
async def test_broken_invoke_values_get_a_friendly_message(
    local_client: TestClient, value: Any
) -> None:
    invoke = activity(type="invoke", name="adaptiveCard/action", value=value)
    response = await local_client.post("/api/messages", json=invoke)
    assert response.status == 200
    body = await response.json()
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "Tämä painike ei ole enää käytössä" in body["value"]


@pytest.mark.parametrize("name", ["composeExtension/query", "signin/verifyState", None, "x" * 500])
async def test_unknown_invokes_are_accepted_and_ignored(
    local_client: TestClient, name: str | None
) -> None:
    response = await local_client.post("/api/messages", json=activity(type="invoke", name=name))
    assert response.status == 200
