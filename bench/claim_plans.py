"""`python -m bench.claim_plans [sqlite|postgresql ...] [--pending N]`: the claim's query plans
and timings at a large backlog.

A store with 10,000 endpoints (10 of them FIFO) and N pending deliveries (default 1,000,000),
all due, written set-wise (no API). Then `claim_due` of 64 runs a few times (each batch
given back), the statements it ran are captured, and each is shown with its plan: EXPLAIN
QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL (inside a transaction that
is rolled back). Prints the median time of one claim too. Also a record batch of 64.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy import event

from hookline import ids
from hookline.config import load_settings
from hookline.secret_key import open_secret_box
from hookline.store import open_database
from hookline.types import AttemptRecord, HealthPolicy, Outcome

ENDPOINTS = 10_000
FIFO_ENDPOINTS = 10
BATCH = 64
ROUNDS = 50
CHUNK = 100_000  # rows per INSERT … SELECT (a statement within the driver's timeout)
PROFILE = bool(os.environ.get("CLAIM_PLANS_PROFILE"))
POLICY = HealthPolicy(
    breaker_threshold=5,
    breaker_cooldown_ms=5_000,
    breaker_max_cooldown_ms=600_000,
    disable_after_ms=5 * 24 * 3600 * 1000,
    drain_per_second=100.0,
)
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


async def _fresh_postgres() -> str:
    name = f"hookline_claim_plans_{int(time.time())}"
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name}")
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def _numbers(dialect: str, first: int, count: int) -> str:
    last = first + count - 1
    if dialect == "sqlite":
        return (
            f"WITH RECURSIVE g(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM g "
            f"WHERE i < {last}) SELECT i FROM g"
        )
    return f"SELECT i FROM generate_series({first}::bigint, {last}::bigint) AS i"


async def _seed(db: Any, pending: int) -> None:
    now = db.clock.now_ms()
    app = ids.new_id(ids.APPLICATION, now)
    msg = ids.new_id(ids.MESSAGE, now)
    async with db.write() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO applications (id, name, created_at, updated_at, metadata) "
                "VALUES (:app, 'bench', :now, :now, '{}')"
            ),
            {"app": app, "now": now},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO endpoints (id, app_id, url, secret, description, disabled, "
                "headers, created_at, updated_at, metadata, fifo) VALUES (:ep, :app, "
                "'http://127.0.0.1:9/', 'x', '', false, '{}', :now, :now, '{}', :fifo)"
            ),
            [
                {"ep": f"ep_{n:05d}", "app": app, "now": now, "fifo": n < FIFO_ENDPOINTS}
                for n in range(ENDPOINTS)
            ],
        )
        await conn.execute(
            sa.text(
                "INSERT INTO messages (id, app_id, event_type, payload, created_at) "
                "VALUES (:msg, :app, 'bench', :payload, :now)"
            ),
            {"msg": msg, "app": app, "now": now, "payload": b'{"n": 1}'},
        )
    sqlite_pad, pg_pad = "printf('%05d', i % 10000)", "lpad((i % 10000)::text, 5, '0')"
    pad = sqlite_pad if db.dialect == "sqlite" else pg_pad
    for first in range(0, pending, CHUNK):
        count = min(CHUNK, pending - first)
        async with db.write(durable=False) as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO deliveries (app_id, msg_id, endpoint_id, status, trigger, "
                    "attempt_count, due_at, created_at, updated_at, fifo) "
                    f"SELECT '{app}', '{msg}', 'ep_' || {pad}, 1, 0, 0, {now} - {pending} + i, "
                    f"{now}, {now}, (i % 10000) < {FIFO_ENDPOINTS} "
                    f"FROM ({_numbers(db.dialect, first, count)}) AS g"
                )
            )
    if db.dialect == "sqlite":
        async with db.write() as conn:
            await conn.execute(sa.text("ANALYZE"))
    else:
        async with db._writer.connect() as conn:  # noqa: SLF001 - a benchmark's maintenance
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(sa.text("VACUUM ANALYZE"))


async def measure(store: str, data_dir: Path, pending: int, plans: bool) -> None:
    url = f"sqlite:///{data_dir}/plans.db" if store == "sqlite" else await _fresh_postgres()
    settings = load_settings({"HOOKLINE_DATA_DIR": str(data_dir)})
    box, _ = open_secret_box(settings)
    db = await open_database(url, pooler="none")
    try:
        started = time.perf_counter()
        await _seed(db, pending)
        print(f"{store}: seeded {pending:,} pending in {time.perf_counter() - started:.1f} s")
    finally:
        await db.close()
    db = await open_database(url, secret_box=box, pooler="none")  # seals the secrets
    try:
        captured: list[tuple[str, Any]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
            captured.append((statement, parameters))

        timings = []
        jobs = []
        for n in range(ROUNDS):
            if n == ROUNDS - 1:
                event.listen(db._writer.sync_engine, "before_cursor_execute", capture)  # noqa: SLF001
            t = time.perf_counter()
            jobs = await db.deliveries.claim_due("bench", BATCH, 30_000)
            timings.append(time.perf_counter() - t)
            if n == ROUNDS - 1:
                event.remove(db._writer.sync_engine, "before_cursor_execute", capture)  # noqa: SLF001
            else:
                await db.deliveries.release("bench", [j.delivery_id for j in jobs])
        fifo_jobs = sum(1 for j in jobs if int(j.endpoint_id[3:]) < FIFO_ENDPOINTS)
        print(
            f"{store}: claim_due of {BATCH}: p50 {statistics.median(timings) * 1000:.2f} ms, "
            f"max {max(timings) * 1000:.2f} ms ({ROUNDS} rounds); last claim: {len(jobs)} jobs, "
            f"{fifo_jobs} of FIFO endpoints"
        )
        record_timings = []
        spent: list[tuple[str, float]] = []
        started_at: list[float] = []

        def before(*_args):  # type: ignore[no-untyped-def]
            started_at.append(time.perf_counter())

        def after(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            spent.append((" ".join(statement.split())[:90], time.perf_counter() - started_at[-1]))

        for n in range(ROUNDS // 5):
            if n:
                jobs = await db.deliveries.claim_due("bench", BATCH, 30_000)
            now = db.clock.now_ms()
            records = [
                AttemptRecord(
                    job=j,
                    attempt_id=ids.new_id(ids.ATTEMPT, now),
                    started_at_ms=now,
                    outcome=Outcome(
                        succeeded=True, status_code=200, response_body="", duration_ms=1
                    ),
                    next_attempt_at_ms=None,
                )
                for j in jobs
            ]
            last = n == ROUNDS // 5 - 1
            if last:
                event.listen(db._writer.sync_engine, "before_cursor_execute", before)  # noqa: SLF001
                event.listen(db._writer.sync_engine, "after_cursor_execute", after)  # noqa: SLF001
            t = time.perf_counter()
            if last and PROFILE:
                import cProfile

                prof = cProfile.Profile()
                prof.enable()
            await db.deliveries.record("bench", records, POLICY)
            if last and PROFILE:
                prof.disable()
                prof.print_stats("cumulative")
            record_timings.append(time.perf_counter() - t)
            if last:
                event.remove(db._writer.sync_engine, "before_cursor_execute", before)  # noqa: SLF001
                event.remove(db._writer.sync_engine, "after_cursor_execute", after)  # noqa: SLF001
        print(
            f"{store}: record of {BATCH}: p50 {statistics.median(record_timings) * 1000:.2f} ms, "
            f"first {record_timings[0] * 1000:.2f} ms ({len(record_timings)} rounds); last one:"
        )
        for text, seconds in spent:
            print(f"   {seconds * 1000:7.2f} ms  {text}")
        if plans:
            await _explain(db, captured)
    finally:
        await db.close()


async def _explain(db: Any, captured: list[tuple[str, Any]]) -> None:
    for statement, parameters in captured:
        if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "WITH")):
            continue
        print("\n--", " ".join(statement.split())[:400])
        async with db._writer.connect() as conn:  # noqa: SLF001
            trans = await conn.begin()
            try:
                prefix = (
                    "EXPLAIN QUERY PLAN "
                    if db.dialect == "sqlite"
                    else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
                )
                rows = await conn.exec_driver_sql(prefix + statement, parameters)
                for row in rows:
                    print("  ", row[-1])
            finally:
                await trans.rollback()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stores", nargs="*", default=["sqlite", "postgresql"])
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--no-plans", action="store_true")
    args = parser.parse_args()
    for store in args.stores:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(measure(store, Path(tmp), args.pending, not args.no_plans))


if __name__ == "__main__":
    main()
