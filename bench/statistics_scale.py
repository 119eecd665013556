"""`python -m bench.statistics_scale [--backend sqlite|pg] [--attempts N]`: the statistics
series at scale.

Bulk-inserts N attempts with SQL (10 applications x 10 endpoints, spread over 30 days, one in
seven a failure), builds their counters with one INSERT ... SELECT (what the workers' record
batches would have written), then times the 24-hour series of one application through the
store (`Statistics.series`, every period) and, as the reference measured in the same run,
the same 24 hours counted by scanning the attempt log. Prints one markdown table row per
query.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench import postgres
from hookline.stat_buckets import DAY_MS, LATENCY_BOUNDS_MS, Period, series_window
from hookline.store import Database

APPS, ENDPOINTS_PER_APP = 10, 10
SPAN_MS = 30 * DAY_MS
END_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
START_MS = END_MS - SPAN_MS


def _numbers(backend: str, n: int) -> str:
    if backend == "sqlite":
        return (
            f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {n - 1}) "
            "SELECT i FROM n"
        )
    return f"SELECT i FROM generate_series(0, {n - 1}) AS i"


def _insert_attempts(backend: str, n: int, first: int) -> str:
    endpoints = APPS * ENDPOINTS_PER_APP
    pad = "printf('%022d', i)" if backend == "sqlite" else "lpad(i::text, 22, '0')"
    return f"""
        INSERT INTO attempts (id, app_id, msg_id, endpoint_id, delivery_id, url, status,
            trigger, response_status_code, response, response_duration_ms, failure_kind,
            created_at)
        SELECT 'atmpt_' || {pad}, 'app_bench' || (i % {APPS}), 'msg_' || {pad},
            'ep_bench' || (i % {endpoints}), i, 'http://127.0.0.1/hook',
            CASE WHEN i % 7 = 0 THEN 2 ELSE 0 END, 0,
            CASE WHEN i % 7 = 0 THEN 500 ELSE 200 END, '', (i * 37) % 2000,
            CASE WHEN i % 7 = 0 THEN 'http_status' END,
            {START_MS} + (i * {SPAN_MS // 1000} / {n}) * 1000
        FROM ({_numbers(backend, n)}) AS numbers WHERE i >= {first}
    """


def _build_counters() -> list[str]:
    latency = []
    for index in range(len(LATENCY_BOUNDS_MS) + 1):
        low = -1 if index == 0 else LATENCY_BOUNDS_MS[index - 1]
        high = LATENCY_BOUNDS_MS[index] if index < len(LATENCY_BOUNDS_MS) else 2**62
        latency.append(
            f"SUM(CASE WHEN response_duration_ms > {low} AND response_duration_ms <= {high} "
            "THEN 1 ELSE 0 END)"
        )
    columns = ", ".join(f"latency_{i}" for i in range(len(latency)))
    return [
        f"""
        INSERT INTO attempt_stats (app_id, period, bucket_start, endpoint_id, success, failure,
            {columns})
        SELECT app_id, {int(p)}, created_at - created_at % {p.length_ms}, endpoint_id,
            SUM(CASE WHEN status = 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN status = 0 THEN 0 ELSE 1 END), {", ".join(latency)}
        FROM attempts GROUP BY app_id, created_at - created_at % {p.length_ms}, endpoint_id
        """
        for p in Period
    ]


async def run(backend: str, n: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="hookline-stats-"))
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir}/stats.db"
    else:
        pg_name = await postgres.create_database()
        url = postgres.database_url(pg_name)
    db = Database(url)
    try:
        await db.migrate()
        async with db.write() as conn:
            for a in range(APPS):
                await conn.execute(
                    sa.text(
                        "INSERT INTO applications (id, uid, name, metadata, created_at, "
                        f"updated_at) VALUES ('app_bench{a}', 'app_bench{a}', 'bench', '{{}}', "
                        f"{START_MS}, {START_MS})"
                    )
                )
        t0 = time.perf_counter()
        step = 1_000_000
        for first in range(0, n, step):
            async with db.write() as conn:
                await conn.execute(sa.text(_insert_attempts(backend, min(n, first + step), first)))
        inserted = time.perf_counter() - t0
        t1 = time.perf_counter()
        async with db.write() as conn:
            for statement in _build_counters():
                await conn.execute(sa.text(statement))
            count = sa.text("SELECT count(*) FROM attempt_stats")
            stat_rows = (await conn.execute(count)).scalar_one()
        async with db.write() as conn:
            await conn.execute(sa.text("ANALYZE"))
        built = time.perf_counter() - t1
        print(f"{backend}: {n} attempts inserted in {inserted:.0f} s; {stat_rows} counter rows")
        print(f"built in {built:.0f} s\n")
        print("| query (24 h, one application) | median | max |")
        print("| --- | ---: | ---: |")
        until = END_MS - DAY_MS // 2
        for period in Period:
            window = series_window(until - DAY_MS, until, period)
            times = []
            for _ in range(21):
                start = time.perf_counter()
                answer = await db.statistics.series("app_bench3", window)
                times.append(time.perf_counter() - start)
            total = sum(answer.success) + sum(answer.failure)
            print(
                f"| series, {period.api_name} ({window.points} points, {total} attempts) "
                f"| {statistics.median(times) * 1000:.1f} ms | {max(times) * 1000:.1f} ms |"
            )
        scan = sa.text(
            "SELECT status, count(*) FROM attempts WHERE app_id = 'app_bench3' "
            "AND created_at >= :a AND created_at < :b GROUP BY status"
        )
        scans = []
        async with db.read() as conn:
            for _ in range(3):
                start = time.perf_counter()
                await conn.execute(scan, {"a": until - DAY_MS, "b": until})
                scans.append(time.perf_counter() - start)
        print(
            f"| reference: the same 24 h counted by scanning attempts "
            f"| {statistics.median(scans) * 1000:.1f} ms | {max(scans) * 1000:.1f} ms |"
        )
    finally:
        await db.close()
        if pg_name:
            await postgres.drop_database(pg_name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--attempts", type=int, default=10_000_000)
    args = parser.parse_args()
    asyncio.run(run(args.backend, args.attempts))


if __name__ == "__main__":
    main()
