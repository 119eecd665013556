"""The store's clock (store/clock.py): the offset arithmetic, when to measure again, and the
database clock read through an injected monotonic clock (no database needed)."""

from __future__ import annotations

import pytest

from hookline.store.clock import RESYNC_AFTER_S, DatabaseClock, offset_ms, resync_due


@pytest.mark.parametrize(
    ("database_ms", "sent_s", "received_s", "expected"),
    [
        # No round trip: database time minus monotonic time.
        (1_000_000.0, 10.0, 10.0, 990_000.0),
        # A 2 s round trip: the database is taken to have read its clock halfway.
        (1_000_000.0, 10.0, 12.0, 989_000.0),
        # A database clock behind the monotonic one gives a negative offset.
        (500.0, 100.0, 100.0, -99_500.0),
    ],
)
def test_offset_is_database_time_minus_the_round_trips_midpoint(
    database_ms: float, sent_s: float, received_s: float, expected: float
) -> None:
    assert offset_ms(database_ms, sent_s, received_s) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("measured_at_s", "now_s", "measuring", "due"),
    [
        (None, 5.0, False, True),  # never measured
        (None, 5.0, True, False),  # the first measurement is under way
        (100.0, 100.0 + RESYNC_AFTER_S - 0.001, False, False),  # still fresh
        (100.0, 100.0 + RESYNC_AFTER_S, False, True),  # stale
        (100.0, 100.0 + RESYNC_AFTER_S * 10, True, False),  # stale, but someone is on it
    ],
)
def test_resync_is_due_when_never_measured_or_stale(
    measured_at_s: float | None, now_s: float, measuring: bool, due: bool
) -> None:
    assert resync_due(measured_at_s, now_s, measuring) is due


class SteppedMonotonic:
    """A monotonic clock that the test advances by hand."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_database_clock_follows_the_database_through_the_monotonic_clock() -> None:
    mono = SteppedMonotonic(1000.0)
    clock = DatabaseClock(mono)
    assert clock.should_measure()
    assert not clock.should_measure()  # one measurement at a time
    sent = clock.sent()
    mono.now = 1000.5  # the round trip took 0.5 s; the database said 1_700_000_000_000
    clock.measured(1_700_000_000_000.0, sent)
    # Now = the database's reading plus half the round trip (the midpoint estimate).
    assert clock.now_ms() == 1_700_000_000_250
    mono.now += 12.0
    assert clock.now_ms() == 1_700_000_012_250
    assert not clock.should_measure()
    mono.now += RESYNC_AFTER_S
    assert clock.should_measure()


def test_a_new_measurement_replaces_the_offset() -> None:
    mono = SteppedMonotonic(50.0)
    clock = DatabaseClock(mono)
    assert clock.should_measure()
    clock.measured(10_000.0, clock.sent())
    assert clock.now_ms() == 10_000
    mono.now += RESYNC_AFTER_S
    assert clock.should_measure()
    # The database's clock was stepped back a minute meanwhile: the store follows it.
    clock.measured(10_000.0 + RESYNC_AFTER_S * 1000 - 60_000, clock.sent())
    assert clock.now_ms() == 10_000 + int(RESYNC_AFTER_S * 1000) - 60_000


def test_a_failed_measurement_lets_the_next_transaction_try() -> None:
    clock = DatabaseClock(SteppedMonotonic(1.0))
    assert clock.should_measure()
    clock.measure_failed()
    assert clock.should_measure()
