"""The claim query with its relay filter (`hookline listen`), on both stores: relay endpoints
held by another live worker are left alone, and the query still reads `deliveries` through
its due index and `endpoints` through indexes only (its plan, as the store runs it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hookline import ids, signing
from hookline.secrets_at_rest import SecretBox
from hookline.store import Database, open_database
from hookline.store.schema import deliveries, messages
from hookline.types import DeliveryStatus

KEY = "hl-test-secret-key-0123456789abcdefghij"


@pytest.fixture
async def db(tmp_path: Path, database_url: str) -> AsyncIterator[Database]:
    store = await open_database(
        database_url or f"sqlite:///{tmp_path}/claims.db", secret_box=SecretBox(KEY)
    )
    try:
        yield store
    finally:
        await store.close()


async def _queue(db: Database, app_id: str, endpoint_id: str, msg_id: str) -> None:
    now = db.clock.now_ms()
    async with db.write() as conn:
        await conn.execute(
            deliveries.insert().values(
                app_id=app_id,
                msg_id=msg_id,
                endpoint_id=endpoint_id,
                status=DeliveryStatus.PENDING,
                trigger=0,
                attempt_count=0,
                due_at=now - 1,
                lease_owner=None,
                created_at=now,
                updated_at=now,
            )
        )


async def _message(db: Database, app_id: str) -> str:
    msg_id = ids.new_id(ids.MESSAGE)
    async with db.write() as conn:
        await conn.execute(
            messages.insert().values(
                id=msg_id,
                app_id=app_id,
                event_type="a.b",
                payload=b'{"k":1}',
                created_at=db.clock.now_ms(),
            )
        )
    return msg_id


async def test_a_relay_held_by_another_live_worker_is_not_claimed(db):
    app, _ = await db.applications.create({"name": "Relays"})
    secret = signing.generate_secret()
    now = db.clock.now_ms()
    held, _, _ = await db.relay_endpoints.attach(
        app.id, "held", None, "worker-b", now + 60_000, secret
    )
    free, _, _ = await db.relay_endpoints.attach(app.id, "free", None, "worker-b", now - 1, secret)
    mine, _, _ = await db.relay_endpoints.attach(
        app.id, "mine", None, "worker-a", now + 60_000, secret
    )
    msg_id = await _message(db, app.id)
    for endpoint in (held, free, mine):
        await _queue(db, app.id, endpoint.id, msg_id)

    jobs = await db.deliveries.claim_due("worker-a", 10, 30_000)
    assert {j.endpoint_id for j in jobs} == {free.id, mine.id}
    assert all(j.relay and j.event_type == "a.b" for j in jobs)
    # The owner claims its own.
    assert [j.endpoint_id for j in await db.deliveries.claim_due("worker-b", 10, 30_000)] == [
        held.id
    ]


async def test_the_claim_reads_deliveries_and_endpoints_through_indexes(db):
    statements: list[tuple[str, Any]] = []
    engine = db._writer.sync_engine

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        # The lease: an UPDATE of deliveries, after the claim's WITH clauses if any.
        if "UPDATE DELIVERIES" in statement.upper():
            statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        await db.deliveries.claim_due("worker-a", 10, 30_000, skip_endpoints=("ep_x",))
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    (statement, parameters), *_ = statements
    async with db.write() as conn:
        if conn.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            lines = [str(r[-1]) for r in rows]
        else:
            await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            lines = [str(r[0]) for r in rows]
    plan = "\n".join(lines)
    scans = [
        line
        for line in lines
        # A table read whole (the claim's subqueries and CTEs are scanned as results; only
        # tables count).
        if "Seq Scan" in line
        or (
            line.lstrip().startswith("SCAN ")
            and line.split()[1] in ("deliveries", "endpoints", "waiting", "nxt", "head")
            and "USING" not in line
        )
    ]
    assert scans == [], plan
    assert "ix_deliveries_due" in plan, plan
    assert "ix_endpoints_relay" in plan, plan
