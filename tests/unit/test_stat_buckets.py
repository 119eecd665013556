"""Statistics arithmetic: buckets, the latency histogram, percentiles and windows."""

import pytest

from hookline.stat_buckets import (
    DAY_MS,
    HOUR_MS,
    LATENCY_BOUNDS_MS,
    LATENCY_BUCKETS,
    MINUTE_MS,
    Period,
    WindowError,
    bucket_start,
    counter_cutoffs,
    hour_window,
    latency_bucket,
    percentile,
    period_for_range,
    rebuild_plan,
    series_window,
    stats_window,
)

T = 1_700_000_000_000  # 2023-11-14T22:13:20Z


@pytest.mark.parametrize(
    ("at", "period", "start"),
    [
        (T, Period.FIVE_MINUTES, T - 200_000),  # 22:13:20 -> 22:10:00
        (T, Period.ONE_HOUR, T - 13 * MINUTE_MS - 20_000),
        (T, Period.ONE_DAY, T - 22 * HOUR_MS - 13 * MINUTE_MS - 20_000),
        (0, Period.ONE_DAY, 0),
        (HOUR_MS - 1, Period.ONE_HOUR, 0),
        (HOUR_MS, Period.ONE_HOUR, HOUR_MS),
    ],
)
def test_bucket_start(at, period, start):
    assert bucket_start(at, period) == start


@pytest.mark.parametrize(
    ("duration", "index"),
    [(0, 0), (5, 0), (6, 1), (10, 1), (11, 2), (999, 7), (1000, 7), (30_000, 11), (30_001, 12)],
)
def test_latency_bucket(duration, index):
    assert latency_bucket(duration) == index


def counts(**by_bound: int) -> list[int]:
    out = [0] * LATENCY_BUCKETS
    for key, n in by_bound.items():
        bound = int(key.removeprefix("le"))
        out[LATENCY_BOUNDS_MS.index(bound) if bound else LATENCY_BUCKETS - 1] = n
    return out


@pytest.mark.parametrize(
    ("histogram", "q", "expected"),
    [
        ([0] * LATENCY_BUCKETS, 0.5, None),
        (counts(le5=10), 0.5, 2.5),  # interpolated inside [0, 5]
        (counts(le5=10), 1.0, 5.0),
        (counts(le10=4), 0.5, 7.5),  # [5, 10]
        (counts(le5=50, le100=50), 0.5, 5.0),  # the median is the end of the first bucket
        (counts(le5=50, le100=50), 0.99, 50 + 50 * 49 / 50),  # [50, 100], 49 of 50 in
        (counts(le5=1, le0=99), 0.9, 30_000.0),  # the open bucket reports its lower bound
    ],
)
def test_percentile_from_bucket_counts(histogram, q, expected):
    assert percentile(histogram, q) == expected


@pytest.mark.parametrize(
    ("span", "period"),
    [
        (HOUR_MS, Period.FIVE_MINUTES),
        (DAY_MS, Period.FIVE_MINUTES),
        (25 * HOUR_MS + 1, Period.ONE_HOUR),
        (12 * DAY_MS, Period.ONE_HOUR),
        (13 * DAY_MS, Period.ONE_DAY),
        (365 * DAY_MS, Period.ONE_DAY),
    ],
)
def test_default_period_keeps_a_chart_readable(span, period):
    assert period_for_range(span) == period


def test_series_window_covers_whole_buckets_of_both_ends():
    window = series_window(T - DAY_MS, T, Period.ONE_HOUR)
    assert window.start_ms == bucket_start(T - DAY_MS, Period.ONE_HOUR)
    assert window.points == 25  # the partial hours at both ends are included
    assert window.end_ms == bucket_start(T, Period.ONE_HOUR) + HOUR_MS
    assert window.index(window.start_ms + 3 * HOUR_MS) == 3
    assert series_window(T, T, Period.FIVE_MINUTES).points == 1


NOW = T


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (None, None, (NOW - 28 * DAY_MS, NOW)),
        (NOW - HOUR_MS, None, (NOW - HOUR_MS, NOW)),
        (None, NOW - DAY_MS, (NOW - 29 * DAY_MS, NOW - DAY_MS)),
        (NOW - 28 * DAY_MS - 5 * MINUTE_MS, NOW, (NOW - 28 * DAY_MS - 5 * MINUTE_MS, NOW)),
        (NOW, NOW, (NOW, NOW)),
        # A `until` a little ahead of the server's clock counts as now.
        (None, NOW + 1, (NOW - 28 * DAY_MS, NOW)),
        (NOW - HOUR_MS, NOW + 5 * MINUTE_MS, (NOW - HOUR_MS, NOW)),
    ],
)
def test_stats_window_follows_svix_rules(since, until, expected):
    assert stats_window(since, until, NOW) == expected


@pytest.mark.parametrize(
    ("since", "until", "reason"),
    [
        (None, NOW + 5 * MINUTE_MS + 1, "'until' cannot be in the future"),
        (NOW - 28 * DAY_MS - 5 * MINUTE_MS - 1, None, "more than 28 days"),
        (NOW - HOUR_MS, NOW - 2 * HOUR_MS, "must not be after"),
    ],
)
def test_stats_window_refusals(since, until, reason):
    with pytest.raises(WindowError, match=reason):
        stats_window(since, until, NOW)


def test_hour_window_rounds_out():
    start, end = hour_window(T - HOUR_MS, T)
    assert start == bucket_start(T - HOUR_MS, Period.ONE_HOUR)
    assert end == bucket_start(T, Period.ONE_HOUR) + HOUR_MS
    assert [p.api_name for p in Period] == ["FiveMinutes", "OneHour", "OneDay"]
    assert Period.from_api_name("OneHour") is Period.ONE_HOUR


@pytest.mark.parametrize(
    ("five_minute_days", "retention_days", "five", "hour"),
    [
        (30, 90, T - 30 * DAY_MS, T - 90 * DAY_MS),
        (7, 10, T - 7 * DAY_MS, T - 30 * DAY_MS),  # hour rows: 30 days at least
        (0, 0, None, None),  # 0: kept forever
        (30, 0.5, T - 30 * DAY_MS, T - 30 * DAY_MS),
    ],
    ids=["defaults", "short-retention", "keep-all", "half-day-retention"],
)
def test_counter_cutoffs(five_minute_days, retention_days, five, hour):
    assert counter_cutoffs(T, five_minute_days, retention_days) == {
        Period.FIVE_MINUTES: five,
        Period.ONE_HOUR: hour,
        Period.ONE_DAY: None,
    }


def test_rebuild_plan_covers_whole_days_up_to_the_current_hour():
    day = bucket_start(T, Period.ONE_DAY)
    plan = rebuild_plan(day + 5 * HOUR_MS + 1, day + DAY_MS + 2 * HOUR_MS + 30 * MINUTE_MS)
    assert [d for d, _ in plan] == [day, day + DAY_MS]
    assert plan[0][1] == [day + h * HOUR_MS for h in range(24)]
    assert plan[1][1] == [day + DAY_MS + h * HOUR_MS for h in range(3)]
    assert rebuild_plan(T, T) == [(day, [day + h * HOUR_MS for h in range(23)])]
