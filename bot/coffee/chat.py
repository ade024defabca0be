"""Virtual coffee in chat: opt in/out, pause, settings, erase, and the match card buttons.

The person is always the authenticated user of the activity (`Incoming.aad_object_id`);
a group id in a payload is only acted on when that user is a member of the group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from typing import Any

from bot.chat.commands import (
    Command,
    Phrases,
    command_language,
    parse_date,
    pause_reader,
    valid_pause,
)
from bot.chat.feature import (
    Feature,
    NotAllowed,
    Priority,
    Route,
    Tick,
    acting_person,
    bind,
    bind_actions,
    command,
)
from bot.chat.model import ConversationKind, Incoming, Reply
from bot.chat.roster import TeamRoster
from bot.clock import Clock
from bot.coffee.cards import (
    cant_make_it_card,
    coffee_settings_card,
    followup_thanks_card,
    when_text,
)
from bot.coffee.deliveries import CoffeeNote
from bot.coffee.model import (
    LENGTHS,
    CoffeeGroup,
    Frequency,
    GroupStatus,
    MeetingAnswer,
    Participant,
    Scope,
)
from bot.coffee.ports import CalendarPort
from bot.coffee.rounds import CoffeeRounds
from bot.coffee.store import CoffeeStore
from bot.directory import Directory, ServiceError
from bot.i18n import LANGUAGES, Language
from bot.records import NewDelivery
from bot.storage import Store
from bot.texts import t
from cards.base import (
    VERB_COFFEE_CANCEL,
    VERB_COFFEE_CANT,
    VERB_COFFEE_JOIN,
    VERB_COFFEE_MET,
    VERB_COFFEE_PAUSE,
    VERB_COFFEE_REBOOK,
    VERB_COFFEE_SAVE,
    VERB_COFFEE_SETTINGS,
)
from jobs.deliveries import to_json

PHRASES: Phrases = {
    "coffee_on": {"kahvi mukaan": "fi", "kahville mukaan": "fi", "mukaan kahville": "fi",
                  "kaffe med": "sv", "med på kaffe": "sv", "coffee on": "en",
                  "join coffee": "en"},
    "coffee_off": {"kahvi pois": "fi", "pois kahvilta": "fi", "kaffe av": "sv",
                   "coffee off": "en", "leave coffee": "en"},
    "coffee_settings": {"kahviasetukset": "fi", "kaffeinställningar": "sv",
                        "coffee settings": "en"},
    "erase": {"poista tietoni": "fi", "poista minun tietoni": "fi",
              "radera mina uppgifter": "sv", "delete my data": "en"},
}  # fmt: skip
# "tauko kahvi 2027-01-15"; "kahvitauko …", "kaffepaus …", "coffee pause …" read the same.
PAUSE_KINDS: dict[str, tuple[str, Language | None]] = {
    "kahvi": ("coffee", "fi"),
    "kahvit": ("coffee", "fi"),
    "kaffe": ("coffee", "sv"),
    "coffee": ("coffee", "en"),
}
_COFFEE_PAUSE = re.compile(r"^(?P<kind>kahvi|kaffe|coffee) ?(?P<verb>tauko|paus|pause)\b")
# "älä yhdistä maija@virasto.fi", "para inte ihop med …", "don't pair me with …"
_AVOID = re.compile(
    r"^(?P<verb>älä yhdistä|älä yhdistä minua|para inte ihop mig med|para inte ihop med|"
    r"don't pair me with|do not pair me with)(?:\s+(?P<who>.+))?$"
)
_AVOID_LANG: dict[str, Language] = {
    "älä yhdistä": "fi",
    "älä yhdistä minua": "fi",
    "para inte ihop mig med": "sv",
    "para inte ihop med": "sv",
    "don't pair me with": "en",
    "do not pair me with": "en",
}


def _read_avoid(phrase: str) -> Command | None:
    """ "älä yhdistä <who>": the person to avoid travels in `kind`."""
    avoid = _AVOID.match(phrase)
    if avoid is None:
        return None
    who = (avoid["who"] or "").strip()
    return Command("coffee_avoid", _AVOID_LANG[avoid["verb"]], kind=who)


def _coffee_pause_as_pause(phrase: str) -> str:
    return _COFFEE_PAUSE.sub(r"\g<verb> \g<kind>", phrase)


@dataclass(frozen=True)
class CoffeeDeps:
    coffee: CoffeeStore
    store: Store  # conversation references (for the roster) and notes to the other members
    clock: Clock
    coffee_rounds: CoffeeRounds | None = None  # without it nothing is booked or moved
    calendar: CalendarPort | None = None  # free/busy and booking, through coffee_rounds
    directory: Directory | None = None  # finds a person by e-mail for "don't pair me with"
    roster: TeamRoster | None = None  # Teams members: sign-in names, @mentioned people
    timezone: str = "Europe/Helsinki"
    default_language: Language = "fi"


async def _participant(incoming: Incoming, deps: CoffeeDeps) -> Participant | None:
    return await deps.coffee.get_participant(acting_person(incoming))


async def handle_coffee_on(incoming: Incoming, command: Command | None, deps: CoffeeDeps) -> Reply:
    lang = command_language(incoming, command, deps.default_language)
    if incoming.kind is not ConversationKind.PERSONAL or not incoming.aad_object_id:
        return Reply(text=t("coffee.only_personal", lang), lang=lang)
    existing = await deps.coffee.get_participant(incoming.aad_object_id)
    participant = (
        replace(
            existing, active=True, paused_until=None, conversation_id=incoming.root_conversation_id
        )
        if existing is not None
        else Participant(
            person_id=incoming.aad_object_id,
            conversation_id=incoming.root_conversation_id,
            name=incoming.user_name,
            tenant_id=incoming.tenant_id,
            organisation_id=incoming.tenant_id,
            languages=frozenset({lang}),
            joined_at=deps.clock(),
        )
    )
    if participant.upn is None:
        participant = replace(participant, upn=await _upn(incoming, deps))
    await deps.coffee.save_participant(participant)
    card = coffee_settings_card(participant, lang, notice=t("coffee.optin.done", lang))
    return Reply(card=card, lang=lang)


async def _upn(incoming: Incoming, deps: CoffeeDeps) -> str | None:
    """The user's sign-in name from Teams, for the chat and meeting links of a match card."""
    ref = await deps.store.get_reference(incoming.root_conversation_id)
    if ref is None or deps.roster is None:
        return None
    for member in await deps.roster.members(ref):
        if member.teams_id == incoming.user_id:
            return member.upn
    return None


