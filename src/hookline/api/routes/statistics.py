"""Delivery statistics: Svix's endpoint stats and attempt stats, and the attempt series of an
application or endpoint per period (Svix's AttemptStatisticsResponse, with Hookline's
`period` parameter, `OneHour`, and latency percentiles). All read pre-aggregated counters
(store.statistics) except the delivery states, which an index answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hookline import stat_buckets
from hookline.api import serialize
from hookline.api.errors import ApiError
from hookline.api.models import IsoDateTime
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import Db, PathKey, Time, to_ms
from hookline.api.statistics_models import (
    AttemptStatisticsResponse,
    EndpointAttemptStatsOut,
    EndpointStatsOut,
    StatisticsPeriod,
)
from hookline.stat_buckets import DAY_MS, Period, WindowError
from hookline.store.statistics import AttemptSeries

router = APIRouter()

StartDate = Annotated[IsoDateTime | None, Query(alias="startDate")]
EndDate = Annotated[IsoDateTime | None, Query(alias="endDate")]
PeriodQuery = Annotated[StatisticsPeriod | None, Query()]


def _svix_window(since: int | None, until: int | None, now: int) -> tuple[int, int]:
    try:
        return stat_buckets.stats_window(since, until, now)
    except WindowError as exc:
        raise ApiError(400, str(exc), code="invalid_range") from None


@router.get(
    "/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats",
    response_model=EndpointStatsOut,
    tags=["Endpoint"],
    openapi_extra={"x-errors": [400]},  # a window Svix refuses (invalid_range)
)
async def get_endpoint_stats(
    app_id: PathKey, endpoint_id: PathKey, db: Db, since: Time = None, until: Time = None
) -> OrjsonResponse:
    """The endpoint's deliveries created in [since, until] by their state now. `until`
    defaults to now and may not be in the future; `since` defaults to 28 days before `until`
    and may not be earlier (Svix's rules)."""
    start, end = _svix_window(to_ms(since), to_ms(until), db.clock.now_ms())
    counts = await db.statistics.endpoint_states(app_id, endpoint_id, start, end)
    return OrjsonResponse(
        {
            "success": counts.success,
            "pending": counts.pending,
            "sending": counts.sending,
            "fail": counts.fail,
            "canceled": 0,
        }
    )


@router.get(
    "/api/v1/app/{app_id}/endpoint/{endpoint_id}/attempt-stats",
    response_model=EndpointAttemptStatsOut,
    tags=["Endpoint"],
    openapi_extra={"x-errors": [400]},  # a window Svix refuses (invalid_range)
)
async def get_endpoint_attempt_stats(
    app_id: PathKey, endpoint_id: PathKey, db: Db, since: Time = None, until: Time = None
) -> OrjsonResponse:
    """The endpoint's attempts in the window (the same rules as `stats`), rounded out to
    whole hours."""
    start, end = stat_buckets.hour_window(
        *_svix_window(to_ms(since), to_ms(until), db.clock.now_ms())
    )
    counts = await db.statistics.endpoint_attempts(app_id, endpoint_id, start, end)
    return OrjsonResponse({"success": counts.success, "fail": counts.failure, "canceled": 0})


def _bad_query(name: str, message: str) -> ApiError:
    error = ApiError(422, message)
    error.detail = [{"loc": ["query", name], "msg": message, "type": "value_error"}]
    return error


def _series_window(
    start: int | None, end: int | None, period: str | None, now: int
) -> stat_buckets.SeriesWindow:
    until = now if end is None else end
    since = until - DAY_MS if start is None else start
    if since > until:
        raise _bad_query("startDate", "must not be after endDate")
    chosen = (
        stat_buckets.period_for_range(until - since)
        if period is None
        else Period.from_api_name(period)
    )
    window = stat_buckets.series_window(since, until, chosen)
    if window.points > stat_buckets.MAX_POINTS:
        raise _bad_query(
            "startDate",
            f"the range holds {window.points} periods of {window.period.api_name}; at most "
            f"{stat_buckets.MAX_POINTS} are answered (choose a longer period)",
        )
    return window


def _series_body(series: AttemptSeries) -> dict[str, object]:
    window = series.window

    def quantile(q: float) -> list[float | None]:
        return [stat_buckets.percentile(counts, q) for counts in series.latency]

    return {
        "data": {
            "successCount": list(series.success),
            "failureCount": list(series.failure),
            "latencyP50Ms": quantile(0.5),
            "latencyP90Ms": quantile(0.9),
            "latencyP99Ms": quantile(0.99),
        },
        "period": window.period.api_name,
        "startDate": serialize.iso(window.start_ms),
        "endDate": serialize.iso(window.end_ms),
    }


@router.get(
    "/api/v1/stats/app/{app_id}/attempt",
    response_model=AttemptStatisticsResponse,
    tags=["Statistics"],
)
async def get_app_attempt_stats(
    app_id: PathKey,
    db: Db,
    start_date: StartDate = None,
    end_date: EndDate = None,
    period: PeriodQuery = None,
) -> OrjsonResponse:
    """The application's attempts per period by outcome, with latency percentiles, from
    `startDate` (default: 24 hours before `endDate`) to `endDate` (default: now), in whole
    periods. `period` defaults to the finest that gives at most 300 points."""
    window = _series_window(to_ms(start_date), to_ms(end_date), period, db.clock.now_ms())
    return OrjsonResponse(_series_body(await db.statistics.series(app_id, window)))


@router.get(
    "/api/v1/stats/app/{app_id}/ep/{endpoint_id}/attempt",
    response_model=AttemptStatisticsResponse,
    tags=["Statistics"],
)
async def get_endpoint_attempt_series(
    app_id: PathKey,
    endpoint_id: PathKey,
    db: Db,
    start_date: StartDate = None,
    end_date: EndDate = None,
    period: PeriodQuery = None,
) -> OrjsonResponse:
    """The same series for one endpoint."""
    window = _series_window(to_ms(start_date), to_ms(end_date), period, db.clock.now_ms())
    return OrjsonResponse(_series_body(await db.statistics.series(app_id, window, endpoint_id)))
