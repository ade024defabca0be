"""What a feature plugs into the chat kernel: its routes, card verbs and scheduled work, as data.

A feature package (bot/qa, bot/coffee, …) exposes `feature(deps) -> Feature`, where `deps` is
a small dataclass of its own. Its handlers are plain functions that take that `deps` last;
`bind` and `bind_action` close over it, so the kernel only ever sees `Incoming` in and
`Reply` out and never learns what a feature needs. The kernel imports no feature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any, TypeVar

from bot.chat.commands import Command, CommandReader, Phrases
from bot.chat.model import Incoming, Reply
from bot.i18n import Language

D = TypeVar("D")

Handler = Callable[[Incoming, Command | None], Awaitable[Reply]]
"""A route's handler, the feature's dependencies already bound."""

ActionHandler = Callable[[Incoming, Mapping[str, Any], Language], Awaitable[Reply]]
"""A card verb's handler: the authenticated activity, the untrusted payload, the reply language."""

Tick = Callable[[datetime], Awaitable[object]]
"""Scheduled work, woken by the alarm clock (jobs/runtime.py) with the current time."""

Matcher = Callable[[Incoming, Command | None], bool]


class Priority(IntEnum):
    """Where a route stands in the joined table; first match wins.

    Within one priority, routes keep the order of the feature list in the composition root
    and, inside a feature, their own order.
    """

    SPECIFIC = 10  # a narrower reading of a command word another feature also reads
    COMMAND = 20  # an ordinary command
    FALLBACK = 90  # the catch-all: what is not a command is a question


@dataclass(frozen=True)
class Route:
    name: str
    matches: Matcher
    handler: Handler
    priority: Priority = Priority.COMMAND


@dataclass(frozen=True)
class Action:
    """A card verb (`Action.Execute` verb, or `verb` in `Action.Submit` data) and its handler."""

    verb: str
    handler: ActionHandler


@dataclass(frozen=True)
class Feature:
    name: str
    routes: tuple[Route, ...] = ()
    actions: tuple[Action, ...] = ()
    ticks: tuple[tuple[str, Tick], ...] = ()
    phrases: Phrases = field(default_factory=dict)
    """The feature's whole-message command words (bot/chat/commands.py)."""
    readers: tuple[CommandReader, ...] = ()
    """The feature's commands with arguments, e.g. a pause with its date."""
    welcome: Callable[[Language], Reply] | None = None
    """The greeting when the bot is added to a conversation (one feature provides it)."""
    members_added: Callable[[MembersJoined], Awaitable[None]] | None = None
    """Called when people (not the bot) join a team the bot is in."""


@dataclass(frozen=True)
class Member:
    """A person in a membership event, as the authenticated activity names them."""

    teams_id: str
    aad_object_id: str | None
    name: str


@dataclass(frozen=True)
class MembersJoined:
    """People joined a team the bot is in (never the bot itself)."""

    team_id: str
    members: tuple[Member, ...]
    service_url: str
    tenant_id: str | None


class InvalidAction(ValueError):
    """The payload does not describe an action we can perform."""


class NotAllowed(InvalidAction):
    """The user may not do this (not a participant, not their data, wrong conversation)."""


def command(*names: str) -> Matcher:
    """A matcher for whole-message commands by name."""
    return lambda incoming, parsed: parsed is not None and parsed.name in names


MAX_ID_LENGTH = 100


def text_field(data: Mapping[str, Any], name: str) -> str:
    """A short text field of an untrusted payload (an entry or theme id)."""
    value = data.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise InvalidAction(f"field {name!r} is missing or not a short text")
    return value


def acting_person(incoming: Incoming) -> str:
    """The Entra id of the user who acted: always from the authenticated activity."""
    if not incoming.aad_object_id:
        raise NotAllowed("no authenticated Entra user in the activity")
    return incoming.aad_object_id


def bind(handler: Callable[[Incoming, Command | None, D], Awaitable[Reply]], deps: D) -> Handler:
    """A route handler with the feature's dependencies bound."""

    async def bound(incoming: Incoming, parsed: Command | None) -> Reply:
        return await handler(incoming, parsed, deps)

    return bound


def bind_action(
    handler: Callable[[Incoming, Mapping[str, Any], Language, D], Awaitable[Reply]], deps: D
) -> ActionHandler:
    """A card verb handler with the feature's dependencies bound."""

    async def bound(incoming: Incoming, data: Mapping[str, Any], lang: Language) -> Reply:
        return await handler(incoming, data, lang, deps)

    return bound


def bind_actions(
    table: Mapping[str, Callable[[Incoming, Mapping[str, Any], Language, D], Awaitable[Reply]]],
    deps: D,
) -> tuple[Action, ...]:
    """A feature's verb table (verb → handler taking its deps) as kernel actions."""
    return tuple(Action(verb, bind_action(handler, deps)) for verb, handler in table.items())
