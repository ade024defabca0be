"""`python -m bot onboarding list | show ID | cancel ID` for operators.

Each command takes an OnboardingService and an output stream and returns the exit code
(0 done, 1 no such onboarding, 2 bad arguments). Pulse comments are HR-only: the text
output shows the score and leaves the comment out (HR reads it through the API).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from bot.onboarding.model import Onboarding
from bot.onboarding.service import OnboardingService, RequestErrors, onboarding_document

STATES = ("active", "cancelled", "completed", "all")


def _person(name: str, person_id: str | None) -> str:
    if person_id is None:
        return "-"
    return f"{name} ({person_id})" if name else person_id


def _summary_line(onboarding: Onboarding) -> str:
    request = onboarding.request
    done = sum(1 for step in onboarding.steps if step.state.value in ("sent", "acknowledged"))
    return (
        f"{onboarding.id}  {onboarding.state.value:<9}  {request.start_date.isoformat()}  "
        f"{request.sequence:<12} {request.language}  steps {done}/{len(onboarding.steps)} sent  "
        f"{_person(request.employee_name, request.employee_id)}\n"
    )


def _write_details(service: OnboardingService, onboarding: Onboarding, out: TextIO) -> None:
    request = onboarding.request
    out.write(f"Onboarding {onboarding.id} ({onboarding.state.value})\n")
    out.write(f"  employee:   {_person(request.employee_name, request.employee_id)}\n")
    out.write(
        f"  start:      {request.start_date.isoformat()} "
        f"(sequence {request.sequence}, language {request.language})\n"
    )
    out.write(f"  team:       {request.team_id or '-'}\n")
    out.write(f"  buddy:      {request.buddy_id or '-'}\n")
    out.write(f"  manager:    {request.manager_id or '-'}\n")
    out.write(
        f"  requested:  {onboarding.created_at.isoformat()} by {request.requested_by or '-'}\n"
    )
    out.write("  steps:\n")
    for step in sorted(onboarding.steps, key=lambda s: (s.due_date, s.step_id)):
        out.write(
            f"    {step.due_date.isoformat()}  {step.step_id:<24} {step.role.value:<9} "
            f"{step.state.value}\n"
        )
    if not onboarding.steps:
        out.write("    (none)\n")
    for skipped in service.skipped_steps(onboarding):
        out.write(f"  skipped:    {skipped.step_id} ({skipped.role.value}: {skipped.reason})\n")
    score = onboarding.pulse.get("score")
    if score is not None:
        out.write(f"  pulse:      {score}/5 (any comment is shown to HR only, through the API)\n")


async def list_command(
    service: OnboardingService,
    out: TextIO,
    state: str = "active",
    *,
    as_json: bool = False,
    err: TextIO | None = None,
) -> int:
    """Onboardings in `state` (active | cancelled | completed | all), one per line."""
    try:
        onboardings = await service.list(None if state == "all" else state)
    except RequestErrors as error:
        (err or sys.stderr).write(f"error: {error}\n")
        return 2
    if as_json:
        documents = [
            _without_pulse_comment(onboarding_document(o, service.skipped_steps(o)))
            for o in onboardings
        ]
        out.write(json.dumps({"onboardings": documents}, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not onboardings:
        out.write(f"No onboardings ({state}).\n")
        return 0
    for onboarding in onboardings:
        out.write(_summary_line(onboarding))
    return 0


def _without_pulse_comment(document: dict[str, object]) -> dict[str, object]:
    pulse = document.get("pulse")
    if isinstance(pulse, dict):
        document["pulse"] = {k: v for k, v in pulse.items() if k != "comment"}
    return document


async def show_command(
    service: OnboardingService,
    onboarding_id: str,
    out: TextIO,
    *,
    as_json: bool = False,
    err: TextIO | None = None,
) -> int:
    """One onboarding with its steps (due date, role, state) and skipped steps."""
    onboarding = await service.get(onboarding_id)
    if onboarding is None:
        (err or sys.stderr).write(f"error: no onboarding {onboarding_id}\n")
        return 1
    if as_json:
        document = onboarding_document(onboarding, service.skipped_steps(onboarding))
        out.write(json.dumps(_without_pulse_comment(document), ensure_ascii=False, indent=2))
        out.write("\n")
        return 0
    _write_details(service, onboarding, out)
    return 0


async def cancel_command(
    service: OnboardingService, onboarding_id: str, out: TextIO, *, err: TextIO | None = None
) -> int:
    """Cancel the steps still to come; steps already sent stay as they are."""
    onboarding = await service.cancel(onboarding_id)
    if onboarding is None:
        (err or sys.stderr).write(f"error: no onboarding {onboarding_id}\n")
        return 1
    cancelled = sum(1 for step in onboarding.steps if step.state.value == "cancelled")
    out.write(f"Cancelled {onboarding.id}: {cancelled} future step(s) will not be sent.\n")
    _write_details(service, onboarding, out)
    return 0


async def run(
    service: OnboardingService,
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO | None = None,
) -> int:
    """Dispatch `python -m bot onboarding ...` (args.onboarding_command, .id, .state, .json)."""
    if args.onboarding_command == "list":
        return await list_command(service, out, args.state, as_json=args.json, err=err)
    if args.onboarding_command == "show":
        return await show_command(service, args.id, out, as_json=args.json, err=err)
    return await cancel_command(service, args.id, out, err=err)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `onboarding` subcommand on the top-level parser's subparsers."""
    onboarding = commands.add_parser("onboarding", help="HR onboarding sequences (operators)")
    actions = onboarding.add_subparsers(dest="onboarding_command", required=True)
    listing = actions.add_parser("list", help="onboardings, one per line")
    listing.add_argument("--state", choices=STATES, default="active", help="default: active")
    listing.add_argument("--json", action="store_true", help="print JSON")
    show = actions.add_parser("show", help="one onboarding with its steps")
    show.add_argument("id", help="the onboarding id")
    show.add_argument("--json", action="store_true", help="print JSON")
    cancel = actions.add_parser("cancel", help="cancel the steps still to come")
    cancel.add_argument("id", help="the onboarding id")
