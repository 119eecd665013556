"""Delivery statistics: the pre-aggregated attempt counters, and reading them.

The worker's record batch adds its attempts to the counters in the same transaction as the
attempts themselves (one upsert statement per batch), so the numbers never disagree with the
attempt log and a series is read from at most a few hundred rows per endpoint, however many
attempts there were. Endpoint statistics by delivery state come from the deliveries table,
through the index (endpoint_id, created_at, status).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.stat_buckets import (
    LATENCY_BUCKETS,
    Period,
    SeriesWindow,
    bucket_start,
    latency_bucket,
)
from hookline.store.applications import resolve_app_id
from hookline.store.column_arrays import column_arrays, unnest_sql
from hookline.store.lookups import find_endpoint
from hookline.store.schema import applications, attempt_stats, deliveries, endpoints
from hookline.types import AttemptRecord, DeliveryStatus

if TYPE_CHECKING:
    from hookline.store.connections import Connections

s = attempt_stats
d = deliveries
LATENCY_COLUMNS = tuple(f"latency_{i}" for i in range(LATENCY_BUCKETS))
_COUNTERS = ("success", "failure", *LATENCY_COLUMNS)


@dataclass(frozen=True, slots=True)
class DeliveryStateCounts:
    """An endpoint's deliveries created in a window, by their state now."""

    success: int
    pending: int
    sending: int
    fail: int


@dataclass(frozen=True, slots=True)
class AttemptCounts:
    success: int
    failure: int


@dataclass(frozen=True, slots=True)
class AttemptSeries:
    """Attempts per bucket of `window`, by outcome, with each bucket's latency histogram."""

    window: SeriesWindow
    success: tuple[int, ...]
    failure: tuple[int, ...]
    latency: tuple[tuple[int, ...], ...]


def counter_rows(records: Sequence[AttemptRecord]) -> list[dict[str, int | str]]:
    """The batch's attempts summed per (application, endpoint, period, bucket): one row per
    key, since one upsert statement may not touch a row twice."""
    rows: dict[tuple[str, int, int, str], dict[str, int | str]] = {}
    for rec in records:
        job = rec.job
        latency = LATENCY_COLUMNS[latency_bucket(rec.outcome.duration_ms)]
        outcome = "success" if rec.outcome.succeeded else "failure"
        for period in Period:
            start = bucket_start(rec.started_at_ms, period)
            key = (job.app_id, int(period), start, job.endpoint_id)
            row = rows.get(key)
            if row is None:
                row = rows[key] = {
                    "app_id": job.app_id,
                    "period": int(period),
                    "bucket_start": start,
                    "endpoint_id": job.endpoint_id,
                    **dict.fromkeys(_COUNTERS, 0),
                }
            row[outcome] = int(row[outcome]) + 1
            row[latency] = int(row[latency]) + 1
    return list(rows.values())


# The counters' upsert, compiled once and cached: a multi-row VALUES statement differs in
# shape with every batch, and compiling one of 200 rows × 19 columns cost more than the rest
# of the record transaction. SQLite runs it once per counter row (one executemany, a loop in
# the driver's thread); PostgreSQL as one statement over column arrays (column_arrays.py).
_UPSERTS: dict[str, Any] = {}


def _upsert(dialect_name: str) -> Any:
    statement = _UPSERTS.get(dialect_name)
    if statement is not None:
        return statement
    if dialect_name == "sqlite":
        insert = sqlite.insert(s)
        statement = insert.on_conflict_do_update(
            index_elements=[s.c.app_id, s.c.period, s.c.bucket_start, s.c.endpoint_id],
            set_={name: s.c[name] + insert.excluded[name] for name in _COUNTERS},
        )
    else:
        names = ", ".join(c.name for c in s.columns)
        added = ", ".join(f"{name} = attempt_stats.{name} + excluded.{name}" for name in _COUNTERS)
        statement = sa.text(
            f"INSERT INTO attempt_stats ({names}) SELECT * FROM {unnest_sql(list(s.columns))} "
            f"ON CONFLICT (app_id, period, bucket_start, endpoint_id) DO UPDATE SET {added}"
        )
    _UPSERTS[dialect_name] = statement
    return statement


async def add_attempts(conn: AsyncConnection, records: Sequence[AttemptRecord]) -> None:
    """Add a batch of attempts to the counters: one upsert per (application, endpoint,
    period, bucket), in key order, so that two workers' batches lock the counter rows they
    share in the same order."""
    rows = counter_rows(records)
    if not rows:
        return
    rows.sort(key=lambda r: (r["app_id"], r["endpoint_id"], r["period"], r["bucket_start"]))
    if conn.dialect.name == "sqlite":
        await conn.execute(_upsert("sqlite"), rows)
    else:
        await conn.execute(_upsert("postgresql"), column_arrays(list(s.columns), rows))


def _sums() -> list[sa.Label[Any]]:
    return [sa.func.coalesce(sa.func.sum(s.c[name]), 0).label(name) for name in _COUNTERS]


