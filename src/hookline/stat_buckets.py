"""Delivery statistics as pure arithmetic: period buckets, the latency histogram and its
percentiles, and the time windows the statistics routes accept.

Counters are kept per (application, endpoint, period, bucket start): a bucket of a period
starts at a multiple of the period's length since the epoch (UTC). Latency is a fixed
histogram (`LATENCY_BOUNDS_MS`), so a percentile over any range is computed from summed
bucket counts, never from the attempt log.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS


class Period(enum.IntEnum):
    """The resolutions kept; the value is what the table stores."""

    FIVE_MINUTES = 0
    ONE_HOUR = 1
    ONE_DAY = 2

    @property
    def length_ms(self) -> int:
        return _LENGTHS[self]

    @property
    def api_name(self) -> str:
        return _NAMES[self]

    @classmethod
    def from_api_name(cls, name: str) -> Period:
        return _BY_NAME[name]


_LENGTHS = {Period.FIVE_MINUTES: 5 * MINUTE_MS, Period.ONE_HOUR: HOUR_MS, Period.ONE_DAY: DAY_MS}
_NAMES = {Period.FIVE_MINUTES: "FiveMinutes", Period.ONE_HOUR: "OneHour", Period.ONE_DAY: "OneDay"}
_BY_NAME = {name: period for period, name in _NAMES.items()}
PERIOD_NAMES = tuple(_NAMES.values())

# Upper bounds (inclusive) of the latency buckets in ms; one more bucket holds anything slower.
LATENCY_BOUNDS_MS: tuple[int, ...] = (
    5,
    10,
    25,
    50,
    100,
    250,
    500,
    1000,
    2500,
    5000,
    10_000,
    30_000,
)
LATENCY_BUCKETS = len(LATENCY_BOUNDS_MS) + 1
# The most points one series answers (a week of five-minute buckets).
MAX_POINTS = 7 * 24 * 12


def bucket_start(at_ms: int, period: Period) -> int:
    """The start of the `period` bucket holding the instant `at_ms`."""
    return at_ms - at_ms % period.length_ms


def latency_bucket(duration_ms: int) -> int:
    """The index of the histogram bucket a duration falls in."""
    for index, bound in enumerate(LATENCY_BOUNDS_MS):
        if duration_ms <= bound:
            return index
    return len(LATENCY_BOUNDS_MS)


def percentile(counts: Sequence[int], q: float) -> float | None:
    """The `q` quantile (0 < q <= 1) in ms estimated from histogram bucket counts, by linear
    interpolation inside the bucket that holds it (as Prometheus's histogram_quantile does).
    None when there is nothing counted; the slowest bucket has no upper bound, so a quantile
    that falls in it is reported as that bucket's lower bound."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(counts):
        if count and seen + count >= rank:
            if index >= len(LATENCY_BOUNDS_MS):
                return float(LATENCY_BOUNDS_MS[-1])
            lower = 0 if index == 0 else LATENCY_BOUNDS_MS[index - 1]
            upper = LATENCY_BOUNDS_MS[index]
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
    return float(LATENCY_BOUNDS_MS[-1])  # pragma: no cover - q > 1 is not asked for


def period_for_range(span_ms: int) -> Period:
    """The finest period whose series over `span_ms` stays a readable chart (<= 300 points)."""
    for period in Period:
        if span_ms <= 300 * period.length_ms:
            return period
    return Period.ONE_DAY


@dataclass(frozen=True, slots=True)
class SeriesWindow:
    """The buckets a series covers: from `start_ms` (a bucket start) in `points` steps."""

    period: Period
    start_ms: int
    points: int

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.points * self.period.length_ms

    def index(self, bucket_ms: int) -> int:
        return (bucket_ms - self.start_ms) // self.period.length_ms


def series_window(since_ms: int, until_ms: int, period: Period) -> SeriesWindow:
    """Whole buckets from the one holding `since_ms` to the one holding `until_ms`."""
    start = bucket_start(since_ms, period)
    last = bucket_start(until_ms, period)
    return SeriesWindow(period, start, (last - start) // period.length_ms + 1)


# Hour counters are kept at least this long, whatever the retention period: attempt-stats
# answers up to 28 days back from them.
HOUR_COUNTERS_MIN_DAYS = 30.0


def counter_cutoffs(
    now_ms: int, five_minute_days: float, retention_days: float
) -> dict[Period, int | None]:
    """Per period, the bucket start before which counters are pruned (None: kept forever).
    Five-minute rows live `five_minute_days` (0: forever); hour rows the retention period,
    and at least HOUR_COUNTERS_MIN_DAYS (retention 0: forever); day rows forever."""
    five = None if five_minute_days <= 0 else now_ms - int(five_minute_days * DAY_MS)
    hour = (
        None
        if retention_days <= 0
        else now_ms - int(max(retention_days, HOUR_COUNTERS_MIN_DAYS) * DAY_MS)
    )
    return {Period.FIVE_MINUTES: five, Period.ONE_HOUR: hour, Period.ONE_DAY: None}


def rebuild_plan(since_ms: int, until_ms: int) -> list[tuple[int, list[int]]]:
    """The days (UTC) a counter rebuild covers, from the one holding `since_ms` to the one
    holding `until_ms`, each with its hours up to the one holding `until_ms`: whole days, so
    that every day counter is the sum of hours that were all rebuilt."""
    plan = []
    day = bucket_start(since_ms, Period.ONE_DAY)
    last_hour = bucket_start(until_ms, Period.ONE_HOUR)
    while day <= last_hour:
        hours = list(range(day, min(day + DAY_MS, last_hour + HOUR_MS), HOUR_MS))
        plan.append((day, hours))
        day += DAY_MS
    return plan


# Svix's window for endpoint statistics: 28 days back from `until` at most (plus five minutes
# so that a client computing "now - 28 days" on a clock a little ahead is not refused). The same
# five minutes let `until` be ahead of the server's clock, and it then counts as now: a client's
# "now" on a clock a little ahead, or on the very same host when the server's clock is
# PostgreSQL's (store/clock.py), which reads up to half a measuring round trip behind (a
# `until` of the caller's now was refused on a loaded machine).
STATS_MAX_SPAN_MS = 28 * DAY_MS
STATS_SKEW_MS = 5 * MINUTE_MS


def stats_window(since_ms: int | None, until_ms: int | None, now_ms: int) -> tuple[int, int]:
    """(since, until) for the endpoint statistics routes, by Svix's rules: `until` defaults to
    now and may not be in the future; `since` defaults to 28 days before `until` and may not be
    earlier than that. Raises WindowError with the reason."""
    until = now_ms if until_ms is None else until_ms
    if until > now_ms + STATS_SKEW_MS:
        raise WindowError("'until' cannot be in the future")
    until = min(until, now_ms)
    since = until - STATS_MAX_SPAN_MS if since_ms is None else since_ms
    if until - since > STATS_MAX_SPAN_MS + STATS_SKEW_MS:
        raise WindowError("'since' cannot be more than 28 days prior to 'until'")
    if since > until:
        raise WindowError("'since' must not be after 'until'")
    return since, until


def hour_window(since_ms: int, until_ms: int) -> tuple[int, int]:
    """An attempt-stats window rounded out to whole hours: [start of since's hour, end of
    until's hour)."""
    return bucket_start(since_ms, Period.ONE_HOUR), bucket_start(
        until_ms, Period.ONE_HOUR
    ) + HOUR_MS


class WindowError(ValueError):
    """A time window the statistics routes refuse."""
