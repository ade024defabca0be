"""Onboarding in chat: the newcomer's introduction, step buttons, and the HR command.

Nothing is posted about a newcomer without their confirmation; the person acting is always
the authenticated user of the activity, and every id in a payload is checked against what
that user may touch.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from bot.chat.commands import Command, command_language, parse_date
from bot.chat.feature import (
    Feature,
    MembersJoined,
    NotAllowed,
    Route,
    Tick,
    acting_person,
    bind,
    bind_actions,
)
from bot.chat.model import Incoming, Reply, person_recipient
from bot.chat.roster import TeamRoster
from bot.clock import Clock
from bot.coffee.cards import when_text
from bot.coffee.ports import CalendarPort
from bot.coffee.slots import find_slot
from bot.directory import ServiceError
from bot.i18n import Language
from bot.onboarding.cards import (
    INTRO_LIMITS,
    declined_card,
    hr_confirm_card,
    intro_form_card,
    intro_preview_card,
    posted_card,
    pulse_thanks_card,
    step_done_card,
)
from bot.onboarding.deliveries import IntroPost, IntroTeammate, IntroWelcome
from bot.onboarding.model import Introduction, OnboardingRequest, Role, StepState
from bot.onboarding.planner import OnboardingPlanner
from bot.onboarding.sequences import Sequence
from bot.onboarding.service import OnboardingService
from bot.onboarding.store import OnboardingStore
from bot.records import NewDelivery
from bot.storage import Store
from bot.texts import t
from cards.base import (
    VERB_HR_CANCEL,
    VERB_HR_CONFIRM,
    VERB_INTRO_BOOK,
    VERB_INTRO_DECLINE,
    VERB_INTRO_EDIT,
    VERB_INTRO_POST,
    VERB_INTRO_PREVIEW,
    VERB_ONBOARDING_ACK,
    VERB_ONBOARDING_PULSE,
)
from jobs.deliveries import OpenChat, to_json

log = logging.getLogger(__name__)

GET_TO_KNOW_MINUTES = 20


@dataclass(frozen=True)
class OnboardingDeps:
    onboarding: OnboardingStore
    store: Store  # conversation references (for rosters) and deliveries
    clock: Clock
    onboarding_service: OnboardingService | None = None  # HR's chat command needs it
    planner: OnboardingPlanner | None = None  # turns due steps into deliveries
    sequences: Mapping[str, Sequence] = field(default_factory=dict)
    roster: TeamRoster | None = None  # Teams members of a team or chat
    calendar: CalendarPort | None = None  # books a teammate's get-to-know chat
    hr_user_ids: frozenset[str] = frozenset()
    timezone: str = "Europe/Helsinki"
    default_language: Language = "fi"


def _text(data: Mapping[str, Any], name: str, limit: int = 100) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise NotAllowed(f"{name} is missing or too long")
    return value.strip()


def _optional(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise NotAllowed(f"{name} must be text")
    return value.strip()[: INTRO_LIMITS.get(name, 200)]


# --- a newcomer joins a team -------------------------------------------------------------


async def members_joined(event: MembersJoined, deps: OnboardingDeps) -> None:
    """Someone joined a team the bot is in: welcome them with the introduction form."""
    for member in event.members:
        if not member.aad_object_id or not member.teams_id:
            continue
        try:
            await newcomer_joined(
                deps,
                team_id=event.team_id,
                teams_user_id=member.teams_id,
                aad_object_id=member.aad_object_id,
                name=member.name,
                service_url=event.service_url,
                tenant_id=event.tenant_id,
                lang=deps.default_language,
            )
        except Exception:
            log.warning("could not start a newcomer's introduction", exc_info=True)


async def newcomer_joined(
    deps: OnboardingDeps,
    *,
    team_id: str,
    teams_user_id: str,
    aad_object_id: str,
    name: str,
    service_url: str,
    tenant_id: str | None,
    lang: Language,
) -> bool:
    """Welcome a new team member in a 1:1 chat with the introduction form (once per team)."""
    if await deps.onboarding.get_introduction(aad_object_id, team_id) is not None:
        return False
    await deps.onboarding.save_introduction(
        Introduction(person_id=aad_object_id, team_id=team_id, name=name)
    )
    payload = to_json(
        IntroWelcome(team=team_id, name=name, lang=lang),
        OpenChat(service_url=service_url, tenant_id=tenant_id, user_id=teams_user_id),
    )
    key = f"intro:{team_id}:{aad_object_id}"
    delivery = NewDelivery(person_recipient(aad_object_id), payload, must_arrive=True)
    return await deps.store.create_occurrence(key, "onboarding", [delivery], deps.clock())


# --- the introduction --------------------------------------------------------------------


async def _intro(incoming: Incoming, data: Mapping[str, Any], deps: OnboardingDeps) -> Introduction:
    """The acting user's own introduction to the team named in the card (or to the team of
    their HR onboarding, when the welcome step's button is pressed)."""
    actor = acting_person(incoming)
    if data.get("team") is None and isinstance(data.get("onboarding"), str):
        onboarding = await deps.onboarding.get_onboarding(data["onboarding"])
        if onboarding is None or onboarding.request.employee_id != actor:
            raise NotAllowed("not this user's onboarding")
        if not onboarding.request.team_id:
            raise NotAllowed("the onboarding names no team to introduce oneself to")
        team_id = onboarding.request.team_id
        intro = await deps.onboarding.get_introduction(actor, team_id)
        if intro is None:
            intro = Introduction(
                person_id=actor,
                team_id=team_id,
                name=onboarding.request.employee_name or incoming.user_name,
            )
            await deps.onboarding.save_introduction(intro)
        return intro
    team_id = _text(data, "team", 200)
    intro = await deps.onboarding.get_introduction(actor, team_id)
    if intro is None:
        raise NotAllowed("no introduction for this user in that team")
    return intro


