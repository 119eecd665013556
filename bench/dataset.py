"""Large data sets built with set-based SQL, for the benchmarks that need a big store.

`build(db, DataSet(...))` writes applications, endpoints, N messages (one delivery each) and
M attempts spread evenly over a time span, in chunks of one INSERT … SELECT each (a
recursive CTE on SQLite, generate_series on PostgreSQL): no row goes through Python or the
API. `pending_deliveries` adds a queue of pending deliveries for the scrape benchmark.

Ids have Hookline's real shape and order: `prefix_` + 22 base62 characters whose value lies
in the creation millisecond's range (ids.lowest_id), so "created between" stays a primary-key
range as it is for real data (retention, the counters' rebuild, list pagination). The value
is ((floor(ms * 2**80 / 62**12) + 2) * 62**12 + n): the high ten digits come from the time
(the float error of the product is far below one), the low twelve are the row number n.

Shape: message m goes to endpoint (m // apps) % endpoints_per_app of application m % apps;
attempt j belongs to message j * messages // attempts and is made at start + j * span /
attempts (never before its message); one attempt in `failure_every` fails (HTTP 500); its
duration is (j * 37) % 2000 ms.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from hookline import ids
from hookline.store import Database

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_LOW = 62**12
_RATIO = 2**80 / _LOW  # ms -> the id value's high part, in units of 62**12
CHUNK = 500_000  # rows per INSERT … SELECT
_PAYLOAD_SQLITE = """CAST('{"n": 1}' AS BLOB)"""
_PAYLOAD_PG = """'{"n": 1}'::bytea"""


@dataclass(frozen=True)
class DataSet:
    messages: int
    attempts: int
    apps: int = 10
    endpoints_per_app: int = 10
    span_ms: int = 30 * 24 * 3600 * 1000
    end_ms: int = 0  # 0: now
    failure_every: int = 7

    @property
    def endpoints(self) -> int:
        return self.apps * self.endpoints_per_app

    def end(self) -> int:
        return self.end_ms or int(time.time() * 1000)


def _digits(dialect: str, value: str, count: int) -> str:
    """SQL for the `count` low base62 digits of the integer expression `value`."""
    parts = []
    for k in reversed(range(count)):
        index = f"(({value}) / {62**k}) % 62 + 1"
        if dialect != "sqlite":
            index = f"({index})::int"
        parts.append(f"substr('{ALPHABET}', {index}, 1)")
    return " || ".join(parts)


def id_sql(dialect: str, prefix: str, ms: str, n: str) -> str:
    """SQL for an id of `prefix` created at the ms expression `ms`, unique by row number `n`
    (< 62**6)."""
    if dialect == "sqlite":
        high = f"(CAST(({ms}) * {_RATIO!r} AS INTEGER) + 2)"
    else:
        high = f"(floor(({ms})::float8 * {_RATIO!r})::bigint + 2)"
    return f"'{prefix}_' || {_digits(dialect, high, 10)} || '000000' || {_digits(dialect, n, 6)}"


def _numbers(dialect: str, first: int, last: int) -> str:
    """Rows i = first … last."""
    if dialect == "sqlite":
        return (
            f"WITH RECURSIVE g(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM g "
            f"WHERE i < {last}) SELECT i FROM g"
        )
    return f"SELECT i FROM generate_series({first}::bigint, {last}::bigint) AS i"


async def _endpoints(db: Database, ds: DataSet, start_ms: int) -> None:
    """Applications and endpoints with real ids, and `bench_endpoints` mapping an endpoint's
    number (app number * endpoints_per_app + its number) to both ids."""
    async with db.write() as conn:
        await conn.execute(sa.text("DROP TABLE IF EXISTS bench_endpoints"))
        await conn.execute(
            sa.text(
                "CREATE TABLE bench_endpoints (n INTEGER PRIMARY KEY, app_id VARCHAR(40), "
                "endpoint_id VARCHAR(40))"
            )
        )
        for app in range(ds.apps):
            app_id = ids.new_id(ids.APPLICATION, start_ms)
            await conn.execute(
                sa.text(
                    "INSERT INTO applications (id, uid, name, metadata, created_at, updated_at) "
                    "VALUES (:id, :uid, :name, '{}', :t, :t)"
                ),
                {"id": app_id, "uid": f"bench-{app}", "name": f"Bench {app}", "t": start_ms},
            )
            for number in range(ds.endpoints_per_app):
                ep_id = ids.new_id(ids.ENDPOINT, start_ms)
                await conn.execute(
                    sa.text(
                        "INSERT INTO endpoints (id, app_id, url, description, disabled, secret, "
                        "metadata, headers, created_at, updated_at) VALUES (:id, :app, "
                        "'http://127.0.0.1:9/hook', '', false, 'x', '{}', '{}', :t, :t)"
                    ),
                    {"id": ep_id, "app": app_id, "t": start_ms},
                )
                await conn.execute(
                    sa.text("INSERT INTO bench_endpoints VALUES (:n, :app, :ep)"),
                    {"n": app * ds.endpoints_per_app + number, "app": app_id, "ep": ep_id},
                )


def _message_endpoint(ds: DataSet, m: str) -> str:
    per_app = ds.endpoints_per_app
    return f"(({m}) % {ds.apps}) * {per_app} + (({m}) / {ds.apps}) % {per_app}"


def _insert_messages(dialect: str, ds: DataSet, start_ms: int, first: int, last: int) -> str:
    at = f"({start_ms} + i * {ds.span_ms} / {ds.messages})"
    return f"""
        INSERT INTO messages (id, app_id, event_type, payload, created_at)
        SELECT {id_sql(dialect, "msg", at, "i")}, e.app_id, 'bench.event',
            {_PAYLOAD_SQLITE if dialect == "sqlite" else _PAYLOAD_PG},
            {at}
        FROM ({_numbers(dialect, first, last)}) AS g
        JOIN bench_endpoints e ON e.n = {_message_endpoint(ds, "i")}
    """


def _insert_deliveries(dialect: str, ds: DataSet, start_ms: int, first: int, last: int) -> str:
    at = f"({start_ms} + i * {ds.span_ms} / {ds.messages})"
    per_message = -(-ds.attempts // ds.messages)
    return f"""
        INSERT INTO deliveries (id, app_id, msg_id, endpoint_id, status, trigger, attempt_count,
            due_at, created_at, updated_at, fifo)
        SELECT i + 1, e.app_id, {id_sql(dialect, "msg", at, "i")}, e.endpoint_id, 0, 0,
            {per_message}, NULL, {at}, {at}, false
        FROM ({_numbers(dialect, first, last)}) AS g
        JOIN bench_endpoints e ON e.n = {_message_endpoint(ds, "i")}
    """


def _insert_attempts(dialect: str, ds: DataSet, start_ms: int, first: int, last: int) -> str:
    m = f"(i * {ds.messages} / {ds.attempts})"
    msg_at = f"({start_ms} + {m} * {ds.span_ms} / {ds.messages})"
    at = f"({start_ms} + i * {ds.span_ms} / {ds.attempts})"
    failed = f"i % {ds.failure_every} = 0"
    return f"""
        INSERT INTO attempts (id, app_id, msg_id, endpoint_id, delivery_id, url, status, trigger,
            response_status_code, response, response_duration_ms, failure_kind, created_at)
        SELECT {id_sql(dialect, "atmpt", at, "i")}, e.app_id, {id_sql(dialect, "msg", msg_at, m)},
            e.endpoint_id, {m} + 1, 'http://127.0.0.1:9/hook', CASE WHEN {failed} THEN 2 ELSE 0 END,
            0, CASE WHEN {failed} THEN 500 ELSE 200 END, '', (i * 37) % 2000,
            CASE WHEN {failed} THEN 'http_status' END, {at}
        FROM ({_numbers(dialect, first, last)}) AS g
        JOIN bench_endpoints e ON e.n = {_message_endpoint(ds, m)}
    """


async def _chunks(db: Database, total: int, statement) -> None:  # type: ignore[no-untyped-def]
    for first in range(0, total, CHUNK):
        last = min(total, first + CHUNK) - 1
        async with db.write(durable=False) as conn:
            await conn.execute(sa.text(statement(first, last)))


async def build(db: Database, ds: DataSet) -> dict[str, float]:
    """Write the data set into a migrated, empty database; returns seconds per step."""
    end = ds.end()
    start = end - ds.span_ms
    times: dict[str, float] = {}
    t = time.perf_counter()
    await _endpoints(db, ds, start)
    d = db.dialect
    for name, total, sql in (
        ("messages", ds.messages, _insert_messages),
        ("deliveries", ds.messages, _insert_deliveries),
        ("attempts", ds.attempts, _insert_attempts),
    ):
        await _chunks(db, total, lambda a, b, sql=sql: sql(d, ds, start, a, b))
        times[name] = time.perf_counter() - t
        t = time.perf_counter()
    async with db.write() as conn:
        await conn.execute(sa.text("DROP TABLE bench_endpoints"))
        # A sample of ids must decode to their row's time, as real ids do.
        rows = (await conn.execute(sa.text("SELECT id, created_at FROM attempts LIMIT 100"))).all()
        assert all(ids.created_ms(r[0]) == r[1] for r in rows), rows[:3]
        assert all(ids.looks_like_id(r[0]) for r in rows), rows[:3]
    await analyze(db)
    times["analyze"] = time.perf_counter() - t
    return times


async def analyze(db: Database) -> None:
    """Fresh planner statistics (and, on PostgreSQL, the visibility map for index-only
    scans: VACUUM cannot run inside a transaction, hence autocommit)."""
    if db.dialect == "sqlite":
        async with db.write() as conn:
            await conn.execute(sa.text("ANALYZE"))
        return
    async with db._writer.connect() as conn:  # noqa: SLF001 - a benchmark's maintenance
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(sa.text("VACUUM ANALYZE"))


async def pending_deliveries(db: Database, count: int) -> None:
    """`count` pending deliveries of one message to one endpoint: half due now (oldest a
    `count` ms ago), half due in an hour."""
    now = int(time.time() * 1000)
    app, ep, msg = (ids.new_id(p, now) for p in (ids.APPLICATION, ids.ENDPOINT, ids.MESSAGE))
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
                "headers, created_at, updated_at, metadata) VALUES (:ep, :app, "
                "'http://127.0.0.1:9/', 'x', '', false, '{}', :now, :now, '{}')"
            ),
            {"ep": ep, "app": app, "now": now},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO messages (id, app_id, event_type, created_at) "
                "VALUES (:msg, :app, 'bench', :now)"
            ),
            {"msg": msg, "app": app, "now": now},
        )
    for first in range(1, count + 1, CHUNK):
        last = min(count, first + CHUNK - 1)
        async with db.write(durable=False) as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO deliveries (app_id, msg_id, endpoint_id, status, trigger, "
                    "attempt_count, due_at, created_at, updated_at, fifo) "
                    f"SELECT '{app}', '{msg}', '{ep}', 1, 0, 0, "
                    f"CASE WHEN i % 2 = 0 THEN {now} - i ELSE {now} + 3600000 END, "
                    f"{now}, {now}, false FROM ({_numbers(db.dialect, first, last)}) AS g"
                )
            )
    await analyze(db)
