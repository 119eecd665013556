"""The queue gauges kept fresh by the exporter's background loop: scrapes are served from
its reading, which follows the store without a scrape having to read it."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from hookline import ids
from hookline.observability.exporter import Exporter
from hookline.observability.metrics import Metrics
from hookline.store import Database, open_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    # Synchronous: the PostgreSQL template runs its own event loop.
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/gauges.db"
    return str(request.getfixturevalue("postgres_template").new_database())


@pytest.fixture
async def db(store_url: str):  # type: ignore[no-untyped-def]
    database = await open_database(store_url)
    yield database
    await database.close()


async def add_pending(db: Database, count: int) -> None:
    now = int(time.time() * 1000)
    app, ep, msg = (ids.new_id(p) for p in (ids.APPLICATION, ids.ENDPOINT, ids.MESSAGE))
    async with db.write() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO applications (id, name, metadata, created_at, updated_at) "
                "VALUES (:app, 'g', '{}', :now, :now)"
            ),
            {"app": app, "now": now},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO endpoints (id, app_id, url, secret, description, disabled, "
                "headers, metadata, created_at, updated_at) VALUES (:ep, :app, "
                "'http://127.0.0.1:9/', 'x', '', false, '{}', '{}', :now, :now)"
            ),
            {"ep": ep, "app": app, "now": now},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO messages (id, app_id, event_type, created_at) "
                "VALUES (:msg, :app, 'g', :now)"
            ),
            {"msg": msg, "app": app, "now": now},
        )
        for _ in range(count):
            await conn.execute(
                sa.text(
                    "INSERT INTO deliveries (app_id, msg_id, endpoint_id, status, trigger, "
                    "attempt_count, due_at, created_at, updated_at, fifo) "
                    "VALUES (:app, :msg, :ep, 1, 0, 0, :now, :now, :now, false)"
                ),
                {"app": app, "msg": msg, "ep": ep, "now": now - 1000},
            )


def due(text: bytes) -> float:
    match = re.search(rb"^hookline_deliveries_due (\S+)$", text, re.M)
    assert match, text
    return float(match.group(1))


async def test_the_loop_keeps_the_gauges_fresh_for_scrapes(db: Database) -> None:
    # A scrape's own reading would be served for an hour: only the loop can show a change.
    exporter = Exporter(db, Metrics(), cache_seconds=3600, refresh_seconds=0.05)
    stop = asyncio.Event()
    loop = asyncio.create_task(exporter.refresh_gauges(stop))
    try:
        assert due(await exporter.render()) == 0
        await add_pending(db, 3)
        deadline = time.monotonic() + 20
        while due(await exporter.render()) != 3:
            assert time.monotonic() < deadline, "the gauges were not read again"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(loop, 10)
    assert loop.done() and loop.exception() is None