async def handle_coffee_off(incoming: Incoming, command: Command | None, deps: CoffeeDeps) -> Reply:
    lang = command_language(incoming, command, deps.default_language)
    participant = await _participant(incoming, deps) if incoming.aad_object_id else None
    if participant is None:
        return Reply(text=t("coffee.not_in", lang), lang=lang)
    await deps.coffee.save_participant(replace(participant, active=False))
    return Reply(text=t("coffee.optout.done", lang), lang=lang)


async def handle_coffee_settings(
    incoming: Incoming, command: Command | None, deps: CoffeeDeps
) -> Reply:
    lang = command_language(incoming, command, deps.default_language)
    participant = await _participant(incoming, deps) if incoming.aad_object_id else None
    if participant is None:
        return Reply(text=t("coffee.not_in", lang), lang=lang)
    return Reply(card=coffee_settings_card(participant, lang), lang=lang)


async def handle_coffee_pause(
    incoming: Incoming, command: Command | None, deps: CoffeeDeps
) -> Reply:
    lang = command_language(incoming, command, deps.default_language)
    return await pause_coffee(incoming, command.until if command else None, lang, deps)


async def pause_coffee(incoming: Incoming, until: Any, lang: Language, deps: CoffeeDeps) -> Reply:
    participant = await _participant(incoming, deps) if incoming.aad_object_id else None
    if participant is None:
        return Reply(text=t("coffee.not_in", lang), lang=lang)
    if not valid_pause(until, deps.clock().date()):
        return Reply(text=t("pause.bad_date", lang), lang=lang)
    await deps.coffee.save_participant(replace(participant, paused_until=until))
    return Reply(text=t("coffee.pause.done", lang, until=until.strftime("%d.%m.%Y")), lang=lang)


async def handle_coffee_avoid(
    incoming: Incoming, command: Command | None, deps: CoffeeDeps
) -> Reply:
    """Add someone to the do-not-pair list: by @mention (Teams knows who) or by email/UPN
    (the directory knows who). The other person is never told."""
    lang = command_language(incoming, command, deps.default_language)
    participant = await _participant(incoming, deps) if incoming.aad_object_id else None
    if participant is None:
        return Reply(text=t("coffee.not_in", lang), lang=lang)
    person_id = await _avoided_person(incoming, (command.kind if command else "") or "", deps)
    if person_id is None or person_id == participant.person_id:
        return Reply(text=t("coffee.avoid.unknown", lang), lang=lang)
    try:
        updated = replace(participant, avoid=participant.avoid | {person_id})
    except ValueError:
        return Reply(text=t("coffee.avoid.full", lang), lang=lang)
    await deps.coffee.save_participant(updated)
    return Reply(text=t("coffee.avoid.done", lang), lang=lang)


