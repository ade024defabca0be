"""Onboarding in chat: the newcomer's introduction, step buttons, and the HR command.

Nothing is posted about a newcomer without their confirmation; the person acting is always
the authenticated user of the activity, and every id in a payload is checked against what
that user may touch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.chat.commands import Command, parse_date
from bot.chat.handlers import ChatDeps, command_language
from bot.chat.model import Incoming, Reply
from bot.coffee.chat import NotAllowed, handle_coffee_on
from bot.coffee.slots import find_slot
from bot.directory import ServiceError
from bot.i18n import Language
from bot.onboarding.deliveries import IntroPost, IntroTeammate, IntroWelcome
from bot.onboarding.model import Introduction, OnboardingRequest, Role, StepState
from bot.onboarding.planner import person_recipient
from bot.store.model import NewDelivery
from bot.texts import t
from cards.coffee import when_text
from cards.onboarding import (
    INTRO_LIMITS,
    declined_card,
    hr_confirm_card,
    intro_form_card,
    intro_preview_card,
    posted_card,
    pulse_thanks_card,
    step_done_card,
)
from jobs.deliveries import OpenChat, to_json

GET_TO_KNOW_MINUTES = 20


def _actor(incoming: Incoming) -> str:
    if not incoming.aad_object_id:
        raise NotAllowed("no authenticated Entra user")
    return incoming.aad_object_id


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


async def newcomer_joined(
    deps: ChatDeps,
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
    if deps.onboarding is None:
        return False
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


async def _intro(incoming: Incoming, data: Mapping[str, Any], deps: ChatDeps) -> Introduction:
    """The acting user's own introduction to the team named in the card (or to the team of
    their HR onboarding, when the welcome step's button is pressed)."""
    if deps.onboarding is None:
        raise NotAllowed("onboarding is not available")
    actor = _actor(incoming)
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
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    intro = await _intro(incoming, data, deps)
    if intro.state == "posted":
        return Reply(card=posted_card(intro, lang), lang=lang)
    return Reply(card=intro_form_card(intro, lang), lang=lang)


async def intro_preview(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
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
    assert deps.onboarding is not None
    await deps.onboarding.save_introduction(draft)
    return Reply(card=intro_preview_card(draft, lang), lang=lang)


async def intro_decline(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    intro = await _intro(incoming, data, deps)
    if intro.state != "posted":
        assert deps.onboarding is not None
        await deps.onboarding.save_introduction(replace(intro, state="declined"))
    return Reply(card=declined_card(lang, intro.team_id), lang=lang)


async def intro_post(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    """Only on the newcomer's own confirmation: post to the team and prompt teammates once."""
    intro = await _intro(incoming, data, deps)
    if intro.state == "posted":
        return Reply(card=posted_card(intro, lang), lang=lang)
    posted = replace(intro, state="posted", posted_at=deps.clock(), channel_id=intro.team_id)
    assert deps.onboarding is not None
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


async def _teammates(intro: Introduction, deps: ChatDeps) -> list[tuple[str, OpenChat]]:
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
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    """A teammate books a short get-to-know chat with a newcomer whose intro is posted."""
    teammate = _actor(incoming)
    newcomer = _text(data, "person", 200)
    team_id = _text(data, "team", 200)
    if deps.onboarding is None or newcomer == teammate:
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


async def _step(incoming: Incoming, data: Mapping[str, Any], deps: ChatDeps) -> tuple[Any, Any]:
    if deps.onboarding is None:
        raise NotAllowed("onboarding is not available")
    onboarding = await deps.onboarding.get_onboarding(_text(data, "onboarding", 100))
    step_id = _text(data, "step", 100)
    if onboarding is None:
        raise NotAllowed("unknown onboarding")
    step = next((s for s in onboarding.steps if s.step_id == step_id), None)
    if step is None or step.role is Role.TEAM or step.recipient_id != _actor(incoming):
        raise NotAllowed("that step is not for this user")
    return onboarding, step


async def step_ack(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    onboarding, step = await _step(incoming, data, deps)
    assert deps.onboarding is not None
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
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
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
    assert deps.onboarding is not None
    await deps.onboarding.record_pulse(onboarding.id, pulse, deps.clock())
    await deps.onboarding.set_step_state(
        onboarding.id, step.step_id, StepState.ACKNOWLEDGED, deps.clock()
    )
    return Reply(card=pulse_thanks_card(lang), lang=lang)


async def coffee_join(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    return await handle_coffee_on(incoming, Command("coffee_on", lang), deps)


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


def is_hr(incoming: Incoming, deps: ChatDeps) -> bool:
    return bool(incoming.aad_object_id) and incoming.aad_object_id in deps.hr_user_ids


async def handle_hr_command(incoming: Incoming, command: Command | None, deps: ChatDeps) -> Reply:
    parsed = parse_hr_command(incoming.text)
    lang = parsed[0] if parsed else command_language(incoming, command, deps)
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
        requested_by=_actor(incoming),
    )
    return Reply(card=hr_confirm_card(request, lang, today=deps.clock().date()), lang=lang)


async def _member(incoming: Incoming, teams_id: str, deps: ChatDeps) -> str | None:
    ref = await deps.store.get_reference(incoming.root_conversation_id)
    if ref is None or deps.roster is None:
        return None
    for member in await deps.roster.members(ref):
        if member.teams_id == teams_id:
            return member.aad_object_id
    return None


async def hr_confirm(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
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
        onboarding, _ = await deps.onboarding_service.start(fields, _actor(incoming), f"chat:{key}")
    except Exception as error:  # the service's errors carry their own clear messages
        return Reply(text=t("hr.failed", lang, problem=str(error)[:200]), lang=lang)
    return Reply(text=t("hr.started", lang, name=onboarding.request.employee_name), lang=lang)


async def hr_cancel(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: ChatDeps
) -> Reply:
    return Reply(text=t("hr.cancelled", lang), lang=lang)
