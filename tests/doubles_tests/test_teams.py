"""Teams driver: activity shapes, signing, posting, and a round trip through the real SDK."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.core.teams import teams_get_channel_id, teams_get_team_info
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters

from tests.doubles import (
    ActivityFactory,
    BadToken,
    Doubles,
    TeamsDriver,
    TeamsUser,
    personal_conversation_id,
)

MAIJA = TeamsUser.make("Maija Meikäläinen")
PEKKA = TeamsUser.make("Pekka Virtanen")


@pytest.fixture
def factory(doubles: Doubles) -> ActivityFactory:
    return doubles.driver("http://127.0.0.1:9").activities


def common_fields(activity: dict[str, Any], doubles: Doubles) -> None:
    assert activity["channelId"] == "msteams"
    assert activity["serviceUrl"] == doubles.connector.service_url
    assert activity["recipient"] == {"id": f"28:{doubles.app_id}", "name": "Yhteisöbotti"}
    assert activity["from"]["id"].startswith("29:")
    assert activity["conversation"]["tenantId"] == activity["channelData"]["tenant"]["id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", activity["timestamp"])
    assert activity["id"]
    # The SDK's own schema reads it without complaint.
    parsed = Activity().deserialize(activity)
    assert parsed.channel_id == "msteams" and parsed.from_property.id == activity["from"]["id"]


# -- shapes ---------------------------------------------------------------------------


def test_personal_message(doubles: Doubles, factory: ActivityFactory) -> None:
    activity = factory.personal_message(MAIJA, "Mikä on hyvä tapa aloittaa palaveri?")
    common_fields(activity, doubles)
    assert activity["type"] == "message"
    assert activity["text"] == "Mikä on hyvä tapa aloittaa palaveri?"
    assert activity["conversation"] == {
        "conversationType": "personal",
        "tenantId": MAIJA.tenant_id,
        "id": personal_conversation_id(MAIJA.id),
    }
    assert activity["from"] == MAIJA.account()
    assert (activity["locale"], activity["localTimezone"]) == ("fi-FI", "Europe/Helsinki")
    assert activity["localTimestamp"].endswith("+02:00") or activity["localTimestamp"].endswith(
        "+03:00"
    )
    assert activity["entities"][0]["type"] == "clientInfo"


def test_channel_mention_and_thread_reply(doubles: Doubles, factory: ActivityFactory) -> None:
    team = doubles.connector.add_team("Kehittäjät", channels=["Kahvihuone"])
    channel = team.channels[1]
    post = factory.channel_message(MAIJA, "kerro vinkki", team=team, channel=channel)
    common_fields(post, doubles)
    assert post["text"] == "<at>Yhteisöbotti</at> kerro vinkki"
    mention = post["entities"][0]
    assert mention == {
        "type": "mention",
        "text": "<at>Yhteisöbotti</at>",
        "mentioned": {"id": f"28:{doubles.app_id}", "name": "Yhteisöbotti"},
    }
    assert post["conversation"]["id"] == f"{channel.id};messageid={post['id']}"
    assert post["conversation"]["conversationType"] == "channel"
    assert post["conversation"]["isGroup"] is True
    parsed = Activity().deserialize(post)
    assert teams_get_team_info(parsed).id == team.id
    assert teams_get_channel_id(parsed) == channel.id
    assert post["channelData"]["tenant"]["id"] == team.tenant_id
    assert TurnContext.remove_recipient_mention(Activity().deserialize(post)).strip() == (
        "kerro vinkki"
    )

    reply = factory.channel_message(
        PEKKA, "kiitos", team=team, channel=channel, mention=False, thread_id=post["id"]
    )
    assert reply["conversation"]["id"] == post["conversation"]["id"]
    assert reply["replyToId"] == post["id"]
    assert reply["text"] == "kiitos"
    assert all(e["type"] != "mention" for e in reply["entities"])


def test_group_chat_message(doubles: Doubles, factory: ActivityFactory) -> None:
    activity = factory.group_chat_message(MAIJA, "moi", chat_id="19:abc@thread.v2")
    common_fields(activity, doubles)
    assert activity["conversation"]["conversationType"] == "groupChat"
    assert activity["conversation"]["id"] == "19:abc@thread.v2"
    assert activity["entities"][0]["type"] == "mention"


def test_conversation_updates(doubles: Doubles, factory: ActivityFactory) -> None:
    team = doubles.connector.add_team("Uudet")
    installed = factory.members_added(by=MAIJA, bot=True, scope="team", team=team)
    common_fields(installed, doubles)
    assert installed["type"] == "conversationUpdate"
    assert installed["membersAdded"] == [{"id": f"28:{doubles.app_id}"}]
    assert installed["channelData"]["eventType"] == "teamMemberAdded"
    assert installed["channelData"]["team"]["id"] == team.id
    assert installed["conversation"]["id"] == team.id

    joined = factory.members_added([PEKKA], by=MAIJA, scope="team", team=team)
    assert joined["membersAdded"] == [{"id": PEKKA.id, "aadObjectId": PEKKA.aad_object_id}]
    left = factory.members_removed([PEKKA], by=MAIJA, scope="team", team=team)
    assert left["membersRemoved"][0]["id"] == PEKKA.id
    assert left["channelData"]["eventType"] == "teamMemberRemoved"

    personal = factory.members_added(by=MAIJA, bot=True, scope="personal")
    assert personal["conversation"]["conversationType"] == "personal"
    assert "eventType" not in personal["channelData"]
    removed_bot = factory.members_removed(by=MAIJA, bot=True, scope="groupChat", chat_id="19:g")
    assert removed_bot["membersRemoved"] == [{"id": f"28:{doubles.app_id}"}]


def test_installation_updates(doubles: Doubles, factory: ActivityFactory) -> None:
    add = factory.installation_update("add", by=MAIJA)
    common_fields(add, doubles)
    assert (add["type"], add["action"]) == ("installationUpdate", "add")
    remove = factory.installation_update("remove", by=MAIJA, scope="groupChat", chat_id="19:g")
    assert remove["action"] == "remove"
    assert remove["conversation"]["conversationType"] == "groupChat"
    with pytest.raises(ValueError, match="action"):
        factory.installation_update("upgrade", by=MAIJA)


def test_card_action_and_submit(doubles: Doubles, factory: ActivityFactory) -> None:
    question = factory.personal_message(MAIJA, "kysymys")
    invoke = factory.card_action(
        MAIJA,
        "feedback",
        {"entry": "tauot", "useful": True},
        reply_to_id="1700000000001",
        context=question,
    )
    common_fields(invoke, doubles)
    assert (invoke["type"], invoke["name"]) == ("invoke", "adaptiveCard/action")
    assert invoke["value"] == {
        "action": {
            "type": "Action.Execute",
            "verb": "feedback",
            "data": {"entry": "tauot", "useful": True},
        },
        "trigger": "manual",
    }
    assert invoke["replyToId"] == "1700000000001"
    assert invoke["conversation"] == question["conversation"]

    submit = factory.card_submit(MAIJA, {"intro": "Hei, olen Maija"}, reply_to_id="17")
    common_fields(submit, doubles)
    assert submit["type"] == "message" and "text" not in submit
    assert submit["value"] == {"intro": "Hei, olen Maija"}
    assert submit["channelData"]["legacy"] == {"replyToId": "17"}


# -- posting to a tiny app that checks the signature with pyjwt -------------------------


@pytest.fixture
async def jwt_echo(doubles: Doubles) -> AsyncIterator[str]:
    """An app that verifies the bearer token against the identity double's JWKS."""

    async def messages(request: web.Request) -> web.Response:
        async with (
            aiohttp.ClientSession() as session,
            session.get(doubles.identity.keys_url) as response,
        ):
            jwks = jwt.PyJWKSet.from_dict(await response.json())
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return web.json_response({"error": "no token"}, status=401)
        token = header.removeprefix("Bearer ")
        body = await request.json()
        try:
            key = jwks[jwt.get_unverified_header(token)["kid"]]
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=doubles.app_id,
                issuer="https://api.botframework.com",
            )
        except (jwt.PyJWTError, KeyError) as exc:
            return web.json_response({"error": type(exc).__name__}, status=401)
        if claims["serviceurl"] != body["serviceUrl"]:
            return web.json_response({"error": "serviceurl"}, status=401)
        return web.json_response({"type": body["type"], "aud": claims["aud"]})

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("")).rstrip("/")


