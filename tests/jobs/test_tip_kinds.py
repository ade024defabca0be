"""The tip and nudge delivery kinds: rows exactly as the planner wrote them before payloads
carried a schema version still decode and render, and a new row is the same plus "v": 1."""

from __future__ import annotations

from typing import Any

import pytest

from bot.content.models import ContentPack
from jobs import tips
from jobs.deliveries import DeliveryKinds, to_json

# As jobs/render.py's tip_payload and nudge_payload wrote them.
OLD_TIP = {"kind": "tip", "entry": "meetings-cameras", "lang": "fi"}
OLD_NUDGE = {"kind": "nudge", "nudge": "calendar-location", "lang": "sv"}


@pytest.fixture
def kinds(pack: ContentPack) -> DeliveryKinds:
    return DeliveryKinds(tips.delivery_kinds(pack))


@pytest.mark.parametrize(
    ("old", "typed"),
    [
        (OLD_TIP, tips.Tip(entry="meetings-cameras", lang="fi")),
        (OLD_NUDGE, tips.WeeklyNudge(nudge="calendar-location", lang="sv")),
    ],
)
def test_an_old_row_decodes_renders_and_is_written_the_same_way_today(
    kinds: DeliveryKinds, old: dict[str, Any], typed: tips.Tip | tips.WeeklyNudge
) -> None:
    envelope = kinds.decode(old)
    assert envelope.payload == typed
    assert envelope.open_chat is None
    reply = kinds.render(envelope)
    assert reply is not None and reply.card is not None
    assert reply.lang == old["lang"]
    assert to_json(typed) == {**old, "v": 1}


def test_a_sent_tip_is_remembered_by_its_entry_and_a_nudge_is_not(kinds: DeliveryKinds) -> None:
    assert kinds.tip_entry(kinds.decode(OLD_TIP)) == "meetings-cameras"
    assert kinds.tip_entry(kinds.decode(OLD_NUDGE)) is None


@pytest.mark.parametrize(
    "gone",
    [{**OLD_TIP, "entry": "removed-since"}, {**OLD_NUDGE, "nudge": "removed-since"}],
    ids=["tip", "nudge"],
)
def test_content_the_pack_no_longer_has_renders_nothing(
    kinds: DeliveryKinds, gone: dict[str, Any]
) -> None:
    assert kinds.render(kinds.decode(gone)) is None
