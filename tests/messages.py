"""Helpers for chat tests: our own `Incoming` messages, and a card as searchable text."""

from __future__ import annotations

import json
from typing import Any

from bot.chat.model import Incoming


def message(text: str, locale: str | None = None, **kw: Any) -> Incoming:
    return Incoming(text=text, user_id="29:alice", conversation_id="a:1", locale=locale, **kw)


def texts_of(card: dict[str, Any] | None) -> str:
    return json.dumps(card, ensure_ascii=False)
