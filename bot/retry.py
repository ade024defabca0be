"""Retry policy for calls to Teams and Graph: which statuses to retry and how long to wait.

The Bot Framework SDK does not retry 429 for outgoing messages, so this is ours. Waits grow
exponentially with full jitter and honour `Retry-After`; a deadline keeps a user-facing
turn inside Teams' ~15 s budget.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

RETRYABLE_STATUSES = frozenset({412, 429, 500, 502, 503, 504})
FINAL_STATUSES = frozenset({400, 401, 403, 404})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_seconds: float = 0.5
    cap_seconds: float = 8.0
    deadline_seconds: float = 10.0

    def should_retry(self, status: int | None, attempt: int) -> bool:
        """Retry transient statuses and network failures (status None), up to max_attempts."""
        if attempt >= self.max_attempts:
            return False
        return status is None or status in RETRYABLE_STATUSES

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1)."""
        backoff = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        jittered = rng.uniform(0, backoff)
        if retry_after is not None and retry_after > 0:
            return max(retry_after, jittered)
        return jittered


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds; HTTP dates are rare from Teams and treated as absent."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 3600 else None
