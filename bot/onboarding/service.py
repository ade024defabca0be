"""Starting, reading and cancelling HR onboardings: the core behind the HTTP API, the
operator CLI and the HR chat command. No HTTP and no SDK here.

`start` validates the whole request at once (every problem is reported, not just the
first), resolves the people through the Directory port (Microsoft Graph in production),
plans the steps with the sequence's schedule and writes the onboarding and all its steps
with ONE store call, which is one transaction: nothing is ever half-created.

Idempotency: with an `Idempotency-Key`, the store returns the onboarding first created
under that key instead of writing a second one. The same key with a different request
(other people, date, sequence, language, team, or another caller) is a conflict.
"""

from __future__ import annotations

import builtins
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from bot.directory import Directory, DirectoryUser, ServiceError, ServiceErrorKind
from bot.i18n import LANGUAGES
from bot.ids import is_guid
from bot.onboarding.model import (
    Onboarding,
    OnboardingRequest,
    OnboardingState,
    OnboardingStep,
    Role,
)
from bot.onboarding.sequences import DEFAULT_SEQUENCE, schedule_steps
from bot.onboarding.sequences import Sequence as OnboardingSequence
from bot.onboarding.store import OnboardingStore

FIELDS = ("employee", "start_date", "team_id", "buddy", "manager", "sequence", "language")
MAX_DAYS_AHEAD = 365  # "not more than a year away"
MAX_DAYS_PAST = 90  # a late registration still gets its remaining steps
MAX_IDEMPOTENCY_KEY_LENGTH = 200
MAX_TEXT_LENGTH = 256  # ids, UPNs and team ids are far shorter
IDEMPOTENCY_KEY_FIELD = "Idempotency-Key"

_UPN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KEY_CHARS = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII, as HTTP header values go
_JSON_TYPES = {bool: "a boolean", int: "a number", float: "a number", list: "an array"}


class Problem(TypedDict):
    field: str
    message: str


def _problem(field: str, message: str) -> Problem:
    return {"field": field, "message": message}


class RequestErrors(Exception):
    """The request has problems (HTTP 400); `problems` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems))
        self.problems = list(problems)


class UnknownUser(Exception):
    """A person is not in the directory (HTTP 404). `field`/`value` name the first one;
    `problems` lists all of them."""

    def __init__(self, field: str, value: str, others: Sequence[tuple[str, str]] = ()) -> None:
        self.field = field
        self.value = value
        self.unknown = [(field, value), *others]
        super().__init__(", ".join(f"{f} {v!r}" for f, v in self.unknown))

    @property
    def problems(self) -> list[Problem]:
        return [
            _problem(f, f"no user {v!r} in the directory (Microsoft Graph)")
            for f, v in self.unknown
        ]


class DirectoryNeeded(Exception):
    """A UPN was given but Microsoft Graph is not configured, so it cannot be resolved to an
    object id (HTTP 422). Object ids are accepted as they are."""

    def __init__(self, fields: Sequence[str]) -> None:
        super().__init__(", ".join(fields))
        self.problems = [
            _problem(
                f,
                "a user principal name needs Microsoft Graph to be resolved, and Graph is not "
                "configured: give the Entra object id instead",
            )
            for f in fields
        ]


class DirectoryUnavailable(Exception):
    """The directory could not be asked (throttled, down, or a missing permission)."""

    def __init__(self, kind: ServiceErrorKind) -> None:
        super().__init__(f"the directory (Microsoft Graph) could not be asked: {kind.value}")
        self.kind = kind


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different request (HTTP 409)."""

    def __init__(self, existing_id: str) -> None:
        super().__init__(
            "this Idempotency-Key was already used for a different request; "
            "use a new key for a new onboarding"
        )
        self.existing_id = existing_id


@dataclass(frozen=True)
class SkippedStep:
    """A step of the sequence that is not sent: its role has no person, or its day had
    already passed when HR started the onboarding (see schedule_steps)."""

    step_id: str
    role: Role
    reason: str


