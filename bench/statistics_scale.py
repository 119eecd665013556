"""`python -m bench.statistics_scale [--backend sqlite|pg] [--attempts N] [--messages N]`:
the statistics series at scale.

Builds the data set with bench.dataset (10 applications × 10 endpoints, over the 30 days up
to now, one attempt in seven a failure), builds the counters with `hookline stats rebuild`'s
code (rebuild_statistics: what the workers' record batches would have written), then times
the 24-hour series of one application through the store (`Statistics.series`, every period)
and, as the reference measured in the same run, the same 24 hours counted by scanning the
attempt log. Prints the build times and one markdown table row per query.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench import dataset, postgres
from hookline.config import Settings
from hookline.stat_buckets import DAY_MS, Period, series_window
from hookline.stats_rebuild import rebuild_statistics
from hookline.store import Database, open_database

ROUNDS = 21


async def _timed_series(db: Database, app_id: str, now: int) -> list[str]:
    lines = []
    for period in Period:
        window = series_window(now - DAY_MS, now, period)
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            answer = await db.statistics.series(app_id, window)
            times.append(time.perf_counter() - start)
        total = sum(answer.success) + sum(answer.failure)
        lines.append(
            f"| series, {period.api_name} ({window.points} points, {total:,} attempts) "
            f"| {statistics.median(times) * 1000:.1f} ms | {max(times) * 1000:.1f} ms |"
        )
    scan = sa.text(
        "SELECT status, count(*) FROM attempts WHERE app_id = :app "
        "AND created_at >= :a AND created_at < :b GROUP BY status"
    )
    scans = []
    async with db.read() as conn:
        for _ in range(3):
            start = time.perf_counter()
            await conn.execute(scan, {"app": app_id, "a": now - DAY_MS, "b": now})
            scans.append(time.perf_counter() - start)
    lines.append(
        "| reference: the same 24 h counted by scanning attempts "
        f"| {statistics.median(scans) * 1000:.1f} ms | {max(scans) * 1000:.1f} ms |"
    )
    return lines


async def run(backend: str, attempts: int, messages: int, keep: Path | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="hookline-stats-"))
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite:///{keep or workdir / 'stats.db'}"
    else:
        pg_name = await postgres.create_database()
        url = postgres.database_url(pg_name)
    db = await open_database(url)
    try:
        ds = dataset.DataSet(messages=messages, attempts=attempts)
        steps = await dataset.build(db, ds)
        t = time.perf_counter()
        summary = await rebuild_statistics(db, Settings(), pause=0.0)
        await dataset.analyze(db)
        rebuilt = time.perf_counter() - t
        async with db.read() as conn:
            counters = (await conn.execute(sa.text("SELECT count(*) FROM attempt_stats"))).scalar()
            app_id = (await conn.execute(sa.text("SELECT min(id) FROM applications"))).scalar()
        built = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in steps.items())
        print(f"{backend}: {messages:,} messages, {attempts:,} attempts; built: {built}")
        print(
            f"counters rebuilt in {rebuilt:.0f} s ({summary.days} days, {summary.hours} hours, "
            f"{counters:,} counter rows)\n"
        )
        print("| query (24 h, one application) | median | max |")
        print("| --- | ---: | ---: |")
        for line in await _timed_series(db, str(app_id), int(time.time() * 1000)):
            print(line, flush=True)
    finally:
        await db.close()
        if pg_name:
            await postgres.drop_database(pg_name)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--attempts", type=int, default=10_000_000)
    parser.add_argument("--messages", type=int, default=0, help="default: attempts / 10")
    parser.add_argument("--keep", type=Path, help="SQLite: build the database at this path")
    args = parser.parse_args()
    messages = args.messages or max(1, args.attempts // 10)
    asyncio.run(run(args.backend, args.attempts, messages, args.keep))


if __name__ == "__main__":
    main()