async def intro_edit(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: OnboardingDeps
) -> Reply:
    intro = await _intro(incoming, data, deps)
    if intro.state == "posted":
        return Reply(card=posted_card(intro, lang), lang=lang)
    return Reply(card=intro_form_card(intro, lang), lang=lang)


async def intro_preview(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: OnboardingDeps
) -> Reply:
    intro = await _intro(incoming, data, deps)
    if intro.state == "posted":
        return Reply(card=posted_card(intro, lang), lang=lang)
    name = _optional(data, "name") or intro.name
    draft = replace(
        intro,
        name=name[: INTRO_LIMITS["name"]],
        role_text=_optional(data, "role"),
        location_text=_optional(data, "location"),
        languages_text=_optional(data, "languages"),
        about_text=_optional(data, "about"),
        state="draft",
    )
    await deps.onboarding.save_introduction(draft)
    return Reply(card=intro_preview_card(draft, lang), lang=lang)


async def intro_decline(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: OnboardingDeps
) -> Reply:
    intro = await _intro(incoming, data, deps)
    if intro.state != "posted":
        await deps.onboarding.save_introduction(replace(intro, state="declined"))
    return Reply(card=declined_card(lang, intro.team_id), lang=lang)


async def intro_post(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: OnboardingDeps
) -> Reply:
    """Only on the newcomer's own confirmation: post to the team and prompt teammates once."""
    intro = await _intro(incoming, data, deps)
    if intro.state == "posted":
        return Reply(card=posted_card(intro, lang), lang=lang)
    posted = replace(intro, state="posted", posted_at=deps.clock(), channel_id=intro.team_id)
    await deps.onboarding.save_introduction(posted)
    now = deps.clock()
    await deps.store.create_occurrence(
        f"intro-post:{posted.team_id}:{posted.person_id}",
        "onboarding",
        [NewDelivery(posted.team_id, to_json(IntroPost.of(posted, lang)), must_arrive=True)],
        now,
    )
    teammates = await _teammates(posted, deps)
    prompt = IntroTeammate.of(posted, lang)
    prompts = [
        NewDelivery(person_recipient(member_id), to_json(prompt, create))
        for member_id, create in teammates
    ]
    await deps.store.create_occurrence(
        f"intro-teammates:{posted.team_id}:{posted.person_id}", "onboarding", prompts, now
    )
    return Reply(card=posted_card(posted, lang), lang=lang)


async def _teammates(intro: Introduction, deps: OnboardingDeps) -> list[tuple[str, OpenChat]]:
    team = await deps.store.get_reference(intro.team_id)
    if team is None or deps.roster is None:
        return []
    result = []
    for member in await deps.roster.members(team):
        if member.aad_object_id and member.aad_object_id != intro.person_id:
            create = OpenChat(
                service_url=team.service_url, tenant_id=team.tenant_id, user_id=member.teams_id
            )
            result.append((member.aad_object_id, create))
    return result