@dataclass(frozen=True)
class _Fields:
    employee: str
    start_date: date
    sequence: str
    language: str | None
    team_id: str | None
    buddy: str | None
    manager: str | None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return _JSON_TYPES.get(type(value), "an object")


class _Validator:
    """Collects every problem of one request body."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.fields = fields
        self.problems: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(_problem(field, message))

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.fields.get(name)
        if value is None:
            if required:
                self.add(name, "is required")
            return None
        if not isinstance(value, str):
            self.add(name, f"must be a string, not {_json_type(value)}")
            return None
        value = value.strip()
        if not value:
            self.add(name, "must not be empty")
            return None
        if len(value) > MAX_TEXT_LENGTH:
            self.add(name, f"must be at most {MAX_TEXT_LENGTH} characters")
            return None
        return value

    def person(self, name: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if is_guid(value):
            return value.lower()
        if _UPN.match(value):
            return value
        self.add(name, "must be an Entra object id (a GUID) or a user principal name (name@domain)")
        return None

    def start_date(self, today: date) -> date | None:
        value = self.text("start_date", required=True)
        if value is None:
            return None
        try:
            if not _ISO_DATE.match(value):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            self.add("start_date", "must be a date like 2026-12-01 (YYYY-MM-DD)")
            return None
        if day > today + timedelta(days=MAX_DAYS_AHEAD):
            self.add("start_date", f"is more than a year ({MAX_DAYS_AHEAD} days) away")
            return None
        if day < today - timedelta(days=MAX_DAYS_PAST):
            self.add("start_date", f"is more than {MAX_DAYS_PAST} days in the past")
            return None
        return day

    def choice(self, name: str, allowed: Sequence[str], default: str | None) -> str | None:
        value = self.text(name)
        if value is None:
            return default
        if value not in allowed:
            known = ", ".join(allowed) if allowed else "none"
            self.add(name, f"unknown value {value!r}; one of: {known}")
            return None
        return value

    def idempotency_key(self, key: str | None) -> None:
        if key is None:
            return
        if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not _KEY_CHARS.match(key):
            self.add(
                IDEMPOTENCY_KEY_FIELD,
                f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters",
            )


def validate_fields(
    fields: Mapping[str, Any],
    sequences: Sequence[str],
    today: date,
    idempotency_key: str | None = None,
) -> _Fields:
    """The checked request, or RequestErrors listing every problem of it."""
    check = _Validator(fields)
    for name in fields:
        if name not in FIELDS:
            check.add(name, f"unknown field; the fields are: {', '.join(FIELDS)}")
    employee = check.person("employee", required=True)
    start_date = check.start_date(today)
    team_id = check.text("team_id")
    buddy = check.person("buddy")
    manager = check.person("manager")
    for name, person in (("buddy", buddy), ("manager", manager)):
        if person is not None and employee is not None and person.lower() == employee.lower():
            check.add(name, "must be someone other than the employee")
    sequence = check.choice("sequence", sorted(sequences), DEFAULT_SEQUENCE)
    if fields.get("sequence") is None and DEFAULT_SEQUENCE not in sequences:
        check.add("sequence", f"is required: there is no {DEFAULT_SEQUENCE!r} sequence")
    language = check.choice("language", LANGUAGES, None)
    check.idempotency_key(idempotency_key)
    if check.problems or employee is None or start_date is None or sequence is None:
        raise RequestErrors(check.problems)
    return _Fields(employee, start_date, sequence, language, team_id, buddy, manager)


def _recipient(request: OnboardingRequest, role: Role) -> str | None:
    match role:
        case Role.NEWCOMER:
            return request.employee_id
        case Role.BUDDY:
            return request.buddy_id
        case Role.MANAGER:
            return request.manager_id
        case Role.TEAM:
            return request.team_id


_SKIP_REASONS = {
    Role.BUDDY: "no buddy given",
    Role.MANAGER: "no manager given",
    Role.TEAM: "no team_id given",
}
PAST_REASON = "its day had passed when the onboarding was started"


def _idempotency_identity(request: OnboardingRequest) -> tuple[object, ...]:
    """What must match for a replay: everything but the display name (the directory may
    rename someone between the two calls). Another caller is another request."""
    return (
        request.employee_id.lower(),
        request.start_date,
        request.sequence,
        request.language,
        request.team_id,
        (request.buddy_id or "").lower(),
        (request.manager_id or "").lower(),
        request.requested_by,
    )


class OnboardingService:
    """HR onboardings over a store, the directory and the configured sequences.

    `clock` gives timezone-aware UTC now; "today" (for date checks and the schedule) is
    the local date in `timezone`. `default_language` is used when the request has none
    and the directory does not know the employee's preferred language.
    """

    def __init__(
        self,
        store: OnboardingStore,
        directory: Directory,
        sequences: Mapping[str, OnboardingSequence],
        clock: Callable[[], datetime],
        timezone: str,
        *,
        default_language: str = "fi",
    ) -> None:
        self._store = store
        self._directory = directory
        self._sequences = sequences
        self._clock = clock
        self._zone = ZoneInfo(timezone)
        self._default_language = default_language

    def today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    async def start(
        self,
        request_fields: Mapping[str, Any],
        requested_by: str,
        idempotency_key: str | None = None,
    ) -> tuple[Onboarding, bool]:
        """(onboarding, created). created False: the idempotent replay of an earlier request.

        Raises RequestErrors (400), DirectoryNeeded (422), UnknownUser (404),
        DirectoryUnavailable (503) or IdempotencyConflict (409).
        """
        today = self.today()
        fields = validate_fields(request_fields, list(self._sequences), today, idempotency_key)
        people = await self._resolve(
            [
                (name, value)
                for name, value in (
                    ("employee", fields.employee),
                    ("buddy", fields.buddy),
                    ("manager", fields.manager),
                )
                if value is not None
            ]
        )
        employee = people["employee"]
        same = [
            _problem(name, "must be someone other than the employee")
            for name in ("buddy", "manager")
            if name in people and people[name].id.lower() == employee.id.lower()
        ]
        if same:
            raise RequestErrors(same)
        request = OnboardingRequest(
            employee_id=employee.id,
            employee_name=employee.display_name,
            start_date=fields.start_date,
            sequence=fields.sequence,
            language=fields.language or employee.language or self._default_language,
            team_id=fields.team_id,
            buddy_id=people["buddy"].id if "buddy" in people else None,
            manager_id=people["manager"].id if "manager" in people else None,
            requested_by=requested_by,
        )
        steps = self._plan(self._sequences[fields.sequence], request, today)
        onboarding, created = await self._store.create_onboarding(
            str(uuid.uuid4()), request, steps, self._clock(), idempotency_key
        )
        replayed = _idempotency_identity(onboarding.request)
        if not created and replayed != _idempotency_identity(request):
            raise IdempotencyConflict(onboarding.id)
        return onboarding, created

    async def _resolve(self, wanted: Sequence[tuple[str, str]]) -> dict[str, DirectoryUser]:
        found: dict[str, DirectoryUser] = {}
        unknown: list[tuple[str, str]] = []
        needs_graph: list[str] = []
        for name, value in wanted:
            try:
                user = await self._directory.find_user(value)
            except ServiceError as error:
                if error.kind is ServiceErrorKind.NOT_FOUND:
                    user = None
                elif error.kind is not ServiceErrorKind.NOT_CONFIGURED:
                    raise DirectoryUnavailable(error.kind) from None
                elif is_guid(value):
                    # Without Graph an object id is taken as it is: nobody can check it.
                    found[name] = DirectoryUser(value, "", None, None)
                    continue
                else:
                    needs_graph.append(name)
                    continue
            if user is None:
                unknown.append((name, value))
            else:
                found[name] = user
        if needs_graph:
            raise DirectoryNeeded(needs_graph)
        if unknown:
            (first_field, first_value), *others = unknown
            raise UnknownUser(first_field, first_value, others)
        return found

    def _plan(
        self, sequence: OnboardingSequence, request: OnboardingRequest, today: date
    ) -> list[OnboardingStep]:
        """The steps somebody receives (a step whose role has no person is left out)."""
        steps: list[OnboardingStep] = []
        for step, due in schedule_steps(sequence, request.start_date, today):
            role = Role(step.role)
            recipient = _recipient(request, role)
            if recipient is not None:
                steps.append(OnboardingStep(step.id, role, due, recipient_id=recipient))
        return steps

    def skipped_steps(self, onboarding: Onboarding) -> builtins.list[SkippedStep]:
        """Steps of the onboarding's sequence that are not sent: no buddy, manager or team
        was given, or (a start date in the past) their day had passed. Empty when the
        sequence is no longer configured."""
        sequence = self._sequences.get(onboarding.request.sequence)
        if sequence is None:
            return []
        request = onboarding.request
        planned = {step.step_id for step in onboarding.steps}
        skipped: builtins.list[SkippedStep] = []
        # Scheduled as if started on the start date: every step of the sequence.
        for step, _ in schedule_steps(sequence, request.start_date, request.start_date):
            if step.id in planned:
                continue
            role = Role(step.role)
            reason = _SKIP_REASONS[role] if _recipient(request, role) is None else PAST_REASON
            skipped.append(SkippedStep(step.id, role, reason))
        return skipped

    async def get(self, onboarding_id: str) -> Onboarding | None:
        return await self._store.get_onboarding(onboarding_id)

    async def cancel(self, onboarding_id: str) -> Onboarding | None:
        """Cancel the steps still to come; None when there is no such onboarding."""
        return await self._store.cancel_onboarding(onboarding_id, self._clock())

    async def list(self, state: str | None = None) -> builtins.list[Onboarding]:
        """Onboardings in `state` (active | cancelled | completed), or all with None."""
        states = [s.value for s in OnboardingState]
        if state is not None and state not in states:
            raise RequestErrors(
                [_problem("state", f"unknown state {state!r}; one of: {', '.join(states)}")]
            )
        return await self._store.list_onboardings(state)


def _timestamp(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def onboarding_document(
    onboarding: Onboarding, skipped: Sequence[SkippedStep] = ()
) -> dict[str, Any]:
    """The onboarding as JSON-ready data (HTTP API and `onboarding show --json`). Includes
    the pulse with its comment: show it to HR only."""
    request = onboarding.request
    return {
        "id": onboarding.id,
        "state": onboarding.state.value,
        "created_at": _timestamp(onboarding.created_at),
        "employee": {"id": request.employee_id, "name": request.employee_name},
        "start_date": request.start_date.isoformat(),
        "sequence": request.sequence,
        "language": request.language,
        "team_id": request.team_id,
        "buddy_id": request.buddy_id,
        "manager_id": request.manager_id,
        "requested_by": request.requested_by,
        "idempotency_key": onboarding.idempotency_key,
        "steps": [
            {
                "step": step.step_id,
                "role": step.role.value,
                "recipient_id": step.recipient_id,
                "due_date": step.due_date.isoformat(),
                "state": step.state.value,
                "sent_at": _timestamp(step.sent_at),
                "acknowledged_at": _timestamp(step.acknowledged_at),
            }
            for step in sorted(onboarding.steps, key=lambda s: (s.due_date, s.step_id))
        ],
        "skipped_steps": [
            {"step": s.step_id, "role": s.role.value, "reason": s.reason} for s in skipped
        ],
        "pulse": dict(onboarding.pulse) or None,
    }
