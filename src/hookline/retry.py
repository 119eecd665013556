"""When the next attempt happens. Pure functions; randomness is passed in."""

from __future__ import annotations

import random
from collections.abc import Sequence

JITTER = 0.10


def next_attempt_delay(
    attempts_made: int,
    schedule: Sequence[float],
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait after the `attempts_made`-th failed attempt, or None when out of retries.

    The first attempt is immediate; retry `n` waits `schedule[n-1]` seconds, ±10% jitter so
    that a receiver that comes back is not hit by every retry at the same instant.
    """
    if attempts_made < 1 or attempts_made > len(schedule):
        return None
    base = schedule[attempts_made - 1]
    spread = (rng or random).uniform(-JITTER, JITTER)
    return max(0.0, base * (1.0 + spread))


# Statuses whose Retry-After header the next attempt honours.
RETRY_AFTER_STATUSES = (429, 503)


def failure_delay(
    attempts_made: int,
    schedule: Sequence[float],
    status_code: int,
    retry_after: float | None,
    max_retry_after: float,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds until the next attempt after a failure, or None when out of retries.

    A 429 or 503 with `Retry-After` is retried when the receiver asked (at most
    `max_retry_after` seconds away) instead of by the schedule; it still uses up one retry,
    so a receiver that always says "later" cannot keep a delivery alive forever.
    """
    scheduled = next_attempt_delay(attempts_made, schedule, rng)
    if scheduled is None:
        return None
    if status_code in RETRY_AFTER_STATUSES and retry_after is not None:
        return min(max(retry_after, 0.0), max_retry_after)
    return scheduled
