"""Onboarding sequences from the content pack: typed models, loading, scheduling, texts.

A sequence is a list of steps; each step goes to one recipient role (the newcomer, their
buddy, their manager or the team's channel) a number of *working days* after the start
date, as a card whose buttons depend on the step's kind. The file is
``config/content/sequences.yaml``; a broken file stops start-up with a
:class:`~bot.content.loader.ContentError` that names the file, the sequence, the step and
the field.

Pure Python and pydantic, no Bot Framework: the API, the chat command and the scheduler
all use these functions.
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Mapping
from datetime import date
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.content.loader import ContentError, read_yaml
from bot.content.models import ID_PATTERN, Link, Text
from bot.i18n import LANGUAGES
from bot.onboarding.model import Role
from bot.workdays import add_working_days

SEQUENCES_FILE = "sequences.yaml"
DEFAULT_SEQUENCE = "default"
MAX_OFFSET = 260  # about a year of working days
MAX_TITLE_CHARS = 120
MAX_BODY_CHARS = 1200
# What a step's title and body may refer to. The newcomer's name, the named buddy and
# manager (display names) and the start date (formatted for the reader's language).
PLACEHOLDERS = frozenset({"name", "buddy", "manager", "start_date"})


class StepKind(StrEnum):
    """What the step's card lets the recipient do."""

    INFO = "info"  # read it (and "read more")
    INTRO = "intro"  # open the introduction form
    ACK = "ack"  # mark it done
    COFFEE = "coffee"  # opt in to virtual coffee
    PULSE = "pulse"  # a 1-5 score and a comment for HR


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(f"must be lowercase words joined by '-', got {value!r}")
    return value


def _check_placeholders(text: Text, max_chars: int) -> Text:
    """Only the known placeholders, written plainly: `{name}`, never `{name!r}` or `{0}`."""
    known = ", ".join(f"{{{name}}}" for name in sorted(PLACEHOLDERS))
    for lang in LANGUAGES:
        value = text.get(lang)
        if len(value) > max_chars:
            raise ValueError(f"{lang} text is longer than {max_chars} characters")
        try:
            parts = list(string.Formatter().parse(value))
        except ValueError:
            raise ValueError(
                f"{lang} text has an unmatched '{{' or '}}' (write '{{{{' for a literal brace)"
            ) from None
        for _, name, spec, conversion in parts:
            if name is None:
                continue
            if name not in PLACEHOLDERS or spec or conversion:
                written = "{" + name + (f"!{conversion}" if conversion else "")
                written += (f":{spec}" if spec else "") + "}"
                raise ValueError(f"{lang} text has an unknown placeholder {written}; use {known}")
    return text


class SequenceStep(_Strict):
    """One card of a sequence: to whom, on which working day, what it says and offers."""

    id: str
    offset: int = Field(strict=True, ge=0, le=MAX_OFFSET)
    role: Role
    kind: StepKind
    entry: str | None = None
    title: Text
    body: Text
    links: tuple[Link, ...] = ()

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _check_id(value)

    @field_validator("title")
    @classmethod
    def _title(cls, value: Text) -> Text:
        return _check_placeholders(value, MAX_TITLE_CHARS)

    @field_validator("body")
    @classmethod
    def _body(cls, value: Text) -> Text:
        return _check_placeholders(value, MAX_BODY_CHARS)

    @field_validator("links")
    @classmethod
    def _few_links(cls, value: tuple[Link, ...]) -> tuple[Link, ...]:
        if len(value) > 3:
            raise ValueError("at most 3 links (a card shows a handful of buttons)")
        return value


class Sequence(_Strict):
    """A named onboarding sequence; step ids are unique within it."""

    id: str
    title: Text
    steps: tuple[SequenceStep, ...]

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _check_id(value)

    @field_validator("steps")
    @classmethod
    def _some_steps(cls, value: tuple[SequenceStep, ...]) -> tuple[SequenceStep, ...]:
        if not value:
            raise ValueError("needs at least one step")
        return value

    @model_validator(mode="after")
    def _unique_step_ids(self) -> Sequence:
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"step {step.id!r}: duplicate id")
            seen.add(step.id)
        return self

    def step(self, step_id: str) -> SequenceStep:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


# ------------------------------------------------------------------ loading


def _label(kind: str, raw: object, index: int) -> str:
    item_id = raw.get("id") if isinstance(raw, dict) else None
    return f"{kind} {item_id!r}" if isinstance(item_id, str) else f"{kind} #{index + 1}"


def _problems(error: ValidationError) -> str:
    return "; ".join(
        f"field {'.'.join(str(part) for part in problem['loc']) or '(item)'}: {problem['msg']}"
        for problem in error.errors()
    )


def _parse_step(raw: object, where: str, index: int) -> SequenceStep:
    label = _label("step", raw, index)
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: {label}: expected a mapping of step fields")
    try:
        return SequenceStep.model_validate(raw)
    except ValidationError as error:
        raise ContentError(f"{where}: {label}: {_problems(error)}") from None


