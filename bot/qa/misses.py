"""Preparing unanswered questions for storage, so content owners can improve the pack.

Only the question text, its language, the outcome and the time are stored — never who
asked. Email addresses and long digit runs (phone numbers, personal identity codes) are
masked before anything is written.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\d{6}[-+a]\d{3}[0-9a-z]\b|\d[\d\s-]{5,}\d", re.IGNORECASE)
MAX_STORED_CHARS = 300


def redact(text: str) -> str:
    """Mask personal data that people sometimes paste into a question."""
    text = _EMAIL.sub("[email]", text)
    return _DIGITS.sub("[number]", text)


def prepare_miss(question: str) -> str | None:
    """The text to store for an unanswered question, or None when there is nothing to keep."""
    text = " ".join(redact(question).split())[:MAX_STORED_CHARS]
    return text or None
