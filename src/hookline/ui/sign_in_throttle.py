"""Counting failed sign-ins per client address (pure; the clock is passed in).

After `max_failures` wrong tokens from one address within `window_seconds`, that address is
refused (429) until the oldest of those failures leaves the window. The admin token has 256
random bits, so this is not what keeps it from being guessed; it keeps a script from filling
the log and the CPU with attempts. Kept in the process: each API process counts its own.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

MAX_TRACKED_ADDRESSES = 10_000


@dataclass
class SignInThrottle:
    max_failures: int = 10
    window_seconds: float = 900.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def retry_after(self, address: str, now: float) -> float:
        """Seconds until `address` may try again; 0 if it may now."""
        recent = self._recent(address, now)
        if len(recent) < self.max_failures:
            return 0.0
        return max(recent[0] + self.window_seconds - now, 0.0)

    def failed(self, address: str, now: float) -> None:
        if address not in self._failures and len(self._failures) >= MAX_TRACKED_ADDRESSES:
            self._forget_stale(now)
        recent = self._recent(address, now)
        recent.append(now)
        self._failures[address] = recent

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)

    def _recent(self, address: str, now: float) -> deque[float]:
        recent = self._failures.get(address, deque())
        while recent and recent[0] <= now - self.window_seconds:
            recent.popleft()
        return recent

    def _forget_stale(self, now: float) -> None:
        for address in list(self._failures):
            if not self._recent(address, now):
                del self._failures[address]
        if len(self._failures) >= MAX_TRACKED_ADDRESSES:
            # Under a spray from many addresses, forget the oldest half rather than grow.
            by_age = sorted(self._failures, key=lambda a: self._failures[a][-1])
            for address in by_age[: len(by_age) // 2]:
                del self._failures[address]
