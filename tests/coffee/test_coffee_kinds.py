"""Coffee's delivery kinds: rows exactly as bot/coffee wrote them before payloads carried a
schema version still decode and render (and a new row is the same plus "v": 1); a note
renders only coffee's own texts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.coffee.deliveries import (
    CoffeeFollowup,
    CoffeeMatch,
    CoffeeNote,
    CoffeeUnmatched,
    Partner,
    delivery_kinds,
)
from bot.content.models import ContentPack
from jobs.deliveries import DeliveryKinds, DeliveryPayload, to_json

START = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # Monday 13.00 in Helsinki
END = datetime(2026, 12, 7, 11, 20, tzinfo=UTC)
JOIN = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"

# As bot/coffee/rounds.py (_match_deliveries, _followups) and bot/coffee/chat.py
# (_tell_others) wrote them.
OLD_BOOKED = {
    "kind": "coffee_match",
    "lang": "fi",
    "group": 12,
    "round": "2026-W50",
    "partners": [{"name": "Bo Berg", "upn": "bo@example.org"}],
    "languages": ["en", "fi"],
    "start": "2026-12-07T11:00:00+00:00",
    "end": "2026-12-07T11:20:00+00:00",
    "join_url": JOIN,
    "note": None,
    "starter": "meetings-cameras",
}
OLD_UNBOOKED_TRIO = {
    "kind": "coffee_match",
    "lang": "sv",
    "group": 13,
    "round": "2026-W50",
    "partners": [{"name": "Åsa", "upn": None}, {"name": "", "upn": None}],
    "languages": ["sv"],
    "start": None,
    "end": None,
    "join_url": None,
    "note": "no_common_time",
    "starter": None,
}
OLD_UNMATCHED = {"kind": "coffee_unmatched", "lang": "sv", "reason": "no_shared_language"}
OLD_FOLLOWUP = {"kind": "coffee_followup", "lang": "en", "group": 12}
OLD_NOTE_MOVED = {
    "kind": "coffee_note",
    "lang": "fi",
    "text": "coffee.cant.moved",
    "values": {"when": "2026-12-07T11:00:00+00:00"},
}
OLD_NOTE_PARTNER = {
    "kind": "coffee_note",
    "lang": "en",
    "text": "coffee.cant.partner",
    "values": {"name": "Bo Berg"},
}

TYPED: list[tuple[dict[str, Any], DeliveryPayload]] = [
    (
        OLD_BOOKED,
        CoffeeMatch(
            lang="fi",
            group=12,
            round="2026-W50",
            partners=(Partner("Bo Berg", "bo@example.org"),),
            languages=("en", "fi"),
            start=START,
            end=END,
            join_url=JOIN,
            note=None,
            starter="meetings-cameras",
        ),
    ),
    (
        OLD_UNBOOKED_TRIO,
        CoffeeMatch(
            lang="sv",
            group=13,
            round="2026-W50",
            partners=(Partner("Åsa", None), Partner("", None)),
            languages=("sv",),
            start=None,
            end=None,
            join_url=None,
            note="no_common_time",
            starter=None,
        ),
    ),
    (OLD_UNMATCHED, CoffeeUnmatched(lang="sv", reason="no_shared_language")),
    (OLD_FOLLOWUP, CoffeeFollowup(lang="en", group=12)),
    (
        OLD_NOTE_MOVED,
        CoffeeNote(lang="fi", text="coffee.cant.moved", values={"when": START.isoformat()}),
    ),
    (
        OLD_NOTE_PARTNER,
        CoffeeNote(lang="en", text="coffee.cant.partner", values={"name": "Bo Berg"}),
    ),
]


@pytest.fixture
def kinds(pack: ContentPack) -> DeliveryKinds:
    return DeliveryKinds(delivery_kinds(pack))


@pytest.mark.parametrize(
    ("old", "typed"), TYPED, ids=[f"{o['kind']}-{i}" for i, (o, _) in enumerate(TYPED)]
)
def test_an_old_row_decodes_renders_and_is_written_the_same_way_today(
    kinds: DeliveryKinds, old: dict[str, Any], typed: DeliveryPayload
) -> None:
    envelope = kinds.decode(old)
    assert envelope.payload == typed
    reply = kinds.render(envelope)
    assert reply is not None and reply.lang == old["lang"]
    assert to_json(typed) == {**old, "v": 1}


def test_the_match_card_shows_what_the_payload_carries(kinds: DeliveryKinds) -> None:
    reply = kinds.render(kinds.decode(OLD_BOOKED))
    assert reply is not None and reply.card is not None
    shown = json.dumps(reply.card, ensure_ascii=False)
    assert "Bo Berg" in shown
    assert JOIN in shown
    assert "13.00" in shown  # the meeting time in Helsinki


def test_a_note_shows_its_time_in_the_readers_language(kinds: DeliveryKinds) -> None:
    moved = kinds.render(kinds.decode(OLD_NOTE_MOVED))
    assert moved is not None
    assert moved.text == "Kahvitapaaminen siirtyi: maanantai 7.12. klo 13.00."
    partner = kinds.render(kinds.decode(OLD_NOTE_PARTNER))
    assert partner is not None and partner.text is not None
    assert partner.text.startswith("Bo Berg can't make it")


@pytest.mark.parametrize(
    "note",
    [
        {**OLD_NOTE_PARTNER, "text": "erase.done"},  # not one of coffee's texts
        {**OLD_NOTE_PARTNER, "text": "coffee.no.such.text"},
    ],
    ids=["other-feature", "unknown"],
)
def test_a_note_renders_only_coffees_own_texts(kinds: DeliveryKinds, note: dict[str, Any]) -> None:
    assert kinds.render(kinds.decode(note)) is None
