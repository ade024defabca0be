"""`python -m bot onboarding list | show | cancel` functions and their parser."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from bot.directory import DirectoryUser
from bot.onboarding import cli
from bot.onboarding.model import Onboarding, StepState
from bot.onboarding.service import OnboardingService
from bot.store.sql import SqlStore
from tests.onboarding.conftest import NOW, START


async def started(
    service: OnboardingService, people: dict[str, DirectoryUser], **fields: object
) -> Onboarding:
    request = {"employee": people["newcomer"].id, "start_date": START, **fields}
    onboarding, _ = await service.start(request, "hr-oid")
    return onboarding


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot")
    commands = parser.add_subparsers(dest="command", required=True)
    cli.add_parser(commands)
    return parser.parse_args(argv)


async def test_list_shows_active_onboardings_by_default(
    service: OnboardingService, people: dict[str, DirectoryUser]
) -> None:
    active = await started(service, people)
    gone = await started(service, people, sequence="short")
    await service.cancel(gone.id)
    out = io.StringIO()
    assert await cli.run(service, parse("onboarding", "list"), out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(active.id)
    assert "2026-12-01" in lines[0] and "Uusi Tulokas" in lines[0] and "steps 0/2 sent" in lines[0]
    out = io.StringIO()
    assert await cli.run(service, parse("onboarding", "list", "--state", "all"), out) == 0
    assert len(out.getvalue().splitlines()) == 2


async def test_list_when_there_is_nothing(service: OnboardingService) -> None:
    out = io.StringIO()
    assert await cli.list_command(service, out, "cancelled") == 0
    assert out.getvalue() == "No onboardings (cancelled).\n"


async def test_show_lists_steps_and_skipped_steps_and_hides_the_pulse_comment(
    service: OnboardingService, store: SqlStore, people: dict[str, DirectoryUser]
) -> None:
    onboarding = await started(service, people, manager=people["manager"].id)
    await store.set_step_state(onboarding.id, "welcome", StepState.SENT, NOW)
    await store.record_pulse(onboarding.id, {"score": 2, "comment": "Yksinäistä"}, NOW)
    out = io.StringIO()
    assert await cli.run(service, parse("onboarding", "show", onboarding.id), out) == 0
    text = out.getvalue()
    assert f"Onboarding {onboarding.id} (active)" in text
    assert "2026-12-01  welcome" in text and "sent" in text
    assert "2026-12-02  manager-one-to-one" in text
    assert "meet-buddy (buddy: no buddy given)" in text
    assert "2/5" in text
    assert "Yksinäistä" not in text
    out = io.StringIO()
    assert await cli.run(service, parse("onboarding", "show", onboarding.id, "--json"), out) == 0
    document = json.loads(out.getvalue())
    assert document["id"] == onboarding.id
    assert document["pulse"] == {"score": 2}


async def test_cancel_reports_what_will_not_be_sent(
    service: OnboardingService, store: SqlStore, people: dict[str, DirectoryUser]
) -> None:
    onboarding = await started(service, people)
    await store.set_step_state(onboarding.id, "welcome", StepState.SENT, NOW)
    out = io.StringIO()
    assert await cli.run(service, parse("onboarding", "cancel", onboarding.id), out) == 0
    assert out.getvalue().startswith(
        f"Cancelled {onboarding.id}: 1 future step(s) will not be sent."
    )
    stored = await service.get(onboarding.id)
    assert stored is not None
    assert {s.step_id: s.state for s in stored.steps} == {
        "welcome": StepState.SENT,
        "check-in": StepState.CANCELLED,
    }


@pytest.mark.parametrize("command", ["show", "cancel"])
async def test_an_unknown_id_is_exit_1(service: OnboardingService, command: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert await cli.run(service, parse("onboarding", command, "nope"), out, err) == 1
    assert err.getvalue() == "error: no onboarding nope\n"
    assert out.getvalue() == ""


def test_the_parser_refuses_unknown_states_and_missing_ids() -> None:
    for argv in (("onboarding", "list", "--state", "done"), ("onboarding", "show")):
        with pytest.raises(SystemExit):
            parse(*argv)