async def intro_book(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: OnboardingDeps
) -> Reply:
    """A teammate books a short get-to-know chat with a newcomer whose intro is posted."""
    teammate = acting_person(incoming)
    newcomer = _text(data, "person", 200)
    team_id = _text(data, "team", 200)
    if newcomer == teammate:
        raise NotAllowed("cannot book with oneself")
    intro = await deps.onboarding.get_introduction(newcomer, team_id)
    if intro is None or intro.state != "posted":
        raise NotAllowed("no posted introduction for that person")
    name = intro.name
    try:
        if deps.calendar is None:
            raise ServiceError.__new__(ServiceError)
        now = deps.clock()
        busy = await deps.calendar.free_busy(
            [teammate, newcomer], now + timedelta(hours=2), now + timedelta(days=10), 5
        )
        slot = (
            find_slot(
                list(busy.values()),
                length_minutes=GET_TO_KNOW_MINUTES,
                window_start=now + timedelta(hours=2),
                window_end=now + timedelta(days=10),
                timezone=deps.timezone,
            )
            if len(busy) == 2
            else None
        )
        if slot is None:
            return _fallback(lang, name, intro)
        txid = hashlib.sha256(f"intro:{team_id}:{newcomer}:{teammate}".encode()).hexdigest()[:32]
        meeting = await deps.calendar.create_meeting(
            teammate,
            [newcomer],
            t("intro.meeting.subject", lang, name=name),
            t("intro.meeting.body", lang),
            slot[0],
            slot[1],
            txid,
        )
    except (ServiceError, TypeError):
        return _fallback(lang, name, intro)
    return Reply(
        text=t(
            "intro.meeting.booked",
            lang,
            name=name,
            when=when_text(meeting.start, lang, deps.timezone),
        ),
        lang=lang,
    )


def _fallback(lang: Language, name: str, intro: Introduction) -> Reply:
    text = t("intro.meeting.fallback", lang, name=name)
    del intro  # the newcomer's UPN is not stored; the chat button in the post covers it
    return Reply(text=text, lang=lang)


# --- sequence steps ----------------------------------------------------------------------


async def _step(
    incoming: Incoming, data: Mapping[str, Any], deps: OnboardingDeps
) -> tuple[Any, Any]:
    onboarding = await deps.onboarding.get_onboarding(_text(data, "onboarding", 100))
    step_id = _text(data, "step", 100)
    if onboarding is None:
        raise NotAllowed("unknown onboarding")
    step = next((s for s in onboarding.steps if s.step_id == step_id), None)
    if step is None or step.role is Role.TEAM or step.recipient_id != acting_person(incoming):
        raise NotAllowed("that step is not for this user")
    return onboarding, step


async def step_ack(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: OnboardingDeps
) -> Reply:
    onboarding, step = await _step(incoming, data, deps)
    await deps.onboarding.set_step_state(
        onboarding.id, step.step_id, StepState.ACKNOWLEDGED, deps.clock()
    )
    sequence = deps.sequences.get(onboarding.request.sequence)
    definition = (
        next((s for s in sequence.steps if s.id == step.step_id), None) if sequence else None
    )
    if definition is None:
        return Reply(text=t("onboarding.done", lang), lang=lang)
    values = {"name": onboarding.request.employee_name, "start_date": onboarding.request.start_date}
    return Reply(card=step_done_card(definition, lang, values), lang=lang)


async def step_pulse(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: OnboardingDeps
) -> Reply:
    onboarding, step = await _step(incoming, data, deps)
    score = data.get("score")
    if score not in ("1", "2", "3", "4", "5", 1, 2, 3, 4, 5):
        raise NotAllowed("score must be 1..5")
    comment = data.get("comment")
    pulse = {
        "score": int(str(score)),
        "comment": comment.strip()[:1000] if isinstance(comment, str) else "",
    }
    await deps.onboarding.record_pulse(onboarding.id, pulse, deps.clock())
    await deps.onboarding.set_step_state(
        onboarding.id, step.step_id, StepState.ACKNOWLEDGED, deps.clock()
    )
    return Reply(card=pulse_thanks_card(lang), lang=lang)


# --- HR in chat ----------------------------------------------------------------------------

_HR_COMMAND = re.compile(
    r"^(?P<verb>perehdytys|introduktion|onboarding)\s+(?P<who>.+?)\s+(?P<date>\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})$",
    re.IGNORECASE,
)
_HR_LANG: dict[str, Language] = {"perehdytys": "fi", "introduktion": "sv", "onboarding": "en"}


