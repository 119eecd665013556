"""The store's clock (store/clock.py): the offset arithmetic, when to measure again, and the
database clock read through an injected monotonic clock (no database needed)."""

from __future__ import annotations

import pytest

from hookline.store.clock import (
    GOOD_ROUND_TRIP_MS,
    KEEP_BEST_FOR_S,
    RESYNC_AFTER_S,
    RETRY_AFTER_S,
    DatabaseClock,
    Sample,
    keep_sample,
    next_measure_in,
    offset_ms,
    resync_due,
)


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
    ("next_at_s", "now_s", "measuring", "due"),
    [
        (None, 5.0, False, True),  # never measured
        (None, 5.0, True, False),  # the first measurement is under way
        (130.0, 129.999, False, False),  # not yet
        (130.0, 130.0, False, True),  # its time has come
        (130.0, 1000.0, True, False),  # due, but someone is on it
    ],
)
def test_resync_is_due_when_never_measured_or_its_time_has_come(
    next_at_s: float | None, now_s: float, measuring: bool, due: bool
) -> None:
    assert resync_due(next_at_s, now_s, measuring) is due


GOOD = GOOD_ROUND_TRIP_MS
BEST = Sample(offset_ms=1_000.0, round_trip_ms=2.0, at_s=100.0)


@pytest.mark.parametrize(
    ("current", "new", "kept"),
    [
        # The first measurement is taken, however long its round trip.
        (None, Sample(5.0, 900.0, 1.0), "new"),
        # A shorter round trip wins; so does any good one, even a little longer.
        (Sample(0.0, 40.0, 100.0), Sample(5.0, 30.0, 101.0), "new"),
        (BEST, Sample(5.0, GOOD, 101.0), "new"),
        # A long round trip (a loaded host) does not replace a better, recent measurement...
        (BEST, Sample(600.0, 1_200.0, 101.0), "current"),
        (BEST, Sample(600.0, 1_200.0, 100.0 + KEEP_BEST_FOR_S - 1), "current"),
        # ...but after KEEP_BEST_FOR_S the newest is taken (the database's clock may have
        # been stepped since).
        (BEST, Sample(600.0, 1_200.0, 100.0 + KEEP_BEST_FOR_S), "new"),
        # Two long round trips: the shorter of them.
        (Sample(0.0, 300.0, 100.0), Sample(5.0, 200.0, 101.0), "new"),
        (Sample(0.0, 200.0, 100.0), Sample(5.0, 300.0, 101.0), "current"),
    ],
)
def test_the_offset_kept_is_the_one_with_the_shortest_recent_round_trip(
    current: Sample | None, new: Sample, kept: str
) -> None:
    assert keep_sample(current, new) == (new if kept == "new" else current)


@pytest.mark.parametrize(
    ("round_trip_ms", "seconds"),
    [
        (0.3, RESYNC_AFTER_S),
        (GOOD, RESYNC_AFTER_S),
        (GOOD + 0.1, RETRY_AFTER_S),
        (900, RETRY_AFTER_S),
    ],
)
def test_a_long_round_trip_is_measured_again_soon(round_trip_ms: float, seconds: float) -> None:
    assert next_measure_in(Sample(0.0, round_trip_ms, 1.0)) == seconds


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
    mono.now = 1000.004  # the round trip took 4 ms; the database said 1_700_000_000_000
    clock.measured(1_700_000_000_000.0, sent)
    # Now = the database's reading plus half the round trip (the midpoint estimate).
    assert clock.now_ms() == 1_700_000_000_002
    mono.now += 12.0
    assert clock.now_ms() == 1_700_000_012_002
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


def test_under_load_the_clock_keeps_the_measurement_with_the_short_round_trip() -> None:
    mono = SteppedMonotonic(10.0)
    clock = DatabaseClock(mono)
    assert clock.should_measure()
    sent = clock.sent()
    mono.now += 0.002  # 2 ms: a good measurement
    clock.measured(1_000_000.0, sent)
    good = clock.now_ms()
    mono.now += RESYNC_AFTER_S
    assert clock.should_measure()
    # A loaded host: the answer came 1.2 s after the database read its clock at once, so the
    # midpoint estimate would be 0.6 s ahead. The earlier offset is kept...
    sent = clock.sent()
    database_ms = clock.now_ms() + 0.0
    mono.now += 1.2
    clock.measured(database_ms, sent)
    assert clock.now_ms() == good + int((RESYNC_AFTER_S + 1.2) * 1000)
    # ...and the next transaction after RETRY_AFTER_S measures again.
    mono.now += RETRY_AFTER_S - 0.01
    assert not clock.should_measure()
    mono.now += 0.01
    assert clock.should_measure()