async def test_driver_signs_each_activity_with_a_fresh_token(
    doubles: Doubles, jwt_echo: str
) -> None:
    async with doubles.driver(jwt_echo) as driver:
        first = await driver.send(driver.activities.personal_message(MAIJA, "hei"))
        second = await driver.send(driver.activities.personal_message(MAIJA, "taas"))
        assert (first.status, first.body) == (200, {"type": "message", "aud": doubles.app_id})
        assert second.status == 200
        assert (
            await driver.send(driver.activities.personal_message(MAIJA, "x"), authorization=None)
        ).status == 401
        for kind in (BadToken.WRONG_SIGNATURE, BadToken.EXPIRED, BadToken.SERVICE_URL_MISMATCH):
            response = await driver.send(driver.activities.personal_message(MAIJA, "x"), bad=kind)
            assert response.status == 401, kind
        garbage = await driver.post_raw(b"{not json", authorization="Bearer x")
        assert garbage.status >= 400
    # Sending registered the conversation (and its sender) at the connector.
    conversation = doubles.connector.conversation(personal_conversation_id(MAIJA.id))
    assert conversation.members[0].id == MAIJA.id


# -- a round trip through the real Bot Framework SDK -----------------------------------------


class EchoBot(ActivityHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def on_turn(self, turn_context: Any) -> None:
        self.seen.append(turn_context.activity)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: Any) -> None:
        text = TurnContext.remove_recipient_mention(turn_context.activity) or ""
        await turn_context.send_activity(f"kaiku: {text.strip()}")

    async def on_invoke_activity(self, turn_context: Any) -> Any:
        return InvokeResponse(status=200)


