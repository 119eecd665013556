"""The cost of observability: one scrape with a large pending backlog (gauges read from the
store), and backlog drain with metrics on against metrics off."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import sqlalchemy as sa

from bench import hookline_rows, postgres
from bench.context import RunContext
from bench.report import Line

SCRAPE_PENDING = 1_000_000
QUICK_SCRAPE_PENDING = 100_000
SCRAPES = 5


async def _bulk_pending(db, count: int) -> None:  # type: ignore[no-untyped-def]
    """`count` pending deliveries, half due now and half due in an hour, inserted in SQL."""
    now = int(time.time() * 1000)
    series = (
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
        "SELECT i FROM s"
        if db.dialect == "sqlite"
        else "SELECT generate_series(1, :n) AS i"
    )
    async with db.write() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO applications (id, name, created_at, updated_at, metadata) "
                "VALUES ('app_bench', 'bench', :now, :now, '{}')"
            ),
            {"now": now},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO endpoints (id, app_id, url, secret, description, disabled, "
                "headers, created_at, updated_at, metadata) VALUES ('ep_bench', 'app_bench', "
                "'http://127.0.0.1:1/', 'x', '', false, '{}', :now, :now, '{}')"
            ),
            {"now": now},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO messages (id, app_id, event_type, created_at) "
                "VALUES ('msg_bench', 'app_bench', 'bench', :now)"
            ),
            {"now": now},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO deliveries (app_id, msg_id, endpoint_id, status, trigger, "
                "attempt_count, due_at, created_at, updated_at, fifo) "
                f"SELECT 'app_bench', 'msg_bench', 'ep_bench', 1, 0, 0, "
                f"CASE WHEN i % 2 = 0 THEN {now} - i ELSE {now} + 3600000 END, {now}, {now}, false "
                f"FROM ({series}) AS g"
            ),
            {"n": count},
        )
        if db.dialect != "sqlite":
            await conn.execute(sa.text("ANALYZE deliveries"))


async def _scrape_ms(url: str, count: int) -> float:
    from hookline.observability.exporter import Exporter
    from hookline.observability.metrics import Metrics
    from hookline.store import open_database

    db = await open_database(url)
    try:
        await _bulk_pending(db, count)
        if db.dialect != "sqlite":
            async with db.write() as conn:  # VACUUM cannot run in a transaction: visibility map
                await conn.execute(sa.text("ANALYZE"))
        exporter = Exporter(db, Metrics(), cache_seconds=0)
        await exporter.render()  # warm the cache of pages
        times = []
        for _ in range(SCRAPES):
            started = time.perf_counter()
            text = await exporter.render()
            times.append((time.perf_counter() - started) * 1000)
        assert f"hookline_deliveries_due {count // 2}.0".encode() in text, text
        return statistics.median(times)
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
        ms = await _scrape_ms(f"sqlite:///{tmp}", count)
        lines.append(
            Line("sqlite-scrape", f"SQLite: one /metrics scrape, {count:,} pending", ms, unit="ms")
        )
    finally:
        _remove_sqlite_files(tmp)
    name = await postgres.create_database()
    try:
        ms = await _scrape_ms(postgres.database_url(name), count)
        lines.append(
            Line("pg-scrape", f"PostgreSQL: one /metrics scrape, {count:,} pending", ms, unit="ms")
        )
    finally:
        await postgres.drop_database(name)
    return lines


async def metrics_cost(ctx: RunContext) -> list[Line]:
    """Backlog drain (SQLite, 1 worker) with HOOKLINE_METRICS_ENABLED off, then on."""
    off = (await hookline_rows.backlog(ctx, "sqlite", env={"HOOKLINE_METRICS_ENABLED": "false"}))[0]
    on = (await hookline_rows.backlog(ctx, "sqlite", env={"HOOKLINE_METRICS_ENABLED": "true"}))[0]
    assert off.value and on.value
    ratio = on.value / off.value
    return [
        Line(
            "metrics-cost",
            "SQLite: backlog drain, metrics on",
            on.value,
            notes=[f"metrics off: {off.value:,.0f} deliveries/s; on/off = {ratio:.3f}"],
        )
    ]
