"""The route table: data, not an if-chain. First match wins; the last route catches all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.chat.commands import Command, parse_command
from bot.chat.handlers import (
    ChatDeps,
    Handler,
    handle_empty,
    handle_help,
    handle_question,
    handle_themes,
    handle_tip,
)
from bot.chat.model import Incoming, Reply
from bot.chat.subscriptions import (
    handle_pause,
    handle_settings,
    handle_subscribe,
    handle_unsubscribe,
)
from bot.coffee.chat import (
    handle_coffee_avoid,
    handle_coffee_off,
    handle_coffee_on,
    handle_coffee_pause,
    handle_coffee_settings,
    handle_erase,
)
from bot.onboarding.chat import handle_hr_command, parse_hr_command


@dataclass(frozen=True)
class Route:
    name: str
    matches: Callable[[Incoming, Command | None], bool]
    handler: Handler


def _command(*names: str) -> Callable[[Incoming, Command | None], bool]:
    return lambda incoming, command: command is not None and command.name in names


ROUTES: tuple[Route, ...] = (
    Route("empty", lambda incoming, command: not incoming.text.strip(), handle_empty),
    Route("help", _command("help"), handle_help),
    Route("themes", _command("themes"), handle_themes),
    Route("tip", _command("tip"), handle_tip),
    Route("settings", _command("settings"), handle_settings),
    Route("subscribe", _command("subscribe_tips", "subscribe_nudges"), handle_subscribe),
    Route("unsubscribe", _command("unsubscribe_tips", "unsubscribe_nudges"), handle_unsubscribe),
    Route(
        "coffee_pause",
        lambda incoming, command: (
            command is not None and command.name == "pause" and command.kind == "coffee"
        ),
        handle_coffee_pause,
    ),
    Route("pause", _command("pause"), handle_pause),
    Route("coffee_on", _command("coffee_on"), handle_coffee_on),
    Route("coffee_off", _command("coffee_off"), handle_coffee_off),
    Route("coffee_settings", _command("coffee_settings"), handle_coffee_settings),
    Route("coffee_avoid", _command("coffee_avoid"), handle_coffee_avoid),
    Route("erase", _command("erase"), handle_erase),
    Route(
        "hr_onboarding",
        lambda incoming, command: (
            incoming.text.lower().startswith(("perehdytys", "introduktion", "onboarding "))
            and parse_hr_command(incoming.text) is not None
        ),
        handle_hr_command,
    ),
    Route("question", lambda incoming, command: True, handle_question),
)


async def dispatch(incoming: Incoming, deps: ChatDeps, routes: tuple[Route, ...] = ROUTES) -> Reply:
    """Run the first route whose matcher accepts the message."""
    command = parse_command(incoming.text)
    for route in routes:
        if route.matches(incoming, command):
            return await route.handler(incoming, command, deps)
    raise LookupError("the route table has no catch-all route")
