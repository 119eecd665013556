"""The queries behind the dashboard's Messages and Failed deliveries views, on both stores:
what they find (filters, the cross-application message id lookup, bulk recover over HTTP with
its confirmation step) and how: every statement they run is read back with EXPLAIN, and none
scans a table or sorts rows to find its page (PostgreSQL is asked with sequential scans
discouraged, so that a tiny test table does not hide a missing index)."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from receiver import Receiver
from server_process import SECRET_KEY, TOKEN, HooklineProcess

from hookline.config import load_settings
from hookline.secret_key import open_secret_box
from hookline.store import Database, open_database
from hookline.store.dead_letters import DeadLetterFilter
from hookline.types import DeliveryStatus


def _signed_in(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url)
    answer = client.post("/ui/sign-in", data={"token": TOKEN}, headers={"Origin": base_url})
    assert answer.status_code == 303
    return client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


@pytest.fixture
def failed_world(start_hookline) -> Iterator[tuple[HooklineProcess, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Two applications whose deliveries failed for good (no retries), one that succeeded."""
    hookline = start_hookline({"HOOKLINE_RETRY_SCHEDULE": ""})
    failing = Receiver().start()
    failing.respond_with(lambda n, _r: (500, b"no", {}, 0.0) if n <= 3 else (204, b"", {}, 0.0))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=hookline.url, headers=headers) as api:
        a = api.post("/api/v1/app", json={"name": "A", "uid": "a"}).json()["id"]
        b = api.post("/api/v1/app", json={"name": "B", "uid": "b"}).json()["id"]
        ep_a = api.post(f"/api/v1/app/{a}/endpoint", json={"url": f"{failing.url}/a"}).json()
        ep_b = api.post(f"/api/v1/app/{b}/endpoint", json={"url": f"{failing.url}/b"}).json()
        msgs = [
            api.post(
                f"/api/v1/app/{app}/msg",
                json={"eventType": kind, "eventId": f"e{i}", "channels": ["eu"], "payload": {}},
            ).json()["id"]
            for i, (app, kind) in enumerate(((a, "x.one"), (a, "x.two"), (b, "x.one")))
        ]
        failing.wait_for(lambda got: len(got) == 3)
        deadline = time.monotonic() + 20
        while not all(
            api.get(f"/api/v1/app/{app}/msg/{m}/endpoint").json()["data"][0]["status"] == 2
            for app, m in ((a, msgs[0]), (a, msgs[1]), (b, msgs[2]))
        ):
            assert time.monotonic() < deadline, "the deliveries did not fail"
            time.sleep(0.05)
    yield hookline, {"a": a, "b": b, "ep_a": ep_a["id"], "ep_b": ep_b["id"], "msgs": msgs}
    failing.stop()


async def _open(hookline: HooklineProcess) -> Database:
    url = hookline.env.get("HOOKLINE_DATABASE_URL") or f"sqlite:///{hookline.data_dir}/hookline.db"
    settings = load_settings({"HOOKLINE_SECRET_KEY": SECRET_KEY, "HOOKLINE_DATA_DIR": "/nowhere"})
    box, _ = open_secret_box(settings)
    return await open_database(url, secret_box=box)


