"""Migration 0005: uids and eventIds with the shape of an id, written before such keys were
refused, are cleared; the rows stay reachable by id, and the log says what changed."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from backends import _execute, database_url, require_postgres
from server_process import TOKEN, HooklineProcess
from sqlalchemy.ext.asyncio import create_async_engine

from hookline import ids
from hookline.store.connections import async_url
from hookline.store.database import MIGRATIONS_DIR

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _upgrade_to_0004(sync_conn: sa.Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = sync_conn
    command.upgrade(config, "0004")


async def _database_at_0004(url: str, rows: dict[str, list[dict]]) -> None:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to_0004)
            for table, values in rows.items():
                for row in values:
                    columns = ", ".join(row)
                    marks = ", ".join(f":{c}" for c in row)
                    await conn.execute(
                        sa.text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), row
                    )
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        (tmp_path / "data").mkdir()
        yield f"sqlite:///{tmp_path / 'data' / 'hookline.db'}"
        return
    require_postgres()
    name = f"hookline_0005_{os.getpid()}_{time.time_ns()}"
    asyncio.run(_execute(f'CREATE DATABASE "{name}"'))
    yield database_url(name)
    asyncio.run(_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_id_shaped_keys_are_cleared_and_logged(empty_database, tmp_path):
    now = int(time.time() * 1000)
    b, x, kept = (ids.new_id(ids.APPLICATION) for _ in range(3))
    ep_b, ep_x, ep_kept = (ids.new_id(ids.ENDPOINT) for _ in range(3))
    msg_b, msg_x, msg_kept = (ids.new_id(ids.MESSAGE) for _ in range(3))
    app = {"metadata": "{}", "created_at": now, "updated_at": now}
    endpoint = {
        "url": "https://8.8.8.8/hook",
        "description": "",
        "disabled": False,
        "secret": "whsec_" + "A" * 32,
        "metadata": "{}",
        "headers": "{}",
        "created_at": now,
        "updated_at": now,
    }
    message = {"event_type": "a.b", "payload": b"{}", "created_at": now}
    rows = {
        "applications": [
            {"id": b, "uid": "tenant-b", "name": "B", **app},
            {"id": x, "uid": b, "name": "x", **app},  # the hole: x's uid is B's id
            {"id": kept, "uid": "app_" + "a" * 21, "name": "kept", **app},  # one short: a uid
        ],
        "endpoints": [
            {"id": ep_b, "app_id": b, "uid": None, **endpoint},
            {"id": ep_x, "app_id": x, "uid": ep_b, **endpoint},
            {"id": ep_kept, "app_id": x, "uid": "ep-kept", **endpoint},
        ],
        "messages": [
            {"id": msg_b, "app_id": b, "event_id": None, **message},
            {"id": msg_x, "app_id": x, "event_id": msg_b, **message},
            {"id": msg_kept, "app_id": x, "event_id": "order-42", **message},
        ],
    }
    asyncio.run(_database_at_0004(empty_database, rows))

    env = {"HOOKLINE_DATABASE_URL": empty_database}
    hookline = HooklineProcess(tmp_path / "data", env=env).start()
    try:
        with httpx.Client(base_url=hookline.url, headers=AUTH, timeout=10) as http:
            assert http.get(f"/api/v1/app/{x}").json()["uid"] is None  # reachable by id
            assert http.get(f"/api/v1/app/{b}").json()["name"] == "B"
            assert http.get("/api/v1/app/tenant-b").json()["id"] == b
            assert http.get(f"/api/v1/app/{kept}").json()["uid"] == "app_" + "a" * 21
            assert http.get(f"/api/v1/app/{x}/endpoint/{ep_x}").json()["uid"] is None
            assert http.get(f"/api/v1/app/{x}/endpoint/ep-kept").json()["id"] == ep_kept
            assert http.get(f"/api/v1/app/{x}/endpoint/{ep_b}").status_code == 404
            assert http.get(f"/api/v1/app/{x}/msg/{msg_x}").json()["eventId"] is None
            assert http.get(f"/api/v1/app/{x}/msg/order-42").json()["id"] == msg_kept
            assert http.get(f"/api/v1/app/{x}/msg/{msg_b}").status_code == 404
        log = hookline.output()
    finally:
        hookline.stop()
    changes = [line for line in log.splitlines() if "migration 0005: cleared" in line]
    assert len(changes) == 3, log
    for table, row_id, old in (
        ("applications.uid", x, b),
        ("endpoints.uid", ep_x, ep_b),
        ("messages.event_id", msg_x, msg_b),
    ):
        assert any(f"{table} of {row_id} (was '{old}')" in line for line in changes), log
