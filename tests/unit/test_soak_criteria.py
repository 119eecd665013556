"""The soak's criteria (reliability/soak_criteria.py): memory growth after warm-up, flat open
files and connections, latency drift between the first and the last window."""

from __future__ import annotations

import pytest

from reliability.soak_criteria import (
    Criteria,
    check_flat,
    check_latency,
    check_rss,
    growth,
    in_window,
    latency_windows,
    p99,
    per_bucket,
)

C = Criteria(warmup_s=10)


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        # the warm-up's climb does not count: growth is measured from the first sample after it
        ([(0, 50), (5, 90), (10, 100), (20, 105), (30, 104)], 0.05),
        ([(10, 100), (20, 100)], 0.0),
        ([(10, 100), (20, 120), (30, 100)], 0.20),  # a peak counts even if it came down
        ([(10, 100), (20, 80)], 0.0),  # shrinking is not growth: the baseline is the floor
        ([(0, 50), (10, 100)], None),  # one sample after warm-up: no trend to speak of
        ([(10, 0), (20, 5)], None),
        ([], None),
    ],
)
def test_growth_after_warmup(series, expected):
    result = growth(series, 10)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("series", "error"),
    [
        ([(0, 10), (10, 100), (20, 109)], None),
        ([(0, 10), (10, 100), (20, 110)], "resident memory grew 10% after warm-up"),
        ([(0, 10), (10, 100), (20, 150)], "resident memory grew 50% after warm-up"),
        ([(0, 10), (10, 100)], "too few memory samples"),
    ],
)
def test_check_rss(series, error):
    result = check_rss("serve", series, C)
    if error is None:
        assert result is None
    else:
        assert result is not None and error in result and result.startswith("serve")


# Windows of a 90 s run after a 10 s warm-up: [10, 36.7] and [63.3, 90].
@pytest.mark.parametrize(
    ("series", "allowance", "error"),
    [
        ([(10, 30), (20, 38), (70, 38)], 8, None),
        ([(10, 30), (70, 30), (80, 39)], 8, "the peak rose by 9 from the first window"),
        # pooled connections dipping and coming back: the peaks are equal, so it is flat
        ([(10, 30), (20, 90), (30, 40), (70, 25), (80, 90)], 0, None),
        # the warm-up's climb and the settling after the last publish do not count
        ([(0, 5), (10, 30), (70, 30), (95, 300)], 0, None),
        ([(10, 30), (20, 31)], 8, "no samples in the first or the last window"),
    ],
)
def test_check_flat(series, allowance, error):
    result = check_flat("open files", series, 90, allowance, C)
    if error is None:
        assert result is None
    else:
        assert result is not None and error in result


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([7.0], 7.0),
        ([float(i) for i in range(1, 101)], 99.0),
        ([float(i) for i in range(1, 201)], 198.0),
        ([5.0, 1.0, 3.0], 5.0),
    ],
)
def test_p99_nearest_rank(values, expected):
    assert p99(values) == expected


@pytest.mark.parametrize(
    ("end", "warmup", "window", "expected"),
    [
        (1800, 120, 300, ((120, 420), (1500, 1800))),
        (90, 20, None, ((20, 20 + 70 / 3), (90 - 70 / 3, 90))),
        (200, 20, 300, ((20, 200), (20, 200))),  # a window longer than the run: all of it
    ],
)
def test_latency_windows(end, warmup, window, expected):
    (a, b), (c, d) = latency_windows(end, warmup, window)
    (ea, eb), (ec, ed) = expected
    assert (a, b, c, d) == pytest.approx((ea, eb, ec, ed))


def test_in_window_is_by_send_time_and_inclusive():
    latencies = [(9.9, 1.0), (10.0, 2.0), (15.0, 3.0), (20.0, 4.0), (20.1, 5.0)]
    assert in_window(latencies, (10.0, 20.0)) == [2.0, 3.0, 4.0]


def _flat_latencies(first: float, last: float) -> list[tuple[float, float]]:
    """Sends every second from 0 to 90 s: `first` latency in the first half, `last` after."""
    return [(float(t), first if t < 55 else last) for t in range(91)]


@pytest.mark.parametrize(
    ("first", "last", "error"),
    [
        (0.5, 0.59, None),  # +18 %
        (0.5, 0.61, "p99 went from 500 ms to 610 ms (allowed ±100 ms)"),
        (0.5, 0.39, "p99 went from 500 ms to 390 ms"),  # within means both ways
        (0.010, 0.050, None),  # 5× but 40 ms: under the floor, scheduler noise
        (0.010, 0.070, "p99 went from 10 ms to 70 ms (allowed ±50 ms)"),
    ],
)
def test_check_latency(first, last, error):
    result = check_latency(_flat_latencies(first, last), 90, Criteria(warmup_s=20))
    if error is None:
        assert result is None
    else:
        assert result is not None and error in result


def test_check_latency_without_arrivals_in_a_window():
    only_early = [(float(t), 0.1) for t in range(20, 40)]
    result = check_latency(only_early, 90, Criteria(warmup_s=20))
    assert result is not None and "no arrivals" in result


@pytest.mark.parametrize(
    ("series", "reduce", "expected"),
    [
        ([(0, 1), (59, 3), (60, 2), (130, 9)], "max", [(0, 3), (60, 2), (120, 9)]),
        ([(0, 1), (1, 2), (61, 5)], "p99", [(0, 2), (60, 5)]),
        ([], "max", []),
    ],
)
def test_per_bucket(series, reduce, expected):
    assert per_bucket(series, 60, reduce) == expected
