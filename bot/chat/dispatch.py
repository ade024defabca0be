"""The dispatcher: the joined route table and verb table of every feature.

Messages go to the first route whose matcher accepts them (data, not an if-chain); card
actions go to the handler registered for their verb. Payloads come from the client and are
untrusted: a bad one gets a friendly text, never an exception, and the person acting is
always the authenticated user of the activity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.chat.commands import CommandParser
from bot.chat.feature import ActionHandler, Feature, InvalidAction, Route
from bot.chat.model import Incoming, Reply
from bot.i18n import Language, to_language
from bot.texts import t


def join_routes(features: Sequence[Feature]) -> tuple[Route, ...]:
    """Every feature's routes by priority; ties keep the feature list's order (a stable sort)."""
    routes = [route for feature in features for route in feature.routes]
    return tuple(sorted(routes, key=lambda route: route.priority))


def join_actions(features: Sequence[Feature]) -> dict[str, ActionHandler]:
    """Every feature's verbs; a verb claimed twice is a wiring mistake and stops start-up."""
    actions: dict[str, ActionHandler] = {}
    for feature in features:
        for action in feature.actions:
            if action.verb in actions:
                raise ValueError(f"card verb {action.verb!r} is registered twice")
            actions[action.verb] = action.handler
    return actions


class Dispatcher:
    """Routes messages and card actions of our own `Incoming` to the features' handlers."""

    def __init__(self, features: Sequence[Feature], default_language: Language = "fi") -> None:
        self.routes = join_routes(features)
        self.actions = join_actions(features)
        self.parser = CommandParser(
            (feature.phrases for feature in features),
            (reader for feature in features for reader in feature.readers),
        )
        self.default_language = default_language

    def language_for(self, incoming: Incoming) -> Language:
        """The language to use when the text does not tell: the client's, else the default."""
        return incoming.locale_language or self.default_language

    async def dispatch(self, incoming: Incoming) -> Reply:
        """Run the first route whose matcher accepts the message; an empty message (a bare
        @mention) gets a hint before any feature sees it."""
        if not incoming.text.strip():
            lang = self.language_for(incoming)
            return Reply(text=t("message.empty", lang), lang=lang)
        command = self.parser.parse(incoming.text)
        for route in self.routes:
            if route.matches(incoming, command):
                return await route.handler(incoming, command)
        raise LookupError("the route table has no catch-all route")

    async def perform(self, incoming: Incoming, verb: object, data: object) -> Reply:
        """Run the action named by `verb`; a bad payload gets a friendly text."""
        payload: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        lang = self._payload_language(payload, incoming)
        handler = self.actions.get(verb) if isinstance(verb, str) else None
        if handler is None:
            return Reply(text=t("action.invalid", lang), lang=lang)
        try:
            return await handler(incoming, payload, lang)
        except InvalidAction:
            return Reply(text=t("action.invalid", lang), lang=lang)

    def _payload_language(self, data: Mapping[str, Any], incoming: Incoming) -> Language:
        return to_language(data.get("lang")) or self.language_for(incoming)
