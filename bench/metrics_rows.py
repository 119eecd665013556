"""The cost of observability: one scrape with a large pending backlog (the queue gauges read
in the background, and that reading itself), and backlog drain with metrics on against
metrics off, in alternating rounds."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from bench import dataset, hookline_rows, postgres
from bench.context import RunContext
from bench.report import AtMost, Line

SCRAPE_PENDING = 1_000_000
QUICK_SCRAPE_PENDING = 100_000
SCRAPES = 5
SCRAPE_TARGET_MS = 100.0
COST_ROUNDS = 5
QUICK_COST_ROUNDS = 2


async def scrape_figures(url: str, count: int) -> tuple[float, float]:
    """(a scrape served while the gauge loop runs, one reading of the gauges from the store):
    medians in ms over SCRAPES, with `count` pending deliveries."""
    from hookline.observability.exporter import Exporter
    from hookline.observability.metrics import Metrics
    from hookline.store import open_database
    from hookline.store.queue_gauges import read_queue_counts

    db = await open_database(url)
    try:
        await dataset.pending_deliveries(db, count)
        reads = []
        for _ in range(SCRAPES):
            started = time.perf_counter()
            counts = await read_queue_counts(db)
            reads.append((time.perf_counter() - started) * 1000)
        assert counts.due == count // 2, counts
        exporter = Exporter(db, Metrics())
        stop = asyncio.Event()
        loop = asyncio.create_task(exporter.refresh_gauges(stop))
        try:
            await exporter.render()  # the first scrape reads; the loop keeps it fresh after
            scrapes = []
            for _ in range(SCRAPES):
                await asyncio.sleep(0.2)
                started = time.perf_counter()
                text = await exporter.render()
                scrapes.append((time.perf_counter() - started) * 1000)
        finally:
            stop.set()
            await loop
        assert f"hookline_deliveries_due {count // 2}.0".encode() in text, text
        return statistics.median(scrapes), statistics.median(reads)
    finally:
        await db.close()


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def scrape(ctx: RunContext) -> list[Line]:
    count = QUICK_SCRAPE_PENDING if ctx.sizes.messages < 20_000 else SCRAPE_PENDING
    lines = []
    tmp = Path(ctx.log_dir) / f"scrape-{time.time_ns()}.db"
    try:
        ms, read = await scrape_figures(f"sqlite:///{tmp}", count)
        lines.append(
            Line(
                "sqlite-scrape",
                f"SQLite: one /metrics scrape, {count:,} pending",
                ms,
                unit="ms",
                notes=[f"the gauges' background reading: {read:.1f} ms"],
                target=AtMost(SCRAPE_TARGET_MS),
            )
        )
    finally:
        _remove_sqlite_files(tmp)
    name = await postgres.create_database()
    try:
        ms, read = await scrape_figures(postgres.database_url(name), count)
        lines.append(
            Line(
                "pg-scrape",
                f"PostgreSQL: one /metrics scrape, {count:,} pending",
                ms,
                unit="ms",
                notes=[f"the gauges' background reading: {read:.1f} ms"],
                target=AtMost(SCRAPE_TARGET_MS),
            )
        )
    finally:
        await postgres.drop_database(name)
    return lines


async def metrics_cost(ctx: RunContext) -> list[Line]:
    """Backlog drain (SQLite, 1 worker) with HOOKLINE_METRICS_ENABLED off, then on, in
    alternating rounds (so that a change in the machine's load hits both alike)."""
    rounds = QUICK_COST_ROUNDS if ctx.sizes.messages < 20_000 else COST_ROUNDS
    off: list[float] = []
    on: list[float] = []
    for _ in range(rounds):
        for enabled, rates in (("false", off), ("true", on)):
            env = {"HOOKLINE_METRICS_ENABLED": enabled}
            line = (await hookline_rows.backlog(ctx, "sqlite", env=env))[0]
            assert line.value, line
            rates.append(line.value)
    ratios = sorted(b / a for a, b in zip(off, on, strict=True))
    ratio = statistics.median(on) / statistics.median(off)
    return [
        Line(
            "metrics-cost",
            f"SQLite: backlog drain, metrics on (median of {rounds} rounds)",
            statistics.median(on),
            notes=[
                f"metrics off: median {statistics.median(off):,.0f} deliveries/s "
                f"(rounds {', '.join(f'{v:,.0f}' for v in off)}); on: "
                f"{', '.join(f'{v:,.0f}' for v in on)}",
                f"on/off of the medians {ratio:.3f}; per round {ratios[0]:.3f}–{ratios[-1]:.3f}",
            ],
        )
    ]
