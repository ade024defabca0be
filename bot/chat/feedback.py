"""Answer feedback (👍/👎) counted per entry. In memory for now; storage makes it durable."""

from __future__ import annotations

import threading
from collections import Counter


class FeedbackCounts:
    """Counts of helpful / not helpful per entry id. Who gave the feedback is not kept."""

    def __init__(self) -> None:
        self._helpful: Counter[str] = Counter()
        self._unhelpful: Counter[str] = Counter()
        self._lock = threading.Lock()

    def record(self, entry_id: str, helpful: bool) -> None:
        with self._lock:
            (self._helpful if helpful else self._unhelpful)[entry_id] += 1

    def counts(self, entry_id: str) -> tuple[int, int]:
        """(helpful, not helpful) for one entry."""
        with self._lock:
            return self._helpful[entry_id], self._unhelpful[entry_id]