async def _avoided_person(incoming: Incoming, who: str, deps: CoffeeDeps) -> str | None:
    if incoming.mentions and deps.roster is not None:
        ref = await deps.store.get_reference(incoming.root_conversation_id)
        teams_id = incoming.mentions[0][1]
        for member in await deps.roster.members(ref) if ref else []:
            if member.teams_id == teams_id:
                return member.aad_object_id
        return None
    if "@" not in who or deps.directory is None:
        return None
    try:
        user = await deps.directory.find_user(who.strip("<> "))
    except ServiceError:
        return None
    return user.id if user else None


async def handle_erase(incoming: Incoming, command: Command | None, deps: CoffeeDeps) -> Reply:
    lang = command_language(incoming, command, deps.default_language)
    if incoming.aad_object_id:
        await deps.coffee.erase_person(incoming.aad_object_id)
    return Reply(text=t("erase.done", lang), lang=lang)


# --- card actions -----------------------------------------------------------------------


def _group_id(data: Mapping[str, Any]) -> int:
    value = data.get("group")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise NotAllowed("group must be a positive whole number")
    return value


async def _my_group(incoming: Incoming, data: Mapping[str, Any], deps: CoffeeDeps) -> CoffeeGroup:
    group = await deps.coffee.get_group(_group_id(data))
    if group is None or acting_person(incoming) not in group.members:
        raise NotAllowed("not a member of that group")
    return group


async def cant_make_it(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: CoffeeDeps
) -> Reply:
    group = await _my_group(incoming, data, deps)
    booked = group.status is GroupStatus.BOOKED and deps.coffee_rounds is not None
    return Reply(card=cant_make_it_card(group.id, lang, booked=booked), lang=lang)


async def _tell_others(
    group: CoffeeGroup, incoming: Incoming, key: str, deps: CoffeeDeps, **values: str
) -> None:
    """A message that matters to the other members, through the delivery pipeline."""
    deliveries = []
    for member in group.members:
        if member == incoming.aad_object_id:
            continue
        other = await deps.coffee.get_participant(member)
        if other is not None:
            note = CoffeeNote(lang=_language_of(other), text=key, values=values)
            deliveries.append(NewDelivery(other.conversation_id, to_json(note), must_arrive=True))
    occurrence = f"coffee-note:{group.id}:{key}:{deps.clock().isoformat(timespec='seconds')}"
    await deps.store.create_occurrence(occurrence, "coffee", deliveries, deps.clock())


def _language_of(participant: Participant) -> Language:
    return next((lang for lang in LANGUAGES if lang in participant.languages), "fi")


async def cancel_group(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: CoffeeDeps
) -> Reply:
    group = await _my_group(incoming, data, deps)
    if group.status is not GroupStatus.CANCELLED:
        await deps.coffee.update_group(
            replace(group, status=GroupStatus.CANCELLED, note="cancelled")
        )
        await _tell_others(
            group, incoming, "coffee.cant.partner", deps, name=incoming.user_name or "?"
        )
    return Reply(text=t("coffee.cant.cancelled", lang), lang=lang)


async def rebook_group(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: CoffeeDeps
) -> Reply:
    group = await _my_group(incoming, data, deps)
    if deps.coffee_rounds is None or group.status is not GroupStatus.BOOKED:
        raise NotAllowed("only a booked meeting can be moved")
    moved = await deps.coffee_rounds.rebook(group, deps.clock())
    if moved.status is not GroupStatus.BOOKED or moved.start is None:
        return Reply(
            card=cant_make_it_card(group.id, lang, booked=False),
            text=t("coffee.cant.no_slot", lang),
            lang=lang,
        )
    await _tell_others(moved, incoming, "coffee.cant.moved", deps, when=moved.start.isoformat())
    return Reply(
        text=t("coffee.cant.rebooked", lang, when=when_text(moved.start, lang, deps.timezone)),
        lang=lang,
    )


async def pause_from_card(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: CoffeeDeps
) -> Reply:
    until = data.get("until")
    return await pause_coffee(
        incoming, parse_date(until) if isinstance(until, str) else None, lang, deps
    )


async def show_settings(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: CoffeeDeps
) -> Reply:
    return await _settings(incoming, lang, deps)