def _parse_sequence(
    raw: object, path: Path, index: int, entry_ids: Collection[str] | None
) -> Sequence:
    where = f"{path}: {_label('sequence', raw, index)}"
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: expected a mapping with id, title and steps")
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, list):
        raise ContentError(f"{where}: field steps: expected a list of steps")
    steps: list[SequenceStep] = []
    for step_index, raw_step in enumerate(raw_steps):
        step = _parse_step(raw_step, where, step_index)
        step_where = f"{where}: step {step.id!r}"
        if any(earlier.id == step.id for earlier in steps):
            raise ContentError(f"{step_where}: field id: duplicate id {step.id!r}")
        if step.entry is not None and entry_ids is not None and step.entry not in entry_ids:
            raise ContentError(f"{step_where}: field entry: unknown entry {step.entry!r}")
        steps.append(step)
    try:
        return Sequence.model_validate({**raw, "steps": tuple(steps)})
    except ValidationError as error:
        raise ContentError(f"{where}: {_problems(error)}") from None


def load_sequences(path: Path, entry_ids: Collection[str] | None = None) -> dict[str, Sequence]:
    """Read and validate the sequences file; id → sequence, in the order of the file.

    With `entry_ids` (the pack's practice entry ids) every step's `entry` must be one of
    them. The file must define the sequence ``default`` (what HR gets when it names none).
    Any problem raises ContentError naming the file, the sequence, the step and the field.
    """
    if not path.is_file():
        raise ContentError(f"{path}: missing (onboarding needs {SEQUENCES_FILE})")
    document = read_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("sequences"), list):
        raise ContentError(f"{path}: expected a mapping with a list under 'sequences'")
    unknown = sorted(str(key) for key in document if key != "sequences")
    if unknown:
        raise ContentError(f"{path}: unknown top-level field(s): {', '.join(unknown)}")
    sequences: dict[str, Sequence] = {}
    for index, raw in enumerate(document["sequences"]):
        sequence = _parse_sequence(raw, path, index, entry_ids)
        if sequence.id in sequences:
            raise ContentError(f"{path}: sequence {sequence.id!r}: field id: duplicate id")
        sequences[sequence.id] = sequence
    if DEFAULT_SEQUENCE not in sequences:
        raise ContentError(f"{path}: no sequence with id {DEFAULT_SEQUENCE!r} (HR's default)")
    return sequences


# ------------------------------------------------------------------ scheduling


def _due_dates(
    sequence: Sequence, start_date: date, today: date
) -> list[tuple[SequenceStep, date | None]]:
    first_working_day = add_working_days(today, 0)
    result: list[tuple[SequenceStep, date | None]] = []
    for step in sequence.steps:
        due = add_working_days(start_date, step.offset)
        if due < today:
            result.append((step, first_working_day if step.offset == 0 else None))
        else:
            result.append((step, due))
    return result


def schedule_steps(
    sequence: Sequence, start_date: date, today: date
) -> list[tuple[SequenceStep, date]]:
    """Each step that will be sent, with its due working day, ordered by that day.

    A step is due `offset` working days after the start date (weekends and Finnish public
    holidays skipped; a start on a day off counts from the next working day).

    A start date in the past (HR registers someone who has already started):

    - the day-0 steps (offset 0) are due today, or on the next working day when today is
      not one: the welcome and the introduction prompt still make sense late;
    - steps whose due date has already passed are skipped, not sent in a burst: they would
      arrive late and out of context (a "book a meeting for the first days" card in week
      three). They are left out of the result; :func:`skipped_steps` lists them, and HR
      sees them as skipped;
    - steps still in the future keep their dates.
    """
    due = [(step, day) for step, day in _due_dates(sequence, start_date, today) if day]
    order = {step.id: index for index, step in enumerate(sequence.steps)}
    return sorted(due, key=lambda pair: (pair[1], order[pair[0].id]))


def skipped_steps(sequence: Sequence, start_date: date, today: date) -> list[SequenceStep]:
    """The steps :func:`schedule_steps` leaves out because their day has already passed."""
    return [step for step, day in _due_dates(sequence, start_date, today) if day is None]


# ------------------------------------------------------------------ texts

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_PLAIN_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _value_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float | date):
        return str(value)
    return ""  # never call an unknown object's __str__


def render_text(text: str, values: Mapping[str, object]) -> str:
    """Fill `{placeholders}` in `text` from `values`, safely.

    Only plain lowercase names (`{name}`, `{start_date}`) are looked up, by a dictionary
    lookup and nothing else: no attribute access, indexing, conversion or format spec,
    so `{__class__}`, `{0}`, `{name.__class__}` or `{name!r}` become empty. A missing value
    becomes an empty string. `{{` and `}}` are literal braces, as in str.format, and a
    lone brace stays as it is. Values are str (as is), numbers and dates (str()); anything
    else becomes empty. Never raises.
    """

    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole == "{{":
            return "{"
        if whole == "}}":
            return "}"
        name = match.group(1)
        if _PLAIN_NAME.fullmatch(name) and name in values:
            return _value_text(values[name])
        return ""

    return _TOKEN.sub(replace, text)
