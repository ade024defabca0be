"""Onboarding sequences: the bundled file, validation errors, scheduling, placeholder filling."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.content.loader import ContentError
from bot.content.models import ContentPack, Text
from bot.i18n import LANGUAGES
from bot.onboarding.model import Role
from bot.onboarding.sequences import (
    MAX_OFFSET,
    PLACEHOLDERS,
    SEQUENCES_FILE,
    Sequence,
    SequenceStep,
    StepKind,
    load_sequences,
    render_text,
    schedule_steps,
    skipped_steps,
)
from bot.settings import BUNDLED_CONTENT_DIR
from bot.workdays import is_working_day

BUNDLED = BUNDLED_CONTENT_DIR / SEQUENCES_FILE
EOPPIVA_COURSE = "https://www.eoppiva.fi/koulutukset/johdatus-yhteisiin-tyoymparistoihin/"

# The topics the issue asks the default sequence to cover, and the step(s) that do:
# topic → ((step id, role, kind), ...). A renamed or removed step fails here.
REQUIRED_TOPICS: dict[str, tuple[tuple[str, Role, StepKind], ...]] = {
    "day-0 welcome and introduction prompt": (("welcome", Role.NEWCOMER, StepKind.INTRO),),
    "Teams profile photo": (("profile-photo", Role.NEWCOMER, StepKind.ACK),),
    "meet your buddy (the named orientation lead)": (
        ("meet-your-buddy", Role.NEWCOMER, StepKind.INFO),
        ("buddy-book-meeting", Role.BUDDY, StepKind.ACK),
    ),
    "the team's hybrid-work ground rules": (("hybrid-ground-rules", Role.MANAGER, StepKind.ACK),),
    "calendar practices": (("calendar-practices", Role.NEWCOMER, StepKind.ACK),),
    "eOppiva course on shared workplaces": (
        ("shared-workplaces-course", Role.NEWCOMER, StepKind.ACK),
    ),
    "tool training": (("tool-training", Role.NEWCOMER, StepKind.ACK),),
    "invitation to virtual coffee": (("virtual-coffee", Role.NEWCOMER, StepKind.COFFEE),),
    "1:1 with the manager": (
        ("manager-first-one-to-one", Role.MANAGER, StepKind.ACK),
        ("one-to-one-newcomer", Role.NEWCOMER, StepKind.INFO),
    ),
    "one-month check-in with a pulse for HR": (
        ("one-month-check-in", Role.NEWCOMER, StepKind.PULSE),
    ),
}


@pytest.fixture(scope="module")
def sequences(pack: ContentPack) -> dict[str, Sequence]:
    return load_sequences(BUNDLED, [entry.id for entry in pack.entries])


@pytest.fixture(scope="module")
def default(sequences: dict[str, Sequence]) -> Sequence:
    return sequences["default"]


def text(value: str) -> Text:
    return Text(fi=value, sv=value, en=value)


def make_sequence(offsets: list[int]) -> Sequence:
    steps = tuple(
        SequenceStep(
            id=f"step-{index}",
            offset=offset,
            role=Role.NEWCOMER,
            kind=StepKind.INFO,
            title=text(f"Step {index}"),
            body=text("Hello {name}"),
        )
        for index, offset in enumerate(offsets)
    )
    return Sequence(id="test", title=text("Test"), steps=steps)


# ------------------------------------------------------------------ the bundled file


def test_the_bundled_sequences_load_with_the_packs_entry_ids(
    sequences: dict[str, Sequence],
) -> None:
    assert list(sequences) == ["default", "short"]
    for sequence in sequences.values():
        assert sequence.steps
        assert any(step.offset == 0 for step in sequence.steps), sequence.id


def test_every_step_has_its_texts_in_three_languages(sequences: dict[str, Sequence]) -> None:
    for sequence in sequences.values():
        for lang in LANGUAGES:
            assert sequence.title.get(lang).strip()
        for step in sequence.steps:
            for lang in LANGUAGES:
                assert step.title.get(lang).strip(), (sequence.id, step.id, lang)
                assert len(step.body.get(lang)) > 40, (sequence.id, step.id, lang)
            # Three different texts: nothing left untranslated.
            assert len({step.body.get(lang) for lang in LANGUAGES}) == 3, step.id


def test_the_default_sequence_covers_every_required_topic(default: Sequence) -> None:
    steps = {step.id: step for step in default.steps}
    for topic, expected in REQUIRED_TOPICS.items():
        for step_id, role, kind in expected:
            assert step_id in steps, f"{topic}: no step {step_id!r}"
            assert (steps[step_id].role, steps[step_id].kind) == (role, kind), topic


def test_required_steps_say_what_the_issue_asks(default: Sequence) -> None:
    welcome = default.step("welcome")
    assert welcome.offset == 0
    assert 18 <= default.step("one-month-check-in").offset <= 22
    calendar = default.step("calendar-practices").body
    assert all(word in calendar.fi for word in ("avoimena", "missä työskentelet", "hybridi"))
    assert all(word in calendar.en for word in ("open", "where you're working", "hybrid"))
    course = default.step("shared-workplaces-course")
    assert [link.url for link in course.links] == [EOPPIVA_COURSE]
    assert all("Johdatus yhteisiin työympäristöihin" in course.body.get(lang) for lang in LANGUAGES)
    assert all("eOppiva" in default.step("tool-training").body.get(lang) for lang in LANGUAGES)
    assert all("{buddy}" in default.step("meet-your-buddy").body.get(lang) for lang in LANGUAGES)
    assert all("HR" in default.step("one-month-check-in").body.get(lang) for lang in LANGUAGES)


def test_the_bundled_file_uses_only_links_from_the_source(
    sequences: dict[str, Sequence],
) -> None:
    urls = {link.url for s in sequences.values() for step in s.steps for link in step.links}
    assert urls == {EOPPIVA_COURSE}


# ------------------------------------------------------------------ scheduling


def test_a_start_before_christmas_skips_the_holidays_and_the_weekend() -> None:
    sequence = make_sequence(list(range(10)))

    due = [day for _, day in schedule_steps(sequence, date(2026, 12, 21), date(2026, 12, 1))]

    assert due == [
        date(2026, 12, 21),  # Mon
        date(2026, 12, 22),
        date(2026, 12, 23),
        # 24.-26.12 Christmas Eve, Christmas Day, St Stephen's Day; 27.12 Sunday
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
        # 1.1 New Year's Day, 2.-3.1 weekend
        date(2027, 1, 4),
        date(2027, 1, 5),
        # 6.1 Epiphany
        date(2027, 1, 7),
    ]


def test_the_default_sequence_over_christmas(default: Sequence) -> None:
    scheduled = schedule_steps(default, date(2026, 12, 21), date(2026, 12, 1))

    assert len(scheduled) == len(default.steps)
    days = [day for _, day in scheduled]
    assert days == sorted(days)
    assert all(is_working_day(day) for day in days)
    assert not {date(2026, 12, d) for d in range(24, 28)} & set(days)
    assert dict((step.id, day) for step, day in scheduled)["one-month-check-in"] == date(
        2027, 1, 22
    )


def test_a_start_date_in_the_past_sends_day_0_today_skips_the_missed_and_keeps_the_rest(
    default: Sequence,
) -> None:
    start, today = date(2026, 11, 9), date(2026, 11, 30)  # three weeks ago, both Mondays

    scheduled = {step.id: day for step, day in schedule_steps(default, start, today)}
    skipped = {step.id for step in skipped_steps(default, start, today)}

    day_0 = {step.id for step in default.steps if step.offset == 0}
    assert day_0 == {"welcome", "buddy-book-meeting", "manager-first-one-to-one"}
    assert {step_id: scheduled[step_id] for step_id in day_0} == dict.fromkeys(day_0, today)
    # 20 working days after 9.11. is 7.12. (6.12., Independence Day, is a Sunday in 2026)
    assert scheduled["one-month-check-in"] == date(2026, 12, 7)
    assert set(scheduled) == day_0 | {"one-month-check-in"}
    assert skipped == {step.id for step in default.steps} - set(scheduled)
    assert "profile-photo" in skipped and "virtual-coffee" in skipped


def test_a_step_due_today_is_kept_with_a_past_start() -> None:
    sequence = make_sequence([0, 5, 10])
    start, today = date(2026, 11, 23), date(2026, 11, 30)  # offset 5 falls on today

    assert [day for _, day in schedule_steps(sequence, start, today)] == [
        today,
        today,
        date(2026, 12, 7),
    ]
    assert skipped_steps(sequence, start, today) == []


def test_a_past_start_seen_on_a_weekend_sends_day_0_on_the_next_working_day() -> None:
    sequence = make_sequence([0, 1])

    scheduled = schedule_steps(sequence, date(2026, 11, 2), date(2026, 11, 28))  # Saturday

    assert [(step.id, day) for step, day in scheduled] == [("step-0", date(2026, 11, 30))]
    assert [step.id for step in skipped_steps(sequence, date(2026, 11, 2), date(2026, 11, 28))] == [
        "step-1"
    ]


def test_a_start_on_a_weekend_counts_from_the_next_working_day() -> None:
    sequence = make_sequence([0, 1, 2])

    due = [day for _, day in schedule_steps(sequence, date(2026, 12, 5), date(2026, 12, 1))]

    # Saturday 5.12.; Sunday 6.12. is also Independence Day
    assert due == [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)]


def test_a_start_on_a_holiday_counts_from_the_next_working_day() -> None:
    sequence = make_sequence([0])

    due = [day for _, day in schedule_steps(sequence, date(2026, 12, 24), date(2026, 12, 1))]

    assert due == [date(2026, 12, 28)]


def test_a_start_today_skips_nothing(default: Sequence) -> None:
    today = date(2026, 11, 30)

    assert len(schedule_steps(default, today, today)) == len(default.steps)
    assert skipped_steps(default, today, today) == []


def test_steps_come_in_order_of_their_day_then_of_the_file() -> None:
    sequence = make_sequence([3, 0, 3, 1])

    scheduled = schedule_steps(sequence, date(2026, 11, 30), date(2026, 11, 30))

    assert [step.id for step, _ in scheduled] == ["step-1", "step-3", "step-0", "step-2"]


@given(
    start=st.dates(date(2025, 1, 1), date(2028, 12, 31)),
    lag=st.integers(-400, 400),
)
def test_every_step_is_scheduled_on_a_working_day_not_before_today_or_skipped(
    start: date, lag: int
) -> None:
    sequence = make_sequence([0, 1, 2, 5, 10, 20, 60])
    today = start + timedelta(days=lag)

    scheduled = schedule_steps(sequence, start, today)
    skipped = skipped_steps(sequence, start, today)

    assert {step.id for step, _ in scheduled} | {step.id for step in skipped} == {
        step.id for step in sequence.steps
    }
    assert not {step.id for step, _ in scheduled} & {step.id for step in skipped}
    assert all(is_working_day(day) and day >= today for _, day in scheduled)
    assert all(step.offset > 0 for step in skipped)  # day 0 is never skipped


# ------------------------------------------------------------------ broken files


def valid_document() -> dict[str, Any]:
    def step(step_id: str, offset: int, kind: str) -> dict[str, Any]:
        return {
            "id": step_id,
            "offset": offset,
            "role": "newcomer",
            "kind": kind,
            "entry": "competence-orientation",
            "title": {"fi": "Hei {name}", "sv": "Hej {name}", "en": "Hi {name}"},
            "body": {
                "fi": "Perehdyttäjäsi on {buddy}.",
                "sv": "Din introduktör är {buddy}.",
                "en": "Your orientation lead is {buddy}.",
            },
            "links": [{"title": "eOppiva", "url": EOPPIVA_COURSE}],
        }

    return {
        "sequences": [
            {
                "id": "default",
                "title": {"fi": "Perus", "sv": "Grund", "en": "Basic"},
                "steps": [step("welcome", 0, "intro"), step("photo", 1, "ack")],
            }
        ]
    }


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / SEQUENCES_FILE
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def first_step(doc: dict[str, Any]) -> dict[str, Any]:
    step: dict[str, Any] = doc["sequences"][0]["steps"][0]
    return step


def set_in_step(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        first_step(doc)[key] = value

    return change


def set_text(key: str, lang: str, value: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        first_step(doc)[key][lang] = value

    return change


def _drop_sv_title(doc: dict[str, Any]) -> None:
    del first_step(doc)["title"]["sv"]


def _duplicate_step(doc: dict[str, Any]) -> None:
    doc["sequences"][0]["steps"][1]["id"] = "welcome"


def _duplicate_sequence(doc: dict[str, Any]) -> None:
    doc["sequences"].append(copy.deepcopy(doc["sequences"][0]))


def _bad_url(doc: dict[str, Any]) -> None:
    first_step(doc)["links"] = [{"title": "x", "url": "http://www.eoppiva.fi/"}]


def _javascript_url(doc: dict[str, Any]) -> None:
    first_step(doc)["links"] = [{"title": "x", "url": "javascript:alert(1)"}]


def _no_sequence_title(doc: dict[str, Any]) -> None:
    del doc["sequences"][0]["title"]


def _no_steps(doc: dict[str, Any]) -> None:
    doc["sequences"][0]["steps"] = []


def _steps_not_a_list(doc: dict[str, Any]) -> None:
    doc["sequences"][0]["steps"] = {"welcome": 0}


def _step_not_a_mapping(doc: dict[str, Any]) -> None:
    doc["sequences"][0]["steps"][0] = "welcome"


def _step_without_id(doc: dict[str, Any]) -> None:
    del first_step(doc)["id"]


def _no_default(doc: dict[str, Any]) -> None:
    doc["sequences"][0]["id"] = "other"


def _unknown_top_level(doc: dict[str, Any]) -> None:
    doc["version"] = 2


BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], tuple[str, ...]]] = [
    ("missing language", _drop_sv_title, ("sequence 'default'", "step 'welcome'", "title.sv")),
    ("duplicate step id", _duplicate_step, ("sequence 'default'", "step 'welcome'", "field id")),
    ("duplicate sequence", _duplicate_sequence, ("sequence 'default'", "field id", "duplicate")),
    ("unknown role", set_in_step("role", "boss"), ("step 'welcome'", "field role")),
    ("unknown kind", set_in_step("kind", "quiz"), ("step 'welcome'", "field kind")),
    ("negative offset", set_in_step("offset", -1), ("step 'welcome'", "field offset")),
    ("offset over 260", set_in_step("offset", MAX_OFFSET + 1), ("step 'welcome'", "field offset")),
    ("offset as text", set_in_step("offset", "3"), ("step 'welcome'", "field offset")),
    ("offset as bool", set_in_step("offset", True), ("step 'welcome'", "field offset")),
    ("unknown entry", set_in_step("entry", "no-such-entry"), ("step 'welcome'", "field entry")),
    ("http url", _bad_url, ("step 'welcome'", "field links.0.url")),
    ("javascript url", _javascript_url, ("step 'welcome'", "field links.0.url")),
    (
        "unknown placeholder",
        set_text("body", "fi", "Hei {nimi}"),
        ("step 'welcome'", "field body", "{nimi}"),
    ),
    (
        "placeholder conversion",
        set_text("title", "en", "Hi {name!r}"),
        ("step 'welcome'", "field title", "{name!r}"),
    ),
    (
        "placeholder attribute",
        set_text("title", "sv", "Hej {name.__class__}"),
        ("step 'welcome'", "field title", "{name.__class__}"),
    ),
    (
        "positional placeholder",
        set_text("body", "sv", "Hej {0}"),
        ("step 'welcome'", "field body", "{0}"),
    ),
    (
        "unmatched brace",
        set_text("body", "en", "Hi {name"),
        ("step 'welcome'", "field body", "unmatched"),
    ),
    ("empty text", set_text("title", "fi", "  "), ("step 'welcome'", "field title.fi")),
    ("unknown step field", set_in_step("colour", "red"), ("step 'welcome'", "field colour")),
    ("bad step id", set_in_step("id", "Welcome Step"), ("step 'Welcome Step'", "field id")),
    ("sequence without title", _no_sequence_title, ("sequence 'default'", "field title")),
    ("sequence without steps", _no_steps, ("sequence 'default'", "field steps")),
    ("steps not a list", _steps_not_a_list, ("sequence 'default'", "field steps")),
    ("step not a mapping", _step_not_a_mapping, ("sequence 'default'", "step #1")),
    ("step without id", _step_without_id, ("sequence 'default'", "step #1", "field id")),
    ("no default sequence", _no_default, ("'default'",)),
    ("unknown top-level field", _unknown_top_level, ("version",)),
]


def test_the_valid_document_loads(tmp_path: Path) -> None:
    loaded = load_sequences(write(tmp_path, valid_document()), {"competence-orientation"})

    assert [step.id for step in loaded["default"].steps] == ["welcome", "photo"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [pytest.param(change, expected, id=name) for name, change, expected in BROKEN],
)
def test_a_broken_file_names_the_file_sequence_step_and_field(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], expected: tuple[str, ...]
) -> None:
    document = valid_document()
    change(document)
    path = write(tmp_path, document)

    with pytest.raises(ContentError) as raised:
        load_sequences(path, {"competence-orientation"})

    message = str(raised.value)
    assert message.startswith(f"{path}:"), message
    for part in expected:
        assert part in message, (part, message)


def test_entries_are_checked_only_when_the_ids_are_given(tmp_path: Path) -> None:
    document = valid_document()
    first_step(document)["entry"] = "not-in-any-pack"

    assert load_sequences(write(tmp_path, document))["default"].step("welcome").entry


def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / SEQUENCES_FILE
    path.write_text("sequences:\n  - id: default\n    title: {fi: [\n", encoding="utf-8")

    with pytest.raises(ContentError, match=r"sequences\.yaml:? line \d+: invalid YAML"):
        load_sequences(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "a list under 'sequences'"),
        (b"- just\n- a list\n", "a list under 'sequences'"),
        (b"sequences: {default: 1}\n", "a list under 'sequences'"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / SEQUENCES_FILE
    path.write_bytes(content)

    with pytest.raises(ContentError, match=expected) as raised:
        load_sequences(path)
    assert str(path) in str(raised.value)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"sequences\.yaml: missing"):
        load_sequences(tmp_path / SEQUENCES_FILE)


def test_models_refuse_duplicate_step_ids_built_in_code() -> None:
    step = make_sequence([0]).steps[0]

    with pytest.raises(ValueError, match="duplicate id"):
        Sequence(id="x", title=text("X"), steps=(step, step))


# ------------------------------------------------------------------ render_text


def test_render_text_fills_known_placeholders() -> None:
    values = {"name": "Aino", "buddy": "Mikko", "manager": "Leena", "start_date": "1.12.2026"}

    rendered = render_text("{name}, {buddy}, {manager}, {start_date}", values)

    assert rendered == "Aino, Mikko, Leena, 1.12.2026"
    assert set(values) == PLACEHOLDERS


def test_render_text_leaves_missing_values_empty() -> None:
    assert render_text("Hei {name}! Perehdyttäjä: {buddy}.", {"name": "Aino"}) == (
        "Hei Aino! Perehdyttäjä: ."
    )
    assert render_text("{name}", {}) == ""


@pytest.mark.parametrize(
    "hostile",
    [
        "{__class__}",
        "{0}",
        "{name.__class__}",
        "{name.__class__.__mro__}",
        "{name[0]}",
        "{name!r}",
        "{name:>1000000}",
        "{__import__('os').system('true')}",
        "{}",
        "{ name }",
        "{NAME}",
    ],
)
def test_render_text_never_evaluates_a_hostile_placeholder(hostile: str) -> None:
    values: dict[str, object] = {"name": "Aino", "__class__": "x", "0": "y", "NAME": "z"}

    assert render_text(f"a{hostile}b", values) == "ab"


def test_render_text_keeps_literal_and_stray_braces() -> None:
    assert render_text("{{name}} is {name}", {"name": "Aino"}) == "{name} is Aino"
    assert render_text("a } b { c {name", {"name": "Aino"}) == "a } b { c {name"


def test_render_text_does_not_expand_placeholders_inside_values() -> None:
    assert render_text("{name}", {"name": "{buddy}", "buddy": "Mikko"}) == "{buddy}"


def test_render_text_turns_odd_values_into_text_or_nothing() -> None:
    class Exploding:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    values: dict[str, object] = {
        "name": Exploding(),
        "buddy": None,
        "manager": 3,
        "start_date": date(2026, 12, 1),
    }

    assert render_text("{name}|{buddy}|{manager}|{start_date}", values) == "||3|2026-12-01"
