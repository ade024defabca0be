"""Random but well-formed activities and random garbage: the bot never answers 500 and
keeps serving afterwards."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import MAIJA, Bot

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
activity_types = st.sampled_from(
    ["message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction",
     "event", "typing", "endOfConversation", "somethingElse"]
)  # fmt: skip


@FUZZ
@given(
    kind=activity_types,
    text=st.text(max_size=300),
    name=st.sampled_from([None, "adaptiveCard/action", "signin/verifyState", "x"]),
    value=json_values,
    entities=st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=3), max_size=3),
    locale=st.sampled_from([None, "fi-FI", "sv-SE", "en-US", "xx", ""]),
)
async def test_random_activities_never_get_500(
    bot: Bot, kind: str, text: str, name: str | None, value: Any, entities: Any, locale: str | None
) -> None:
    activity = bot.factory.personal_message(MAIJA, "x")
    activity.update(type=kind, text=text, value=value, entities=entities, locale=locale)
    if name is not None:
        activity["name"] = name
    response = await bot.driver.send(activity)
    assert response.status < 500, (response.status, response.text)


@FUZZ
@given(body=st.binary(max_size=2000) | json_values.map(lambda v: json.dumps(v).encode()))
async def test_garbage_bodies_never_get_500(bot: Bot, body: bytes) -> None:
    response = await bot.driver.post_raw(body, authorization="Bearer x")
    assert 400 <= response.status < 500


async def test_the_bot_still_answers_after_the_fuzzing(bot: Bot) -> None:
    for _ in range(20):
        await bot.driver.post_raw(b"\x00\xff{", authorization="Bearer x")
    _, replies = await bot.driver.send_and_wait(bot.factory.personal_message(MAIJA, "apua"))
    assert replies