async def _settings(incoming: Incoming, lang: Language, deps: CoffeeDeps) -> Reply:
    participant = await _participant(incoming, deps)
    if participant is None:
        return Reply(text=t("coffee.not_in", lang), lang=lang)
    return Reply(card=coffee_settings_card(participant, lang), lang=lang)


def _split(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return []


def apply_settings(participant: Participant, data: Mapping[str, Any]) -> Participant:
    """The participant with the card's inputs applied; ValueError names a bad input."""
    changes: dict[str, Any] = {}
    if "frequency" in data:
        changes["frequency"] = Frequency(str(data["frequency"]))
    if "group_size" in data:
        changes["group_size"] = int(str(data["group_size"]))
    if "languages" in data:
        changes["languages"] = frozenset(_split(data["languages"]))
    if "scope" in data:
        changes["scope"] = Scope(str(data["scope"]))
    if "weekdays" in data:
        changes["weekdays"] = frozenset(int(day) for day in _split(data["weekdays"]))
    if "day_start" in data:
        changes["day_start"] = time.fromisoformat(str(data["day_start"]))
    if "day_end" in data:
        changes["day_end"] = time.fromisoformat(str(data["day_end"]))
    if "length" in data:
        length = int(str(data["length"]))
        if length not in LENGTHS:
            raise ValueError(f"length must be one of {LENGTHS}")
        changes["length_minutes"] = length
    return replace(participant, **changes)  # __post_init__ validates the whole


async def save_coffee_settings(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: CoffeeDeps
) -> Reply:
    participant = await _participant(incoming, deps)
    if participant is None:
        return Reply(text=t("coffee.not_in", lang), lang=lang)
    try:
        updated = apply_settings(participant, data)
    except (ValueError, TypeError) as error:
        return Reply(text=t("coffee.settings.invalid", lang, problem=str(error)[:120]), lang=lang)
    await deps.coffee.save_participant(updated)
    return Reply(
        card=coffee_settings_card(updated, lang, notice=t("coffee.settings.saved", lang)), lang=lang
    )


async def record_meeting(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: CoffeeDeps
) -> Reply:
    group = await _my_group(incoming, data, deps)
    try:
        answer = MeetingAnswer(str(data.get("answer")))
    except ValueError:
        raise NotAllowed("answer must be yes, no or rescheduled") from None
    await deps.coffee.record_answer(group.id, acting_person(incoming), answer, deps.clock())
    return Reply(card=followup_thanks_card(lang), lang=lang)


async def coffee_join(
    incoming: Incoming, data: Mapping[str, Any], lang: Language, deps: CoffeeDeps
) -> Reply:
    """The "join coffee" button (on an onboarding step card): the same as `coffee on`."""
    return await handle_coffee_on(incoming, Command("coffee_on", lang), deps)


ACTIONS = {
    VERB_COFFEE_CANT: cant_make_it,
    VERB_COFFEE_CANCEL: cancel_group,
    VERB_COFFEE_REBOOK: rebook_group,
    VERB_COFFEE_PAUSE: pause_from_card,
    VERB_COFFEE_SETTINGS: show_settings,
    VERB_COFFEE_SAVE: save_coffee_settings,
    VERB_COFFEE_MET: record_meeting,
    VERB_COFFEE_JOIN: coffee_join,
}


def _is_coffee_pause(incoming: Incoming, command: Command | None) -> bool:
    return command is not None and command.name == "pause" and command.kind == "coffee"


def feature(deps: CoffeeDeps) -> Feature:
    """Coffee's reading of "pause" goes before the generic pause of subscriptions."""
    ticks: tuple[tuple[str, Tick], ...] = (
        (("coffee", deps.coffee_rounds.tick),) if deps.coffee_rounds is not None else ()
    )
    return Feature(
        name="coffee",
        routes=(
            Route(
                "coffee_pause",
                _is_coffee_pause,
                bind(handle_coffee_pause, deps),
                Priority.SPECIFIC,
            ),
            Route("coffee_on", command("coffee_on"), bind(handle_coffee_on, deps)),
            Route("coffee_off", command("coffee_off"), bind(handle_coffee_off, deps)),
            Route(
                "coffee_settings", command("coffee_settings"), bind(handle_coffee_settings, deps)
            ),
            Route("coffee_avoid", command("coffee_avoid"), bind(handle_coffee_avoid, deps)),
            Route("erase", command("erase"), bind(handle_erase, deps)),
        ),
        actions=bind_actions(ACTIONS, deps),
        ticks=ticks,
        phrases=PHRASES,
        readers=(_read_avoid, pause_reader(PAUSE_KINDS, _coffee_pause_as_pause)),
    )
