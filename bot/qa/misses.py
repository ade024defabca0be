"""Questions the bot could not answer confidently, kept so content owners can improve the pack.

Only the question text, its language, the outcome and the time are stored — never who asked.
Email addresses and long digit runs (phone numbers, personal identity codes) are masked
before anything is written.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\d[\d\s-]{5,}\d|\d{6}[-+a]\d{3}[0-9a-z]", re.IGNORECASE)
MAX_STORED_CHARS = 300


def redact(text: str) -> str:
    """Mask personal data that people sometimes paste into a question."""
    text = _EMAIL.sub("[email]", text)
    return _DIGITS.sub("[number]", text)


@dataclass(frozen=True)
class Miss:
    question: str
    lang: str
    outcome: str
    count: int


class MissLog:
    """Append-only JSON Lines file of unanswered and low-confidence questions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, question: str, lang: str, outcome: str, when: datetime | None = None) -> None:
        """Append one miss; a failure to write is logged, never raised to the user."""
        text = " ".join(redact(question).split())[:MAX_STORED_CHARS]
        if not text:
            return
        line = json.dumps(
            {
                "question": text,
                "lang": lang,
                "outcome": outcome,
                "at": (when or datetime.now(UTC)).isoformat(timespec="seconds"),
            },
            ensure_ascii=False,
        )
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
        except OSError as error:
            log.warning("could not record an unanswered question: %s", error.strerror)

    def summary(self) -> list[Miss]:
        """Misses grouped by normalised question text, most frequent first."""
        if not self.path.exists():
            return []
        counts: Counter[tuple[str, str, str]] = Counter()
        shown: dict[tuple[str, str, str], str] = {}
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    item = json.loads(line)
                    question, lang, outcome = item["question"], item["lang"], item["outcome"]
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line after a crash is skipped, not fatal
                if not isinstance(question, str):
                    continue
                key = (" ".join(question.lower().split()), str(lang), str(outcome))
                counts[key] += 1
                shown.setdefault(key, question)
        return [
            Miss(shown[key], key[1], key[2], count)
            for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
