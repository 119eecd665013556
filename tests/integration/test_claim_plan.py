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

from hookline import ids
from hookline.store import Database, open_database
from hookline.store.deliveries import lease, lease_with_jobs

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


async def sqlite_plan(db: Database, statement: sa.Executable) -> list[tuple[int, int, str]]:
    async with db.read() as conn:
        sql = statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
        return [(r[0], r[1], r[-1]) for r in rows]


async def postgres_plan(db: Database, statement: sa.Executable) -> list[str]:
    """EXPLAIN (not ANALYZE: nothing is claimed) with the statement's bound parameters."""
    async with db.read() as conn:
        compiled = statement.compile(
            dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
        )
        values = compiled.construct_params()
        processors = compiled._bind_processors
        ordered = tuple(
            processors[name](values[name]) if name in processors else values[name]
            for name in compiled.positiontup or ()
        )
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = await conn.exec_driver_sql(f"EXPLAIN {compiled}", ordered)
        return [r[0] for r in rows]


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
    leasing = lease("plans", NOW, 64, 30_000, skip)
    if db.dialect == "sqlite":
        plan = await sqlite_plan(db, leasing.returning(sa.column("id")))
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
        # The non-FIFO deliveries: an index range in due order, nothing per row, no sort.
        assert plain == ["SEARCH deliveries USING INDEX ix_deliveries_due (due_at<?)"], lines
        heads = descendants(plan, "CO-ROUTINE heads")
        assert "SEARCH waiting USING INDEX ix_deliveries_fifo_waiting" in heads, lines
        assert any("nxt USING INDEX ix_deliveries_fifo_waiting (endpoint_id>?)" in h for h in heads)
        assert any("head USING COVERING INDEX ix_deliveries_fifo_head" in h for h in heads)
    else:
        lines = await postgres_plan(db, lease_with_jobs(leasing))
        text = "\n".join(lines)
        assert "Seq Scan on deliveries" not in text, text
        assert "Bitmap Heap Scan on deliveries" not in text, text
        assert "Index Scan using ix_deliveries_due on deliveries" in text, text
        assert "ix_deliveries_fifo_waiting" in text, text
