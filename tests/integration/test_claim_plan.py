"""The claim reads its due deliveries from indexes, on both stores: EXPLAIN of the claim's
statement (as `claim_due` runs it) shows the non-FIFO deliveries as an ordered range of
`ix_deliveries_due` (no sort of the backlog, no FIFO subquery per row) and the FIFO heads found
through `ix_deliveries_fifo_waiting`; no table is scanned. On PostgreSQL sequential scans are
priced out (`enable_seqscan = off`), so a scan in the plan means no index could serve."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from hookline import ids
from hookline.store import Database, open_database
from hookline.store.deliveries import LEASE, LEASE_WITH_JOBS, lease_params

NOW = 1_764_000_000_000
PLAIN_ENDPOINTS, FIFO_ENDPOINTS, PER_ENDPOINT = 20, 3, 100


@pytest.fixture
async def db(tmp_path: Path, database_url: str) -> AsyncIterator[Database]:
    store = await open_database(database_url or f"sqlite:///{tmp_path}/plans.db")
    try:
        await _seed(store)
        yield store
    finally:
        await store.close()


async def _seed(db: Database) -> None:
    """A backlog of due deliveries, most to plain endpoints and some to FIFO ones."""
    app, msg = ids.new_id(ids.APPLICATION, NOW), ids.new_id(ids.MESSAGE, NOW)
    endpoints = [(f"ep_{n:03d}", n < FIFO_ENDPOINTS) for n in range(PLAIN_ENDPOINTS + 3)]
    async with db.write() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO applications (id, name, created_at, updated_at, metadata) "
                "VALUES (:app, 'plans', :now, :now, '{}')"
            ),
            {"app": app, "now": NOW},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO endpoints (id, app_id, url, secret, description, disabled, headers, "
                "created_at, updated_at, metadata, fifo) VALUES (:ep, :app, "
                "'http://127.0.0.1:9/', 'x', '', false, '{}', :now, :now, '{}', :fifo)"
            ),
            [{"ep": ep, "app": app, "now": NOW, "fifo": fifo} for ep, fifo in endpoints],
        )
        await conn.execute(
            sa.text(
                "INSERT INTO messages (id, app_id, event_type, created_at) "
                "VALUES (:msg, :app, 'plans', :now)"
            ),
            {"msg": msg, "app": app, "now": NOW},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO deliveries (app_id, msg_id, endpoint_id, status, trigger, "
                "attempt_count, due_at, created_at, updated_at, fifo) VALUES (:app, :msg, :ep, "
                "1, 0, 0, :due, :now, :now, :fifo)"
            ),
            [
                {"app": app, "msg": msg, "ep": ep, "due": NOW - i, "now": NOW, "fifo": fifo}
                for i in range(PER_ENDPOINT)
                for ep, fifo in endpoints
            ],
        )
        await conn.execute(sa.text("ANALYZE"))


async def explain(db: Database, statement: sa.Executable, params: dict) -> list:
    """The plan of `statement` exactly as the store sends it: run once in a transaction that
    is rolled back, with its SQL and parameters captured on the way to the driver; then
    EXPLAIN QUERY PLAN (SQLite: rows of id, parent, detail) or EXPLAIN (PostgreSQL, with
    sequential scans priced out: lines)."""
    sent: list[tuple[str, object]] = []

    def capture(_conn, _cursor, sql, parameters, _context, _many):  # type: ignore[no-untyped-def]
        sent.append((sql, parameters))

    async with db._writer.connect() as conn:  # noqa: SLF001 - a test reading plans
        trans = await conn.begin()
        try:
            event.listen(conn.sync_connection, "before_cursor_execute", capture)
            await conn.execute(statement, params)
            event.remove(conn.sync_connection, "before_cursor_execute", capture)
            sql, parameters = sent[-1]
            if conn.dialect.name == "sqlite":
                rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
                return [(r[0], r[1], r[-1]) for r in rows]
            await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = await conn.exec_driver_sql(f"EXPLAIN {sql}", parameters)
            return [r[0] for r in rows]
        finally:
            await trans.rollback()


def descendants(plan: list[tuple[int, int, str]], detail: str) -> list[str]:
    """The details of the plan nodes under the (first) node whose detail is `detail`."""
    root = next(node for node, _parent, text in plan if text == detail)
    under, found = {root}, []
    for node, parent, text in plan:
        if parent in under:
            under.add(node)
            found.append(text)
    return found


@pytest.mark.parametrize("skip", [(), ("ep_005",)])
async def test_claim_reads_due_deliveries_from_indexes(db, skip):
    params = lease_params("plans", NOW, 64, 30_000, skip)
    if db.dialect == "sqlite":
        plan = await explain(db, LEASE.returning(sa.column("id")), params)
        lines = [text for _node, _parent, text in plan]
        scans = [
            line
            for line in lines
            if line.startswith("SCAN ")
            and line.split()[1] in ("deliveries", "waiting", "nxt", "head")
            and "USING" not in line
        ]
        assert scans == [], lines
        plain = descendants(plan, "CO-ROUTINE plain")
        # The non-FIFO deliveries: an index range in due order, nothing per row, no sort (an
        # empty skip list is a constant empty set, computed once).
        assert plain[0] == "SEARCH deliveries USING INDEX ix_deliveries_due (due_at<?)", lines
        assert not [p for p in plain if "TEMP B-TREE" in p or "CORRELATED" in p], lines
        heads = descendants(plan, "CO-ROUTINE heads")
        assert "SEARCH waiting USING INDEX ix_deliveries_fifo_waiting" in heads, lines
        assert any("nxt USING INDEX ix_deliveries_fifo_waiting (endpoint_id>?)" in h for h in heads)
        assert any("head USING COVERING INDEX ix_deliveries_fifo_head" in h for h in heads)
    else:
        lines = await explain(db, LEASE_WITH_JOBS, params)
        text = "\n".join(lines)
        assert "Seq Scan on deliveries" not in text, text
        assert "Bitmap Heap Scan on deliveries" not in text, text
        assert "Index Scan using ix_deliveries_due on deliveries" in text, text
        assert "ix_deliveries_fifo_waiting" in text, text
