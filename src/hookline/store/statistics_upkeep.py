"""Upkeep of the attempt counters: rebuilding them from the attempt log, and pruning old
buckets.

A rebuild replaces counters with what the attempt log says, one hour of attempts per
transaction (an attempt id encodes its creation time, so an hour of attempts is a range of
the primary key). Replacing rather than adding makes it idempotent. The workers add to the
same rows while it runs, so each step holds the counters still: on SQLite every write
transaction is exclusive already; on PostgreSQL the step locks the counters table against
writers (readers go on) for its short transaction. A worker's attempts are then either
committed before the step (and counted by its scan) or added after it (on top of it), never
both or neither.

Day rows are the sum of the day's hour rows, rebuilt once all the day's hours are: reading
24 hour rows per endpoint instead of a whole day of attempts keeps every step short.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.stat_buckets import DAY_MS, HOUR_MS, LATENCY_BOUNDS_MS, Period
from hookline.store.schema import applications, attempt_stats, attempts
from hookline.store.statistics import LATENCY_COLUMNS
from hookline.types import DeliveryStatus

if TYPE_CHECKING:
    from hookline.store.connections import Connections

s = attempt_stats
a = attempts
_KEY = ("app_id", "period", "bucket_start", "endpoint_id")
_COUNTERS = ("success", "failure", *LATENCY_COLUMNS)
# Applications per statement when reading a day's hour rows (bound parameters stay few).
_APPS_PER_STATEMENT = 500


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _latency_counts() -> list[sa.ColumnElement[Any]]:
    """One sum per latency bucket, the same bounds as stat_buckets.latency_bucket."""
    duration = a.c.response_duration_ms
    sums = []
    for index in range(len(LATENCY_BOUNDS_MS) + 1):
        upper = duration <= LATENCY_BOUNDS_MS[index] if index < len(LATENCY_BOUNDS_MS) else None
        lower = duration > LATENCY_BOUNDS_MS[index - 1] if index > 0 else None
        parts = [c for c in (lower, upper) if c is not None]
        sums.append(_count(sa.and_(*parts)))
    return sums


def _attempt_buckets(period: Period, start_ms: int, end_ms: int) -> sa.Select[Any]:
    """The attempts created in [start, end) summed per (application, `period` bucket,
    endpoint), in the counters' column order."""
    bucket = a.c.created_at - a.c.created_at % period.length_ms
    succeeded = a.c.status == int(DeliveryStatus.SUCCESS)
    return (
        sa.select(
            a.c.app_id,
            sa.literal(int(period), sa.SmallInteger),
            bucket,
            a.c.endpoint_id,
            _count(succeeded),
            _count(sa.not_(succeeded)),
            *_latency_counts(),
        )
        .where(
            a.c.id >= ids.lowest_id(ids.ATTEMPT, start_ms),
            a.c.id < ids.lowest_id(ids.ATTEMPT, end_ms),
        )
        .group_by(a.c.app_id, bucket, a.c.endpoint_id)
    )


def _replace(conn: AsyncConnection, rows: sa.Select[Any]) -> Any:
    """INSERT … SELECT that replaces the counters of the rows it finds (an upsert)."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    insert = dialect.insert(s).from_select([*_KEY, *_COUNTERS], rows)
    return insert.on_conflict_do_update(
        index_elements=[s.c[name] for name in _KEY],
        set_={name: insert.excluded[name] for name in _COUNTERS},
    ).returning(s.c.app_id)


async def _hold_counters(conn: AsyncConnection) -> None:
    if conn.dialect.name != "sqlite":
        # Blocks the workers' upserts (ROW EXCLUSIVE) and other rebuilds, not readers.
        await conn.execute(sa.text("LOCK TABLE attempt_stats IN SHARE ROW EXCLUSIVE MODE"))


class StatisticsUpkeep:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def application_ids(self, after: str, limit: int) -> list[str]:
        """A page of application ids, in id order (the counters are pruned per application,
        so that each delete reads the primary key)."""
        t = applications
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(t.c.id).where(t.c.id > after).order_by(t.c.id).limit(limit)
            )
            return list(rows.scalars())

    async def oldest_attempt_ms(self) -> int | None:
        """When the oldest stored attempt was made (from its id: the primary key's minimum)."""
        async with self.db.read() as conn:
            first = (await conn.execute(sa.select(sa.func.min(a.c.id)))).scalar_one_or_none()
        return None if first is None else ids.created_ms(first)

    async def rebuild_hour(self, hour_ms: int, five_minutes: bool = True) -> set[str]:
        """Replace the hour's five-minute (unless `five_minutes` is false) and hour counters
        with the attempt log's. Returns the applications that had attempts in it."""
        end = hour_ms + HOUR_MS
        async with self.db.write(durable=False) as conn:
            await _hold_counters(conn)
            apps: set[str] = set()
            periods = (Period.FIVE_MINUTES, Period.ONE_HOUR) if five_minutes else (Period.ONE_HOUR,)
            for period in periods:
                result = await conn.execute(_replace(conn, _attempt_buckets(period, hour_ms, end)))
                apps.update(result.scalars())
        return apps

    async def rebuild_day(self, day_ms: int, apps: Iterable[str]) -> None:
        """Replace the day counters of `apps` with the sum of their hour counters that day."""
        names = sorted(apps)
        for first in range(0, len(names), _APPS_PER_STATEMENT):
            chunk = names[first : first + _APPS_PER_STATEMENT]
            hours = (
                sa.select(
                    s.c.app_id,
                    sa.literal(int(Period.ONE_DAY), sa.SmallInteger),
                    sa.literal(day_ms, sa.BigInteger),
                    s.c.endpoint_id,
                    *(sa.func.sum(s.c[name]) for name in _COUNTERS),
                )
                .where(
                    s.c.app_id.in_(chunk),
                    s.c.period == int(Period.ONE_HOUR),
                    s.c.bucket_start >= day_ms,
                    s.c.bucket_start < day_ms + DAY_MS,
                )
                .group_by(s.c.app_id, s.c.endpoint_id)
            )
            async with self.db.write(durable=False) as conn:
                await _hold_counters(conn)
                await conn.execute(_replace(conn, hours))

    async def prune(self, period: Period, before_ms: int, apps: Sequence[str], limit: int) -> int:
        """Remove up to `limit` counter rows of `period` whose bucket started before
        `before_ms`, of the given applications (each read through the primary key).
        Returns how many went."""
        doomed = (
            sa.select(*(s.c[name] for name in _KEY))
            .where(
                s.c.app_id.in_(list(apps)),
                s.c.period == int(period),
                s.c.bucket_start < before_ms,
            )
            .limit(limit)
        )
        async with self.db.write(durable=False) as conn:
            result = await conn.execute(
                s.delete().where(sa.tuple_(*(s.c[name] for name in _KEY)).in_(doomed))
            )
        return int(result.rowcount or 0)