@contextlib.contextmanager
def _statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the store sends while the block runs, with its parameters."""
    seen: list[tuple[str, Any]] = []
    engine = db._reader.sync_engine  # noqa: SLF001 - the test reads what the store sends

    def record(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


async def _plans(db: Database, statements: list[tuple[str, Any]]) -> list[str]:
    plans = []
    async with db._reader.connect() as conn:  # noqa: SLF001
        if db.dialect == "sqlite":
            for statement, parameters in statements:
                rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                plans.append("\n".join(str(row[-1]) for row in rows))
        else:
            await conn.exec_driver_sql("SET enable_seqscan = off")
            for statement, parameters in statements:
                rows = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
                plans.append("\n".join(str(row[0]) for row in rows))
    return plans


def _assert_index_backed(plan: str) -> None:
    """No full scan of a table and no sort of rows to find a page."""
    for line in plan.splitlines():
        assert "Seq Scan" not in line, plan
        assert not re.search(r"\bSort\b", line), plan
        assert "TEMP B-TREE" not in line, plan
        # SQLite: "SCAN t" reads the whole table; "SCAN t USING (COVERING) INDEX" walks an
        # index in its order (the keyset's), "SEARCH" seeks. The deliveries table is its
        # integer primary key's b-tree: "SCAN deliveries" with no sort after it is the walk
        # of the keyset's order (newest first), as PostgreSQL's backward primary-key scan.
        bare = re.fullmatch(r"SCAN (\w+)( AS \w+)?", line.strip())
        assert bare is None or bare.group(1) == "deliveries", plan


async def test_log_queries_find_the_right_rows_from_indexes(failed_world) -> None:  # type: ignore[no-untyped-def]
    hookline, w = failed_world
    db = await _open(hookline)
    try:
        with _statements(db) as across:
            every = await db.dead_letters.search(DeadLetterFilter(), 50, None)
            of_a = await db.dead_letters.search(DeadLetterFilter(app="a"), 50, None)
        with _statements(db) as sent:
            of_ep = await db.dead_letters.search(
                DeadLetterFilter(app="a", endpoint=w["ep_a"], since_ms=0, until_ms=2**41), 1, None
            )
            failed_msgs = await db.messages.list(
                "a", 50, None, channel="eu", status=int(DeliveryStatus.FAIL)
            )
            found = await db.messages.find(w["msgs"][2])
        assert {d.msg_id for d in every.items} == set(w["msgs"])
        assert [d.app_id for d in of_a.items] == [w["a"], w["a"]]
        assert len(of_ep.items) == 1 and not of_ep.done
        assert of_ep.items[0].endpoint_url.endswith("/a") and of_ep.items[0].app_name == "A"
        assert [m.id for m in failed_msgs.items] == [w["msgs"][1], w["msgs"][0]]
        assert found is not None and found.app_id == w["b"]
        assert await db.messages.find("msg_nonesuch") is None
        targets = await db.dead_letters.endpoints(DeadLetterFilter(), 10)
        assert sorted((t.endpoint_id, t.failed) for t in targets) == sorted(
            [(w["ep_a"], 2), (w["ep_b"], 1)]
        )
        # Across endpoints, the failed deliveries come in order from their partial indexes
        # (ix_deliveries_failed, ix_deliveries_app_failed).
        for plan in await _plans(db, sent + across):
            _assert_index_backed(plan)
    finally:
        await db.close()


def test_bulk_recover_confirms_then_recovers(failed_world) -> None:  # type: ignore[no-untyped-def]
    hookline, w = failed_world
    with contextlib.closing(_signed_in(hookline.url)) as pages:
        listing = pages.get("/ui/failed", params={"app": "a"}).text
        assert listing.count("data-dead-letter=") == 2
        origin = {"Origin": hookline.url}
        form = {"csrf_token": _csrf(listing), "app": "a", "endpoint": "", "since": "", "until": ""}
        confirm = pages.post("/ui/failed/recover", data=form, headers=origin)
        assert confirm.status_code == 200 and "Recover 2 deliveries" in confirm.text
        assert pages.get("/ui/failed").text.count("data-dead-letter=") == 3  # nothing changed
        done = pages.post("/ui/failed/recover", data={**form, "confirm": "yes"}, headers=origin)
        assert done.status_code == 303 and done.headers["location"].endswith("count=2")
        deadline = time.monotonic() + 20
        while pages.get("/ui/failed").text.count("data-dead-letter=") != 1:
            assert time.monotonic() < deadline, "the recovered deliveries were not sent"
            time.sleep(0.1)
        # Search by message id across applications; a bad status is a clear 400.
        found = pages.get("/ui/messages", params={"q": w["msgs"][2]})
        assert found.status_code == 303 or found.url.path.endswith(w["msgs"][2])
        bad = pages.get("/ui/messages", params={"app": "a", "status": "lost"})
        assert bad.status_code == 400 and "choose one of" in bad.text