def parse_hr_command(text: str) -> tuple[Language, str, Any] | None:
    """'perehdytys @Maija 2026-12-01' → (language, who, start date) or None."""
    match = _HR_COMMAND.match(" ".join(text.split()))
    if match is None:
        return None
    return (
        _HR_LANG[match["verb"].lower()],
        match["who"].lstrip("@").strip(),
        parse_date(match["date"]),
    )


def is_hr(incoming: Incoming, deps: OnboardingDeps) -> bool:
    return bool(incoming.aad_object_id) and incoming.aad_object_id in deps.hr_user_ids


async def handle_hr_command(
    incoming: Incoming, command: Command | None, deps: OnboardingDeps
) -> Reply:
    parsed = parse_hr_command(incoming.text)
    lang = parsed[0] if parsed else command_language(incoming, command, deps.default_language)
    if not is_hr(incoming, deps) or deps.onboarding_service is None:
        return Reply(text=t("hr.not_allowed", lang), lang=lang)
    if parsed is None or parsed[2] is None:
        return Reply(text=t("hr.usage", lang), lang=lang)
    _, who, start = parsed
    employee, name = who, who
    if incoming.mentions:
        # An @mention carries only the Teams id: the conversation's roster has the Entra id.
        mentioned_name, teams_id = incoming.mentions[0]
        found = await _member(incoming, teams_id, deps)
        if found is None:
            return Reply(text=t("hr.unknown_person", lang, name=mentioned_name), lang=lang)
        employee, name = found, mentioned_name
    request = OnboardingRequest(
        employee_id=employee,
        employee_name=name,
        start_date=start,
        language=lang,
        requested_by=acting_person(incoming),
    )
    return Reply(card=hr_confirm_card(request, lang, today=deps.clock().date()), lang=lang)


async def _member(incoming: Incoming, teams_id: str, deps: OnboardingDeps) -> str | None:
    ref = await deps.store.get_reference(incoming.root_conversation_id)
    if ref is None or deps.roster is None:
        return None
    for member in await deps.roster.members(ref):
        if member.teams_id == teams_id:
            return member.aad_object_id
    return None


async def hr_confirm(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: OnboardingDeps
) -> Reply:
    if not is_hr(incoming, deps) or deps.onboarding_service is None:
        return Reply(text=t("hr.not_allowed", lang), lang=lang)
    names = {
        "employee": "employee",
        "start_date": "start_date",
        "sequence": "sequence",
        "language": "language",
        "team": "team_id",
        "buddy": "buddy",
        "manager": "manager",
    }
    fields = {field: data[key] for key, field in names.items() if key in data}
    key = hashlib.sha256(repr(sorted(fields.items())).encode()).hexdigest()[:32]
    try:
        onboarding, _ = await deps.onboarding_service.start(
            fields, acting_person(incoming), f"chat:{key}"
        )
    except Exception as error:  # the service's errors carry their own clear messages
        return Reply(text=t("hr.failed", lang, problem=str(error)[:200]), lang=lang)
    return Reply(text=t("hr.started", lang, name=onboarding.request.employee_name), lang=lang)


async def hr_cancel(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: OnboardingDeps
) -> Reply:
    return Reply(text=t("hr.cancelled", lang), lang=lang)


ACTIONS = {
    VERB_ONBOARDING_ACK: step_ack,
    VERB_ONBOARDING_PULSE: step_pulse,
    VERB_INTRO_EDIT: intro_edit,
    VERB_INTRO_PREVIEW: intro_preview,
    VERB_INTRO_POST: intro_post,
    VERB_INTRO_DECLINE: intro_decline,
    VERB_INTRO_BOOK: intro_book,
    VERB_HR_CONFIRM: hr_confirm,
    VERB_HR_CANCEL: hr_cancel,
}


def _is_hr_command(incoming: Incoming, command: Command | None) -> bool:
    return (
        incoming.text.lower().startswith(("perehdytys", "introduktion", "onboarding "))
        and parse_hr_command(incoming.text) is not None
    )


def feature(deps: OnboardingDeps) -> Feature:
    ticks: tuple[tuple[str, Tick], ...] = (
        (("onboarding", deps.planner.tick),) if deps.planner is not None else ()
    )

    async def joined(event: MembersJoined) -> None:
        await members_joined(event, deps)

    return Feature(
        name="onboarding",
        routes=(Route("hr_onboarding", _is_hr_command, bind(handle_hr_command, deps)),),
        actions=bind_actions(ACTIONS, deps),
        ticks=ticks,
        members_added=joined,
    )
