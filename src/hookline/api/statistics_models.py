"""Response bodies of the statistics routes: Svix's shapes (EndpointStats,
EndpointAttemptStats, AttemptStatisticsResponse) plus Hookline's latency fields."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from hookline.api.models import OutModel

StatisticsPeriod = Literal["FiveMinutes", "OneHour", "OneDay"]


class EndpointStatsOut(OutModel):
    """The endpoint's deliveries created in the window, by their state now (Svix's
    EndpointStats). Hookline never cancels a delivery: `canceled` is always 0."""

    success: int
    pending: int
    sending: int
    fail: int
    canceled: int


class EndpointAttemptStatsOut(OutModel):
    """The endpoint's attempts in the window, rounded out to whole hours (Svix's
    EndpointAttemptStats)."""

    success: int
    fail: int
    canceled: int


class AttemptStatisticsData(OutModel):
    """One value per period, oldest first. `successCount` and `failureCount` are Svix's; the
    latency percentiles (ms, from a fixed histogram; null where there was no attempt) are
    Hookline's."""

    success_count: list[int]
    failure_count: list[int]
    latency_p50_ms: list[float | None]
    latency_p90_ms: list[float | None]
    latency_p99_ms: list[float | None]


class AttemptStatisticsResponse(OutModel):
    """Svix's AttemptStatisticsResponse: `startDate` is the start of the first period,
    `endDate` the end of the last."""

    data: AttemptStatisticsData
    period: StatisticsPeriod
    start_date: datetime
    end_date: datetime
