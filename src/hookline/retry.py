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
