"""The delivery-kind registry and its codec: a payload of every supported field type survives
the store's JSON, rows without a schema version read as version 1, and every hostile stored
payload gives a clear PayloadError; in the sender it fails that one delivery and nothing else."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar

import pytest

from bot.chat.model import Reply
from bot.content.models import ContentPack
from bot.i18n import Language
from bot.records import NewDelivery, Outcome
from bot.store.sql import SqlStore
from jobs import tips
from jobs.deliveries import (
    DeliveryKind,
    DeliveryKinds,
    DeliveryPayload,
    Envelope,
    OpenChat,
    PayloadError,
    to_json,
)
from jobs.limits import RateLimiter
from jobs.sender import Sender
from tests.jobs.test_sender import START, Clock, ScriptedTeams, ref


@dataclass(frozen=True)
class Person:
    name: str
    upn: str | None


@dataclass(frozen=True)
class Sample(DeliveryPayload):
    """Every field type a payload may use."""

    tag = "sample"

    text: str
    count: int
    flag: bool
    lang: Language
    at: datetime
    maybe: datetime | None
    people: tuple[Person, ...]
    words: tuple[str, ...]
    values: Mapping[str, str]
    added_later: str = "default"


SAMPLE = Sample(
    text='Hei 👋 "quoted" \\ <b>',
    count=42,
    flag=True,
    lang="sv",
    at=datetime(2026, 12, 7, 13, 0, tzinfo=timezone(timedelta(hours=2))),
    maybe=None,
    people=(Person("Åsa", "asa@example.org"), Person("Bo", None)),
    words=("fi", "sv"),
    values={"when": "2026-12-07T11:00:00+00:00", "name": "Åsa"},
    added_later="set",
)
CHAT = OpenChat(service_url="https://smba.example/teams/", tenant_id=None, user_id="29:1x")


def sample_kinds(
    finals: list[tuple[DeliveryPayload, Outcome]] | None = None,
) -> DeliveryKinds:
    async def on_final(sample: Sample, outcome: Outcome) -> None:
        if finals is not None:
            finals.append((sample, outcome))

    def render(sample: Sample) -> Reply | None:
        return Reply(text=f"{sample.text} × {sample.count}", lang=sample.lang)

    return DeliveryKinds([DeliveryKind(Sample, render, on_final=on_final)])


def stored(payload: dict[str, Any]) -> dict[str, Any]:
    """What the store gives back: the JsonText column dumps and loads plain JSON."""
    loaded: dict[str, Any] = json.loads(json.dumps(payload))
    return loaded


def test_a_payload_of_every_field_type_round_trips_through_the_store_json() -> None:
    envelope = sample_kinds().decode(stored(to_json(SAMPLE, CHAT)))
    assert envelope == Envelope(SAMPLE, CHAT)
    assert envelope.payload.at.utcoffset() == timedelta(hours=2)  # type: ignore[attr-defined]


def test_the_stored_object_is_the_tag_the_version_and_the_fields() -> None:
    raw = to_json(SAMPLE, CHAT)
    assert raw["kind"] == "sample"
    assert raw["v"] == 1
    assert raw["at"] == "2026-12-07T13:00:00+02:00"
    assert raw["people"] == [{"name": "Åsa", "upn": "asa@example.org"}, {"name": "Bo", "upn": None}]
    assert raw["create"] == {"service_url": CHAT.service_url, "tenant_id": None, "user_id": "29:1x"}
    assert "create" not in to_json(SAMPLE)


def test_a_row_without_a_version_reads_as_version_1() -> None:
    raw = stored(to_json(SAMPLE))
    del raw["v"]
    assert sample_kinds().decode(raw).payload == SAMPLE


@dataclass(frozen=True)
class SampleV2(DeliveryPayload):
    tag = "sample"
    version = 2

    text: str


def test_a_kind_at_version_2_names_the_missing_upgrade_for_older_rows() -> None:
    kinds = DeliveryKinds([DeliveryKind(SampleV2, lambda sample: None)])
    assert kinds.decode({"kind": "sample", "v": 2, "text": "new"}).payload == SampleV2("new")
    for old in ({"kind": "sample", "v": 1, "text": "old"}, {"kind": "sample", "text": "older"}):
        with pytest.raises(PayloadError, match="sample: no upgrade from schema version 1"):
            kinds.decode(old)


def test_a_missing_field_with_a_default_takes_it_and_unknown_keys_are_ignored() -> None:
    raw = stored(to_json(SAMPLE))
    del raw["added_later"]
    raw["dropped_since"] = {"anything": [1, 2]}
    decoded = sample_kinds().decode(raw).payload
    assert isinstance(decoded, Sample)
    assert decoded.added_later == "default"


def _with(**changes: Any) -> dict[str, Any]:
    raw = stored(to_json(SAMPLE, CHAT))
    for key, value in changes.items():
        if value is _DROP:
            del raw[key]
        else:
            raw[key] = value
    return raw


_DROP = object()
_PERSON = {"name": "Åsa", "upn": None}

HOSTILE: list[tuple[str, Any, str]] = [
    ("not an object", ["kind", "sample"], "must be a JSON object, not list"),
    ("no kind", _with(kind=_DROP), "payload has no kind tag (got None)"),
    ("kind not text", _with(kind=7), "payload has no kind tag (got 7)"),
    ("unknown kind", _with(kind="teleport"), "unknown delivery kind 'teleport'"),
    ("long unknown kind", _with(kind="x" * 10_000), "unknown delivery kind 'xxxxxxxxxxxx"),
    ("newer version", _with(v=2), "sample: schema version 2 is newer than this code reads (1)"),
    ("version as text", _with(v="1"), "sample: schema version '1' is not a positive integer"),
    ("version as boolean", _with(v=True), "schema version True is not a positive integer"),
    ("version zero", _with(v=0), "schema version 0 is not a positive integer"),
    ("missing field", _with(count=_DROP), "sample: field 'count' is missing"),
    ("text for int", _with(count="42"), "sample: field 'count' should be int, got a string"),
    ("boolean for int", _with(count=True), "field 'count' should be int, got a boolean"),
    ("float for int", _with(count=4.2), "field 'count' should be int, got a number"),
    ("int for boolean", _with(flag=1), "field 'flag' should be bool, got a number"),
    ("null for text", _with(text=None), "field 'text' should be str, got null"),
    ("object for text", _with(text={"a": 1}), "field 'text' should be str, got an object"),
    ("unknown language", _with(lang="de"), "field 'lang' is 'de', not one of ['fi', 'sv', 'en']"),
    ("time without zone", _with(at="2026-12-07T13:00:00"), "'at' is a time without a time zone"),
    ("not a time", _with(at="next monday"), "field 'at' is not an ISO 8601 time"),
    ("number for time", _with(maybe=1700000000), "'maybe' should be an ISO 8601 time, got a"),
    ("text for list", _with(words="fi,sv"), "field 'words' should be a list, got a string"),
    ("bad list item", _with(words=["fi", 3]), "field 'words[1]' should be str, got a number"),
    (
        "bad nested field",
        _with(people=[_PERSON, {"name": 5, "upn": None}]),
        "sample.people[1]: field 'name' should be str, got a number",
    ),
    (
        "nested field missing",
        _with(people=[{"name": "Bo"}]),
        "sample.people[0]: field 'upn' is missing",
    ),
    ("list for object", _with(values=["a"]), "field 'values' should be an object, got a list"),
    ("bad object value", _with(values={"k": 1}), "field 'values.k' should be str, got a number"),
    ("create not an object", _with(create="29:1x"), "sample.create: expected an object"),
    (
        "create with a bad field",
        _with(create={"service_url": "https://x/", "tenant_id": None, "user_id": 5}),
        "sample.create: field 'user_id' should be str, got a number",
    ),
]


@pytest.mark.parametrize(
    ("raw", "message"), [(raw, message) for _, raw, message in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_a_hostile_stored_payload_gives_a_clear_error(raw: Any, message: str) -> None:
    with pytest.raises(PayloadError) as raised:
        sample_kinds().decode(raw)
    assert message in str(raised.value)


async def test_render_final_hook_and_tip_entry_go_to_the_payloads_own_kind() -> None:
    finals: list[tuple[DeliveryPayload, Outcome]] = []
    kinds = sample_kinds(finals)
    envelope = kinds.decode(stored(to_json(SAMPLE)))
    assert kinds.render(envelope) == Reply(text=f"{SAMPLE.text} × 42", lang="sv")
    await kinds.on_final(envelope, Outcome.FAILED)
    assert finals == [(SAMPLE, Outcome.FAILED)]
    assert kinds.tip_entry(envelope) is None  # only a kind that says so carries a tip


async def test_a_kind_without_a_hook_ends_quietly() -> None:
    kinds = DeliveryKinds([DeliveryKind(Sample, lambda sample: None)])
    await kinds.on_final(kinds.decode(stored(to_json(SAMPLE))), Outcome.SENT)


def test_a_payload_of_an_unregistered_kind_is_not_rendered() -> None:
    with pytest.raises(PayloadError, match="'sample' is not registered"):
        DeliveryKinds().render(Envelope(SAMPLE))


@dataclass(frozen=True)
class Other(DeliveryPayload):
    tag = "sample"  # the same tag as Sample

    text: str


@dataclass
class Mutable:  # a frozen base cannot have a mutable subclass: shaped like one instead
    tag: ClassVar[str] = "mutable"
    version: ClassVar[int] = 1

    text: str


@dataclass(frozen=True)
class WithFloat(DeliveryPayload):
    tag = "with_float"

    ratio: float


@dataclass(frozen=True)
class WithList(DeliveryPayload):
    tag = "with_list"

    words: list[str]


@dataclass(frozen=True)
class WithReservedName(DeliveryPayload):
    tag = "reserved"

    create: str


@dataclass(frozen=True)
class Untagged(DeliveryPayload):
    text: str


class NotADataclass(Sample):
    tag = "not_a_dataclass"


@pytest.mark.parametrize(
    ("payload_type", "error", "message"),
    [
        (Other, ValueError, "delivery kind 'sample' is registered twice"),
        (Mutable, TypeError, "Mutable must be a frozen dataclass"),
        (NotADataclass, TypeError, "NotADataclass must be a frozen dataclass of its own"),
        (WithFloat, TypeError, "WithFloat.ratio: field type"),
        (WithList, TypeError, "WithList.words: field type"),
        (WithReservedName, TypeError, "uses the reserved field names ['create']"),
        (Untagged, TypeError, "Untagged sets no tag"),
    ],
)
def test_a_kind_that_cannot_be_stored_is_refused_when_registered(
    payload_type: type[DeliveryPayload], error: type[Exception], message: str
) -> None:
    kinds = sample_kinds()
    with pytest.raises(error, match=message.replace("[", r"\[").replace("]", r"\]")):
        kinds.register(DeliveryKind(payload_type, lambda payload: None))


async def test_the_sender_fails_each_unreadable_delivery_with_its_reason_and_sends_the_rest(
    sqlite_store: SqlStore, pack: ContentPack, caplog: pytest.LogCaptureFixture
) -> None:
    tip = to_json(tips.Tip("meetings-cameras", "fi"))
    hostile = {
        "a:unknown": {"kind": "teleport", "lang": "fi"},
        "a:nokind": {"entry": "meetings-cameras", "lang": "fi"},
        "a:missing": {"kind": "tip", "lang": "fi"},
        "a:wrongtype": {"kind": "tip", "entry": 7, "lang": "fi"},
        "a:newer": {**tip, "v": 2},
        "a:language": {**tip, "lang": "de"},
        "person:broken-create": {**tip, "create": {"user_id": 5}},
    }
    for conversation_id in ["a:good", *hostile]:
        if conversation_id.startswith("a:"):
            await sqlite_store.save_reference(ref(conversation_id))
    deliveries = [NewDelivery("a:good", tip, must_arrive=True)] + [
        NewDelivery(recipient, payload, must_arrive=True) for recipient, payload in hostile.items()
    ]
    assert await sqlite_store.create_occurrence("tips:2026-11-30", "tips", deliveries, START)
    teams = ScriptedTeams()
    sender = Sender(
        sqlite_store,
        teams,
        DeliveryKinds(tips.delivery_kinds(pack)),
        RateLimiter(tenant_rate=1000),
        clock=Clock(),
    )
    with caplog.at_level(logging.WARNING, logger="jobs.sender"):
        assert await sender.run_once() == len(deliveries)
        assert await sender.run_once() == 0  # failed is final: nothing is retried
    report = await sqlite_store.delivery_report("tips:2026-11-30")
    assert {state: n for state, n in report.counts.items() if n} == {"sent": 1, "failed": 7}
    assert list(teams.received) == ["a:good"]
    assert await sqlite_store.tips_seen("a:good") == {"meetings-cameras"}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for reason in (
        "unknown delivery kind 'teleport'",
        "payload has no kind tag",
        "tip: field 'entry' is missing",
        "tip: field 'entry' should be str, got a number",
        "tip: schema version 2 is newer than this code reads (1)",
        "tip: field 'lang' is 'de'",
        "tip.create: field 'service_url' is missing",
    ):
        assert f"unreadable payload: {reason}" in logged


def test_times_keep_their_instant_through_the_store() -> None:
    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night the clocks go forward
    decoded = sample_kinds().decode(stored(to_json(replace(SAMPLE, at=at))))
    assert decoded.payload.at == at  # type: ignore[attr-defined]
