"""Time as the store keeps it: integer milliseconds since the epoch, from one clock per Database.

On SQLite (one host) that is the wall clock. On PostgreSQL, where several hosts share due times
and leases, it is the database server's clock read through this process's monotonic clock: the
offset between the two is measured when a connection is first used and again every
RESYNC_AFTER_S, so a worker whose wall clock is wrong, or steps, still sees what is due when
the others do and takes leases that last as long for them as for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# How old a measured offset may be before the next transaction measures it again. The
# monotonic clock drifts from the database's by at most parts per million: well under a
# millisecond per 30 s. Each measurement is one short statement in a transaction that runs anyway.
RESYNC_AFTER_S = 30.0

# The database's current time (not the transaction's start) in epoch milliseconds.
DATABASE_NOW_SQL = "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8"


def offset_ms(database_ms: float, sent_monotonic_s: float, received_monotonic_s: float) -> float:
    """Database time minus monotonic time, both in ms. The database read its clock somewhere
    between sending and receiving; the midpoint halves the round trip's error."""
    midpoint_s = (sent_monotonic_s + received_monotonic_s) / 2
    return database_ms - midpoint_s * 1000


def resync_due(measured_at_s: float | None, monotonic_s: float, measuring: bool) -> bool:
    """Whether the next transaction should measure the offset: never measured, or measured
    RESYNC_AFTER_S ago, and no other transaction measuring now."""
    if measuring:
        return False
    return measured_at_s is None or monotonic_s - measured_at_s >= RESYNC_AFTER_S


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
        self._measured_at_s: float | None = None
        self._measuring = False

    def now_ms(self) -> int:
        return int(self._monotonic() * 1000 + self._offset_ms)

    def should_measure(self) -> bool:
        """True once per due measurement: the caller then measures and calls `measured` (or
        `measure_failed`), and other transactions meanwhile use the previous offset."""
        if not resync_due(self._measured_at_s, self._monotonic(), self._measuring):
            return False
        self._measuring = True
        return True

    def sent(self) -> float:
        return self._monotonic()

    def measured(self, database_ms: float, sent_s: float) -> None:
        received_s = self._monotonic()
        self._offset_ms = offset_ms(database_ms, sent_s, received_s)
        self._measured_at_s = received_s
        self._measuring = False

    def measure_failed(self) -> None:
        self._measuring = False


Clock = WallClock | DatabaseClock
