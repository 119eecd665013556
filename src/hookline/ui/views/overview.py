"""The Overview (`/ui`): attempts by outcome and latency over the last hour, day or week
(from the statistics aggregates of every application), the endpoints failing most, and the
backlog (the queue gauges)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookline.stat_buckets import LATENCY_BUCKETS, Period, SeriesWindow, bucket_start, percentile
from hookline.store.queue_gauges import read_queue_counts
from hookline.store.statistics import AttemptSeries
from hookline.ui.error_pages import error_page
from hookline.ui.templating import render


@dataclass(frozen=True, slots=True)
class Span:
    key: str
    label: str
    period: Period
    points: int


SPANS = {
    span.key: span
    for span in (
        Span("hour", "Last hour", Period.FIVE_MINUTES, 12),
        Span("day", "Last 24 hours", Period.ONE_HOUR, 24),
        Span("week", "Last 7 days", Period.ONE_HOUR, 7 * 24),
    )
}
FAILING_SHOWN = 8


def window_ending(span: Span, now: int) -> SeriesWindow:
    """The span's buckets, the last one holding `now`."""
    last = bucket_start(now, span.period)
    return SeriesWindow(span.period, last - (span.points - 1) * span.period.length_ms, span.points)


@dataclass(frozen=True, slots=True)
class Summary:
    succeeded: int
    failed: int
    p50_ms: float | None
    p99_ms: float | None
    chart: dict[str, list[Any]]  # uPlot's columns, times in seconds


def summarise(series: AttemptSeries) -> Summary:
    """Totals, percentiles and chart columns of a series (pure)."""
    histogram = [0] * LATENCY_BUCKETS
    for bucket in series.latency:
        for i, count in enumerate(bucket):
            histogram[i] += count
    period_ms = series.window.period.length_ms
    return Summary(
        succeeded=sum(series.success),
        failed=sum(series.failure),
        p50_ms=percentile(histogram, 0.5),
        p99_ms=percentile(histogram, 0.99),
        chart={
            "t": [
                (series.window.start_ms + i * period_ms) // 1000
                for i in range(series.window.points)
            ],
            "succeeded": list(series.success),
            "failed": list(series.failure),
            "p50": [percentile(bucket, 0.5) for bucket in series.latency],
            "p99": [percentile(bucket, 0.99) for bucket in series.latency],
        },
    )


async def overview(request: Request) -> Response:
    span = SPANS.get(request.query_params.get("span", "day"))
    if span is None:
        return error_page(request, 400, "Unknown time span", f"Choose one of: {', '.join(SPANS)}.")
    db = request.app.state.db
    window = window_ending(span, db.clock.now_ms())
    summary = summarise(await db.statistics_all.series(window))
    failing = await db.statistics_all.failing_endpoints(window, FAILING_SHOWN)
    queue = await read_queue_counts(db)
    context = {
        "span": span,
        "spans": SPANS.values(),
        "summary": summary,
        "failing": failing,
        "queue": queue,
    }
    return render(request, "overview.html", context)


routes = [Route("/ui", overview, methods=["GET"])]
