"""Every filter of the attempt lists is answered from an index, on both stores: the planner's
EXPLAIN of each listing's page query (as the store runs it) reads `attempts`, `messages` and
`message_tags` through indexes only, never by scanning a table. On PostgreSQL sequential scans
are priced out (`enable_seqscan = off`), so a scan in the plan means no index could serve."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hookline import ids
from hookline.store import Database, open_database
from hookline.store.attempts import AttemptFilter, endpoint_attempts, message_attempts
from hookline.store.pagination import page_query
from hookline.store.schema import attempts

APP, EP, MSG = ids.new_id(ids.APPLICATION), ids.new_id(ids.ENDPOINT), ids.new_id(ids.MESSAGE)
T = 1_764_000_000_000
FILTERS = {
    "none": AttemptFilter(),
    "status": AttemptFilter(status=2),
    "status_code_class": AttemptFilter(status_code_class=500),
    "no_response": AttemptFilter(status_code_class=0),
    "before": AttemptFilter(before_ms=T),
    "after": AttemptFilter(after_ms=T),
    "event_types": AttemptFilter(event_types=["a.b", "c.d"]),
    "channel": AttemptFilter(channel="eu"),
    "tag": AttemptFilter(tag="vip"),
    "with_msg": AttemptFilter(with_msg=True),
    "all": AttemptFilter(
        status=0,
        status_code_class=200,
        before_ms=T + 1000,
        after_ms=T,
        event_types=["a.b"],
        channel="eu",
        tag="vip",
        with_msg=True,
    ),
}


@pytest.fixture
async def db(tmp_path: Path, database_url: str) -> AsyncIterator[Database]:
    store = await open_database(database_url or f"sqlite:///{tmp_path}/plans.db")
    try:
        yield store
    finally:
        await store.close()


async def plan(db: Database, query: sa.Select) -> list[str]:
    """The plan of `query` as the store would run it: its own SQL, with its parameters."""
    async with db.read() as conn:
        if conn.dialect.name == "sqlite":
            sql = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            return [r[-1] for r in rows]
        # PostgreSQL: bound parameters (a JSONB value has no literal form), as the driver gets
        # them, in their order.
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        values = compiled.construct_params()
        processors = compiled._bind_processors
        ordered = tuple(
            processors[name](values[name]) if name in processors else values[name]
            for name in compiled.positiontup or ()
        )
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = await conn.exec_driver_sql(f"EXPLAIN {compiled}", ordered)
        return [r[0] for r in rows]


def table_scans(lines: list[str]) -> list[str]:
    """Plan lines that read a table without an index (SQLite's `json_each` over one message's
    channels is a virtual table, not a table scan)."""
    return [
        line
        for line in lines
        if "Seq Scan" in line
        or (line.lstrip().startswith("SCAN ") and "USING" not in line and "VIRTUAL" not in line)
    ]


async def test_every_attempt_filter_is_answered_from_indexes(db):
    """Both listings, each filter alone and all together, each page direction (one store
    per test: opening one is most of the cost)."""
    scans = {}
    for name, f in sorted(FILTERS.items()):
        by_endpoint = endpoint_attempts(db.dialect, APP, EP, f)
        by_message = message_attempts(db.dialect, APP, MSG, f, endpoint_id=EP)
        for iterator in (None, ids.new_id(ids.ATTEMPT), "~" + ids.new_id(ids.ATTEMPT)):
            for listing, query in (("endpoint", by_endpoint), ("message", by_message)):
                lines = await plan(db, page_query(query, attempts.c.id, 50, iterator, True))
                assert lines
                if table_scans(lines):
                    scans[(listing, name, iterator)] = lines
    assert scans == {}
