"""Time as the store keeps it: integer milliseconds since the epoch, from one clock per Database.

On SQLite (one host) that is the wall clock. On PostgreSQL, where several hosts share due times
and leases, it is the database server's clock read through this process's monotonic clock: the
offset between the two is measured when a connection is first used and again every
RESYNC_AFTER_S, so a worker whose wall clock is wrong, or steps, still sees what is due when
the others do and takes leases that last as long for them as for it.

A measurement is only as good as its round trip is short (the database read its clock
somewhere within it). On a loaded host a round trip can take a second, so, as NTP does, the
offset kept is the one measured with the shortest round trip lately (`keep_sample`), and a
measurement whose round trip was long is followed by another one soon (`next_measure_in`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# How old a measured offset may be before the next transaction measures it again. The
# monotonic clock drifts from the database's by at most parts per million: well under a
# millisecond per 30 s. Each measurement is one short statement in a transaction that runs anyway.
RESYNC_AFTER_S = 30.0

# A round trip this short is as good as any: its measurement is taken whatever came before.
GOOD_ROUND_TRIP_MS = 5.0
# After a measurement with a longer round trip, the next transaction after this measures again.
RETRY_AFTER_S = 1.0
# The best measurement is kept over later ones with longer round trips for at most this long:
# then the newest is taken whatever its round trip (the database's clock may have been stepped).
KEEP_BEST_FOR_S = 300.0

# The database's current time (not the transaction's start) in epoch milliseconds.
DATABASE_NOW_SQL = "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8"


def offset_ms(database_ms: float, sent_monotonic_s: float, received_monotonic_s: float) -> float:
    """Database time minus monotonic time, both in ms. The database read its clock somewhere
    between sending and receiving; the midpoint halves the round trip's error."""
    midpoint_s = (sent_monotonic_s + received_monotonic_s) / 2
    return database_ms - midpoint_s * 1000


@dataclass(frozen=True, slots=True)
class Sample:
    """One measurement of the offset."""

    offset_ms: float
    round_trip_ms: float
    at_s: float  # monotonic seconds when it was taken


def keep_sample(current: Sample | None, new: Sample) -> Sample:
    """The measurement to read time by after `new`: `new`, unless `current` came from a
    shorter round trip (and a longer than good one for `new`) and is under KEEP_BEST_FOR_S
    old."""
    if current is None or new.round_trip_ms <= max(current.round_trip_ms, GOOD_ROUND_TRIP_MS):
        return new
    if new.at_s - current.at_s >= KEEP_BEST_FOR_S:
        return new
    return current


def next_measure_in(new: Sample) -> float:
    """Seconds until the next measurement: RESYNC_AFTER_S after a good round trip, soon
    after a long one (a better measurement is likely once the load passes)."""
    return RESYNC_AFTER_S if new.round_trip_ms <= GOOD_ROUND_TRIP_MS else RETRY_AFTER_S


def resync_due(next_at_s: float | None, monotonic_s: float, measuring: bool) -> bool:
    """Whether the next transaction should measure the offset: never measured, or the next
    measurement's time has come, and no other transaction measuring now."""
    if measuring:
        return False
    return next_at_s is None or monotonic_s >= next_at_s


class WallClock:
    """This host's clock (SQLite: the store lives on one host)."""

    follows_database = False

    def now_ms(self) -> int:
        return int(time.time() * 1000)


class DatabaseClock:
    """The database's clock through the monotonic clock. Until the first measurement it
    reads as the wall clock (the offset starts as wall minus monotonic)."""

    follows_database = True

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._offset_ms = time.time() * 1000 - monotonic() * 1000
        self._sample: Sample | None = None
        self._next_at_s: float | None = None
        self._measuring = False

    def now_ms(self) -> int:
        return int(self._monotonic() * 1000 + self._offset_ms)

    def should_measure(self) -> bool:
        """True once per due measurement: the caller then measures and calls `measured` (or
        `measure_failed`), and other transactions meanwhile use the previous offset."""
        if not resync_due(self._next_at_s, self._monotonic(), self._measuring):
            return False
        self._measuring = True
        return True

    def sent(self) -> float:
        return self._monotonic()

    def measured(self, database_ms: float, sent_s: float) -> None:
        received_s = self._monotonic()
        new = Sample(
            offset_ms(database_ms, sent_s, received_s), (received_s - sent_s) * 1000, received_s
        )
        self._sample = keep_sample(self._sample, new)
        self._offset_ms = self._sample.offset_ms
        self._next_at_s = received_s + next_measure_in(new)
        self._measuring = False

    def measure_failed(self) -> None:
        self._measuring = False


Clock = WallClock | DatabaseClock