class Statistics:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def endpoint_states(
        self, app: str, endpoint: str, since_ms: int, until_ms: int
    ) -> DeliveryStateCounts:
        """The endpoint's deliveries created in [since, until], by state (Svix's endpoint
        stats)."""
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            ep = await find_endpoint(conn, app_id, endpoint)
            rows = await conn.execute(
                sa.select(d.c.status, sa.func.count())
                .where(d.c.endpoint_id == ep.id, d.c.created_at.between(since_ms, until_ms))
                .group_by(d.c.status)
            )
            by_status = {int(r[0]): int(r[1]) for r in rows}
        return DeliveryStateCounts(
            success=by_status.get(DeliveryStatus.SUCCESS, 0),
            pending=by_status.get(DeliveryStatus.PENDING, 0),
            sending=by_status.get(DeliveryStatus.SENDING, 0),
            fail=by_status.get(DeliveryStatus.FAIL, 0),
        )

    async def endpoint_attempts(
        self, app: str, endpoint: str, start_ms: int, end_ms: int
    ) -> AttemptCounts:
        """The endpoint's attempts in hourly buckets starting in [start, end)."""
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            ep = await find_endpoint(conn, app_id, endpoint)
            row = (
                await conn.execute(
                    sa.select(*_sums()[:2]).where(
                        s.c.endpoint_id == ep.id,
                        s.c.period == int(Period.ONE_HOUR),
                        s.c.bucket_start >= start_ms,
                        s.c.bucket_start < end_ms,
                    )
                )
            ).one()
        return AttemptCounts(success=int(row.success), failure=int(row.failure))

    async def series(
        self, app: str, window: SeriesWindow, endpoint: str | None = None
    ) -> AttemptSeries:
        """The application's (or one of its endpoint's) attempts per bucket of `window`."""
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            query = (
                sa.select(s.c.bucket_start, *_sums())
                .where(
                    s.c.app_id == app_id,
                    s.c.period == int(window.period),
                    s.c.bucket_start >= window.start_ms,
                    s.c.bucket_start < window.end_ms,
                )
                .group_by(s.c.bucket_start)
            )
            if endpoint is not None:
                ep = await find_endpoint(conn, app_id, endpoint)
                query = query.where(s.c.endpoint_id == ep.id)
            rows = (await conn.execute(query)).all()
        return _series_from(window, rows)


@dataclass(frozen=True, slots=True)
class FailingEndpoint:
    """An endpoint ranked by its failed attempts in a window (the Overview's list)."""

    app_id: str
    app_name: str
    endpoint_id: str
    url: str
    failure: int
    success: int


class AcrossApplications:
    """Statistics of every application at once, for the operator's dashboard. Each query
    walks `ix_attempt_stats_period` (period, bucket_start) over the window's buckets."""

    def __init__(self, db: Connections) -> None:
        self.db = db

    async def series(self, window: SeriesWindow) -> AttemptSeries:
        query = (
            sa.select(s.c.bucket_start, *_sums())
            .where(
                s.c.period == int(window.period),
                s.c.bucket_start >= window.start_ms,
                s.c.bucket_start < window.end_ms,
            )
            .group_by(s.c.bucket_start)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return _series_from(window, rows)

    async def failing_endpoints(self, window: SeriesWindow, limit: int) -> list[FailingEndpoint]:
        """The endpoints with the most failed attempts in the window, most first."""
        failures = sa.func.sum(s.c.failure).label("failure")
        ranked = (
            sa.select(s.c.app_id, s.c.endpoint_id, failures, sa.func.sum(s.c.success).label("ok"))
            .where(
                s.c.period == int(window.period),
                s.c.bucket_start >= window.start_ms,
                s.c.bucket_start < window.end_ms,
            )
            .group_by(s.c.app_id, s.c.endpoint_id)
            .having(sa.func.sum(s.c.failure) > 0)
            .order_by(failures.desc(), s.c.endpoint_id)
            .limit(limit)
            .subquery()
        )
        query = (
            sa.select(ranked, endpoints.c.url, applications.c.name)
            .join(endpoints, endpoints.c.id == ranked.c.endpoint_id)
            .join(applications, applications.c.id == ranked.c.app_id)
            .order_by(ranked.c.failure.desc(), ranked.c.endpoint_id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [
            FailingEndpoint(
                app_id=r.app_id,
                app_name=r.name,
                endpoint_id=r.endpoint_id,
                url=r.url,
                failure=int(r.failure),
                success=int(r.ok),
            )
            for r in rows
        ]

    async def endpoint_totals(
        self, endpoint_ids: Sequence[str], start_ms: int, end_ms: int
    ) -> dict[str, AttemptCounts]:
        """Attempts of each endpoint in hourly buckets starting in [start, end); endpoints
        without any are left out."""
        if not endpoint_ids:
            return {}
        query = (
            sa.select(s.c.endpoint_id, *_sums()[:2])
            .where(
                s.c.endpoint_id.in_(list(endpoint_ids)),
                s.c.period == int(Period.ONE_HOUR),
                s.c.bucket_start >= start_ms,
                s.c.bucket_start < end_ms,
            )
            .group_by(s.c.endpoint_id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return {
            r.endpoint_id: AttemptCounts(success=int(r.success), failure=int(r.failure))
            for r in rows
        }


def _series_from(window: SeriesWindow, rows: Sequence[sa.Row[Any]]) -> AttemptSeries:
    success = [0] * window.points
    failure = [0] * window.points
    latency = [(0,) * LATENCY_BUCKETS] * window.points
    for row in rows:
        i = window.index(int(row.bucket_start))
        success[i] = int(row.success)
        failure[i] = int(row.failure)
        latency[i] = tuple(int(row._mapping[name]) for name in LATENCY_COLUMNS)
    return AttemptSeries(window, tuple(success), tuple(failure), tuple(latency))
