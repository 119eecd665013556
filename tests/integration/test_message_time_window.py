"""Listing an application's messages within a time window (the dashboard's Messages search,
the API's `before`/`after`): exactly the messages of the window, found by seeking the id range
the window spans (a message id holds its creation time) instead of reading every newer one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hookline import ids
from hookline.store import Database, open_database

T0 = 1_790_000_000_000  # ms


@pytest.fixture
async def db(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    store = await open_database(database_url or f"sqlite:///{tmp_path}/window.db")
    yield store
    await store.close()


async def _messages_at(db: Database, app_id: str, times: list[int]) -> list[str]:
    made = [ids.new_id(ids.MESSAGE, t) for t in times]
    async with db.write() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO applications (id, name, metadata, created_at, updated_at) "
                "VALUES (:id, 'window', '{}', :t, :t)"
            ),
            {"id": app_id, "t": T0},
        )
        for msg_id, t in zip(made, times, strict=True):
            await conn.execute(
                sa.text(
                    "INSERT INTO messages (id, app_id, event_type, created_at) "
                    "VALUES (:id, :app, 'x.y', :t)"
                ),
                {"id": msg_id, "app": app_id, "t": t},
            )
    return made


async def test_window_edges_are_exact(db: Database) -> None:
    app_id = ids.new_id(ids.APPLICATION, T0)
    times = [T0 - 1, T0, T0 + 500, T0 + 999, T0 + 1000]
    made = await _messages_at(db, app_id, times)
    # created_at > T0 - 1 and < T0 + 1000: the middle three, newest first.
    page = await db.messages.list(app_id, 10, None, before_ms=T0 + 1000, after_ms=T0 - 1)
    assert [m.id for m in page.items] == [made[3], made[2], made[1]]
    assert page.done
    only_after = await db.messages.list(app_id, 10, None, after_ms=T0 + 999)
    assert [m.id for m in only_after.items] == [made[4]]
    only_before = await db.messages.list(app_id, 10, None, before_ms=T0)
    assert [m.id for m in only_before.items] == [made[0]]


async def test_window_seeks_its_id_range(db: Database) -> None:
    app_id = ids.new_id(ids.APPLICATION, T0)
    await _messages_at(db, app_id, [T0])
    seen: list[tuple[str, object]] = []
    engine = db._reader.sync_engine  # noqa: SLF001 - the test reads what the store sends

    def record(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if "FROM messages" in statement:
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        await db.messages.list(app_id, 10, None, before_ms=T0 + 1000, after_ms=T0 - 1)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    (statement, parameters), *_ = seen
    async with db._reader.connect() as conn:  # noqa: SLF001
        if db.dialect == "sqlite":
            rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)  # type: ignore[arg-type]
            plan = " ".join(str(row[-1]) for row in rows)
            assert "ix_messages_app (app_id=? AND id>? AND id<?)" in plan, plan
        else:
            await conn.exec_driver_sql("SET enable_seqscan = off")
            rows = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)  # type: ignore[arg-type]
            plan = " ".join(str(row[0]) for row in rows)
            index_cond = re.search(r"Index Cond: (.*?)\s+Filter:", plan)
            assert index_cond, plan
            assert "(id)::text <" in index_cond.group(1), plan
            assert "(id)::text >=" in index_cond.group(1), plan