class SdkConfig:
    def __init__(self, app_id: str, settings: dict[str, str]) -> None:
        self.APP_ID = app_id
        self.APP_PASSWORD = "unused"
        self.APP_TYPE = "MultiTenant"
        for name, value in settings.items():
            setattr(self, name, value)


@pytest.fixture
async def sdk_bot(doubles: Doubles) -> AsyncIterator[tuple[str, EchoBot]]:
    auth = ConfigurationBotFrameworkAuthentication(
        SdkConfig(doubles.app_id, doubles.bot_settings()),
        credentials_factory=doubles.bot_credentials_factory(),
    )
    adapter = CloudAdapter(auth)
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response: web.StreamResponse = await adapter.process(request, bot)
        return response

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("")).rstrip("/"), bot


async def test_round_trip_through_cloud_adapter(
    doubles: Doubles, sdk_bot: tuple[str, EchoBot]
) -> None:
    url, bot = sdk_bot
    team = doubles.connector.add_team("Kaiku")
    async with TeamsDriver(
        url, doubles.identity, doubles.connector, app_id=doubles.app_id
    ) as driver:
        personal = driver.activities.personal_message(MAIJA, "hei botti")
        response, replies = await driver.send_and_wait(personal)
        assert response.ok
        assert [r["text"] for r in replies] == ["kaiku: hei botti"]
        assert replies[0]["replyToId"] == personal["id"]

        post = driver.activities.channel_message(PEKKA, "kanavalla", team=team)
        response, replies = await driver.send_and_wait(post)
        assert response.ok
        assert replies[0]["text"] == "kaiku: kanavalla"
        thread = post["conversation"]["id"]
        assert doubles.connector.calls.find(target=thread)[-1].operation == "reply_to_activity"

        invoke = driver.activities.card_action(
            MAIJA, "feedback", {"up": 1}, reply_to_id=replies[0]["id"]
        )
        assert (await driver.send(invoke)).status == 200
        assert bot.seen[-1].name == "adaptiveCard/action"
        assert bot.seen[-1].value["action"]["verb"] == "feedback"

        welcome = driver.activities.members_added(by=MAIJA, bot=True, scope="team", team=team)
        assert (await driver.send(welcome)).ok
        assert bot.seen[-1].members_added[0].id == f"28:{doubles.app_id}"

        # The first message's conversation got no further replies in the meantime.
        assert (
            len(await driver.wait_for_replies(personal["conversation"]["id"], since_start=True))
            == 1
        )


async def test_proactive_create_and_continue_through_cloud_adapter(doubles: Doubles) -> None:
    adapter = CloudAdapter(
        ConfigurationBotFrameworkAuthentication(
            SdkConfig(doubles.app_id, doubles.bot_settings()),
            credentials_factory=doubles.bot_credentials_factory(),
        )
    )
    person = TeamsUser.make("Proaktiivinen Pirjo")
    references: list[Any] = []

    async def remember(turn_context: Any) -> None:
        references.append(TurnContext.get_conversation_reference(turn_context.activity))

    await adapter.create_conversation(
        doubles.app_id,
        remember,
        ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{doubles.app_id}"),
            members=[ChannelAccount(id=person.id)],
            tenant_id=person.tenant_id,
            channel_data={"tenant": {"id": person.tenant_id}},
        ),
        "msteams",
        doubles.connector.service_url,
    )
    (reference,) = references
    assert reference.conversation.id == personal_conversation_id(person.id)

    async def tip(turn_context: Any) -> None:
        await turn_context.send_activity("Päivän vinkki")

    await adapter.continue_conversation(reference, tip, doubles.app_id)
    (sent,) = await doubles.connector.wait_for_activities(reference.conversation.id)
    assert sent["text"] == "Päivän vinkki"


@pytest.mark.parametrize("kind", list(BadToken), ids=lambda k: k.value)
async def test_plain_cloud_adapter_maps_only_permission_errors_to_401(
    doubles: Doubles, sdk_bot: tuple[str, EchoBot], kind: BadToken
) -> None:
    # Platform fact for the bot's route: CloudAdapter turns only PermissionError into
    # 401; the other rejections surface as 500 unless the route maps them itself.
    url, bot = sdk_bot
    async with doubles.driver(url) as driver:
        response = await driver.send(driver.activities.personal_message(MAIJA, "x"), bad=kind)
    permission_kinds = {
        BadToken.WRONG_ISSUER,
        BadToken.WRONG_AUDIENCE,
        BadToken.SERVICE_URL_MISMATCH,
    }
    assert response.status == (401 if kind in permission_kinds else 500)
    assert bot.seen == []
