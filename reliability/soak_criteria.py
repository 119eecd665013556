"""What the soak holds a run to, as pure functions of its samples (seconds since the start of
publishing, value): memory that does not keep growing after warm-up, open files and database
connections that stay flat, and a latency that does not drift from the start to the end.

Each check returns None when it holds, or a sentence saying what did not: the row's error."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Series = Sequence[tuple[float, float]]  # (seconds since the start, value)


@dataclass(frozen=True)
class Criteria:
    warmup_s: float  # samples before this are the process settling in, not a trend
    rss_growth: float = 0.10  # the peak after warm-up vs the value at its end, as a fraction
    fd_allowance: int = 8  # pooled connections that open and close as the load shifts
    connection_allowance: int = 2
    latency_drift: float = 0.20
    # Below this a p99 difference is the shared machine's scheduler, not a trend: at ms-scale
    # latencies 20 % is a few milliseconds.
    latency_floor_s: float = 0.050
    window_s: float | None = None  # the latency windows' length; None: thirds of the run


def after_warmup(series: Series, warmup_s: float) -> list[tuple[float, float]]:
    return [(t, v) for t, v in series if t >= warmup_s]


def growth(series: Series, warmup_s: float) -> float | None:
    """The peak after warm-up relative to the first sample after warm-up (0.05 = 5 % more);
    None with fewer than two samples after warm-up, or a zero baseline."""
    settled = after_warmup(series, warmup_s)
    if len(settled) < 2 or settled[0][1] <= 0:
        return None
    baseline = settled[0][1]
    return max(v for _, v in settled) / baseline - 1


def p99(values: Sequence[float]) -> float | None:
    """Nearest-rank 99th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def latency_windows(
    end_s: float, warmup_s: float, window_s: float | None
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The first and the last window (by send time) whose p99 are compared: `window_s` long
    after warm-up and before the end, or thirds of what follows warm-up."""
    length = (end_s - warmup_s) / 3 if window_s is None else min(window_s, end_s - warmup_s)
    return (warmup_s, warmup_s + length), (end_s - length, end_s)


def in_window(latencies: Series, window: tuple[float, float]) -> list[float]:
    start, end = window
    return [v for t, v in latencies if start <= t <= end]


def check_rss(name: str, series: Series, c: Criteria) -> str | None:
    g = growth(series, c.warmup_s)
    if g is None:
        return f"{name}: too few memory samples after warm-up"
    if g >= c.rss_growth:
        return f"{name}: resident memory grew {g:.0%} after warm-up (limit {c.rss_growth:.0%})"
    return None


def window_rise(series: Series, end_s: float, c: Criteria) -> float | None:
    """The last window's peak minus the first window's (the latency windows): pooled
    connections come and go with the load, so a single sample says little, but a leak makes
    every window's peak higher than the one before."""
    first_w, last_w = latency_windows(end_s, c.warmup_s, c.window_s)
    first, last = in_window(series, first_w), in_window(series, last_w)
    if not first or not last:
        return None
    return max(last) - max(first)


def check_flat(what: str, series: Series, end_s: float, allowance: int, c: Criteria) -> str | None:
    r = window_rise(series, end_s, c)
    if r is None:
        return f"{what}: no samples in the first or the last window"
    if r > allowance:
        return (
            f"{what}: the peak rose by {r:g} from the first window to the last "
            f"(allowed {allowance})"
        )
    return None


def check_latency(latencies: Series, end_s: float, c: Criteria) -> str | None:
    first_w, last_w = latency_windows(end_s, c.warmup_s, c.window_s)
    first, last = p99(in_window(latencies, first_w)), p99(in_window(latencies, last_w))
    if first is None or last is None:
        return "latency: no arrivals in the first or the last window"
    allowed = max(first * c.latency_drift, c.latency_floor_s)
    if abs(last - first) > allowed:
        return (
            f"latency p99 went from {first * 1000:.0f} ms to {last * 1000:.0f} ms "
            f"(allowed ±{allowed * 1000:.0f} ms)"
        )
    return None


def per_bucket(series: Series, bucket_s: float, reduce: str) -> list[tuple[float, float]]:
    """(bucket start, max or p99 of the bucket's values), for the plot."""
    buckets: dict[int, list[float]] = {}
    for t, v in series:
        buckets.setdefault(int(t // bucket_s), []).append(v)
    out = []
    for index in sorted(buckets):
        values = buckets[index]
        value = max(values) if reduce == "max" else p99(values)
        assert value is not None
        out.append((index * bucket_s, value))
    return out
