"""End to end through the real /api/messages with real JWT validation (Entra ID double)
and real replies to the Bot Connector double."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import pytest

from tests.doubles import BadToken, Fault
from tests.e2e.conftest import MAIJA, PEKKA, Bot


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    attachments = activity.get("attachments") or []
    assert attachments, activity
    content: dict[str, Any] = attachments[0]["content"]
    return content


def text_of(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def test_a_question_in_personal_chat_gets_the_answer_card(bot: Bot) -> None:
    message = bot.factory.personal_message(
        MAIJA, "Miksi kokous kannattaa pitää 50 minuutin mittaisena?"
    )
    response, replies = await bot.driver.send_and_wait(message)
    assert response.status == 200
    card = card_of(replies[0])
    assert card["type"] == "AdaptiveCard"
    assert "50" in text_of(card) and "Oliko tästä apua?" in text_of(card)
    stored = await bot.store.get_reference(message["conversation"]["id"])
    assert stored is not None and stored.kind == "personal" and stored.active


async def test_a_mention_in_a_channel_is_answered_in_the_thread(bot: Bot) -> None:
    team = bot.doubles.connector.add_team("Tiimi", channels=["Yleinen"])
    post = bot.factory.channel_message(
        MAIJA, "How should we use cameras in meetings?", team=team, channel=team.channels[0]
    )
    response, replies = await bot.driver.send_and_wait(post)
    assert response.status == 200
    assert replies[0]["conversation"]["id"] == post["conversation"]["id"]  # the thread
    assert "camera" in text_of(card_of(replies[0])).lower()


async def test_channel_messages_without_a_mention_are_left_alone(bot: Bot) -> None:
    team = bot.doubles.connector.add_team("Hiljaiset", channels=["Yleinen"])
    post = bot.factory.channel_message(
        PEKKA, "kokous alkaa kohta", team=team, channel=team.channels[0], mention=False
    )
    response = await bot.driver.send(post)
    assert response.status == 200
    await asyncio.sleep(0.3)
    assert bot.doubles.connector.sent(post["conversation"]["id"]) == []


async def test_install_sends_one_welcome_card(bot: Bot) -> None:
    added = bot.factory.members_added(by=MAIJA, bot=True, scope="personal")
    installed = bot.factory.installation_update("add", by=MAIJA)
    assert (await bot.driver.send(added)).status == 200
    assert (await bot.driver.send(installed)).status == 200
    replies = await bot.driver.wait_for_replies(added["conversation"]["id"], 1, since_start=True)
    await asyncio.sleep(0.3)
    welcomes = [a for a in bot.doubles.connector.sent(added["conversation"]["id"])]
    assert len(welcomes) == 1
    assert "Hei, olen Yhteisöbotti!" in text_of(card_of(replies[0]))


@pytest.mark.parametrize(
    ("word", "expected"),
    [("apua", "Näin käytät minua"), ("hjälp", "Så här använder du mig"), ("help", "How to use me"),
     ("aiheet", "Aiheet"), ("teman", "Teman"), ("themes", "Themes"),
     ("vinkki", "Päivän vinkki"), ("tip", "Tip of the day")],
)  # fmt: skip
async def test_commands_in_three_languages(bot: Bot, word: str, expected: str) -> None:
    _, replies = await bot.driver.send_and_wait(bot.factory.personal_message(MAIJA, word))
    assert expected in text_of(card_of(replies[0]))


async def test_feedback_invoke_updates_the_card(bot: Bot) -> None:
    question = bot.factory.personal_message(MAIJA, "Miten kameroita käytetään kokouksissa?")
    await bot.driver.send_and_wait(question)
    invoke = bot.factory.card_action(
        MAIJA,
        "feedback",
        {"entry": "meetings-cameras", "helpful": True, "lang": "fi"},
        reply_to_id="1",
        context=question,
    )
    response = await bot.driver.send(invoke)
    assert response.status == 200
    body = response.body
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Kiitos palautteesta" in text_of(body["value"])
    assert await bot.store.feedback_counts("meetings-cameras") == (1, 0)


async def test_a_forged_card_payload_cannot_act_for_someone_else(bot: Bot) -> None:
    question = bot.factory.personal_message(MAIJA, "tilaa vinkit")
    await bot.driver.send_and_wait(question)
    pekka_chat = bot.factory.personal_message(PEKKA, "hei")["conversation"]["id"]
    forged = bot.factory.card_action(
        PEKKA,
        "unsubscribe",
        {"kind": "tips", "conversation": question["conversation"]["id"], "user": MAIJA.id},
        reply_to_id="1",
    )
    response = await bot.driver.send(forged)
    assert response.status == 200
    assert await bot.store.get_subscription(question["conversation"]["id"], "tips") is not None
    assert await bot.store.get_subscription(pekka_chat, "tips") is None


async def test_a_duplicate_activity_is_handled_once(bot: Bot) -> None:
    message = bot.factory.personal_message(MAIJA, "apua")
    await bot.driver.send_and_wait(message)
    again = await bot.driver.send(message)  # Teams re-posts when the bot was slow
    assert again.status == 200
    await asyncio.sleep(0.3)
    assert len(bot.doubles.connector.sent(message["conversation"]["id"])) == 1


@pytest.mark.parametrize("bad", list(BadToken))
async def test_every_bad_token_is_refused_and_nothing_runs(bot: Bot, bad: BadToken) -> None:
    message = bot.factory.personal_message(MAIJA, "apua")
    response = await bot.driver.send(message, bad=bad)
    assert response.status == 401
    await asyncio.sleep(0.2)
    assert bot.doubles.connector.sent(message["conversation"]["id"]) == []
    assert await bot.store.get_reference(message["conversation"]["id"]) is None


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer abc.def.ghi", "Basic Zm9vOmJhcg=="])
async def test_missing_or_malformed_authorization_is_refused(bot: Bot, header: str | None) -> None:
    message = bot.factory.personal_message(MAIJA, "apua")
    response = await bot.driver.send(message, authorization=header)
    assert response.status == 401


async def test_a_throttled_reply_is_retried_and_arrives(bot: Bot) -> None:
    message = bot.factory.personal_message(MAIJA, "vinkki")
    bot.doubles.connector.inject(
        Fault.throttled(retry_after=1), conversation_id=message["conversation"]["id"], times=1
    )
    started = time.monotonic()
    response, replies = await bot.driver.send_and_wait(message, timeout=10)
    assert response.status == 200
    assert "Päivän vinkki" in text_of(card_of(replies[0]))
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured


async def test_connector_down_still_ends_the_request_in_time(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    message = bot.factory.personal_message(MAIJA, "apua")
    bot.doubles.connector.inject(
        Fault.server_error(503), conversation_id=message["conversation"]["id"]
    )
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        response = await bot.driver.send(message)
    assert response.status == 200
    assert time.monotonic() - started < 15
    assert any("sending a reply failed" in record.message for record in caplog.records)
    bot.doubles.connector.clear_faults()
