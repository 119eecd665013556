"""PostgreSQL behind PgBouncer in transaction mode: what pooling breaks, and what says so.

(The delivery-path tests elsewhere run through PgBouncer too, via the `pgbouncer` backend.)
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx
import pytest
from pgbouncer import PG_HOST, PG_PORT, PgBouncer
from server_process import TOKEN
from svix.api import ApplicationIn, EndpointIn, MessageIn

HEADERS = {"Authorization": f"Bearer {TOKEN}"}
POLLING_NOTICE = "LISTEN cannot work"


def _direct(pooled_url: str, bouncer: PgBouncer) -> str:
    return pooled_url.replace(f"127.0.0.1:{bouncer.port}/", f"{PG_HOST}:{PG_PORT}/")


def _sql(url: str, sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(url, timeout=5, statement_cache_size=0)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def _prepared_statements_on_pooled_servers(url: str, clients: int) -> dict[int, int]:
    """{server pid: named prepared statements on it} for the servers that `clients`
    simultaneous transactions through the pooler land on (the most recently used ones)."""

    async def run() -> dict[int, int]:
        conns = [
            await asyncpg.connect(url, timeout=5, statement_cache_size=0) for _ in range(clients)
        ]
        try:
            found = {}
            transactions = [c.transaction() for c in conns]
            for conn, tx in zip(conns, transactions, strict=True):
                await tx.start()
                row = await conn.fetchrow(
                    "SELECT pg_backend_pid() AS pid, count(*) AS n FROM pg_prepared_statements"
                )
                found[row["pid"]] = row["n"]
            for tx in transactions:
                await tx.rollback()
            return found
        finally:
            for conn in conns:
                await conn.close()

    return asyncio.run(run())


@pytest.mark.parametrize("database_url", ["pgbouncer"], indirect=True)
def test_no_prepared_statement_is_left_on_the_pooled_servers(
    start_hookline, database_url, receiver
):
    hookline = start_hookline()
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Statements"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    for i in range(30):
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={"i": i}))
    receiver.wait_for(lambda reqs: len(reqs) == 30)
    assert POLLING_NOTICE in hookline.output()  # the probe found the pooler
    found = _prepared_statements_on_pooled_servers(database_url, clients=4)
    assert len(found) == 4
    # Named statements (a cache, or unique names) would stay here, one per statement run.
    assert found == dict.fromkeys(found, 0)


@pytest.mark.parametrize("database_url", ["pgbouncer"], indirect=True)
def test_listen_url_wakes_a_worker_behind_a_transaction_pooler(
    start_hookline, database_url, pgbouncer, receiver
):
    api = start_hookline(args=("serve", "--no-worker"))
    # Polling every 30 s: a delivery within 10 s can only come from a NOTIFY wake-up.
    slow_poll = {"HOOKLINE_POLL_INTERVAL": "30"}
    direct = _direct(database_url, pgbouncer)
    woken = start_hookline(
        args=("worker",), env={**slow_poll, "HOOKLINE_DATABASE_LISTEN_URL": direct}, wait=False
    )
    polling = start_hookline(args=("worker",), env=slow_poll, wait=False)
    svix = api.svix()
    app = svix.application.create(ApplicationIn(name="Wake"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(
        "started" in w.output() for w in (woken, polling)
    ):
        time.sleep(0.1)
    time.sleep(1.5)  # the first worker connects and LISTENs; both have claimed once
    for round_ in range(2):
        msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"r": round_}))
        receiver.wait_for(
            lambda reqs, m=msg.id: any(r.headers["webhook-id"] == m for r in reqs), timeout=10
        )
    assert woken.output().count(POLLING_NOTICE) == 0
    assert polling.output().count(POLLING_NOTICE) == 1  # said once, at start


@pytest.mark.parametrize("database_url", ["pgbouncer"], indirect=True)
def test_failing_claims_and_publishes_are_loud_and_unready(
    start_hookline, database_url, pgbouncer, receiver
):
    """The store answers (health's ping works) but every claim and publish fails: the
    process must say so in its log, once per interval, and its health must answer 503."""
    hookline = start_hookline()
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Loud"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    svix.message.create(app.id, MessageIn(event_type="a.b", payload={"before": True}))
    receiver.wait_for(lambda reqs: len(reqs) == 1)
    health = f"{hookline.url}/api/v1/health"
    assert httpx.get(health).status_code == 204

    direct = _direct(database_url, pgbouncer)
    _sql(direct, "ALTER TABLE deliveries RENAME TO deliveries_away")
    try:
        statuses = []
        deadline = time.monotonic() + 30
        answer = httpx.get(health)
        while time.monotonic() < deadline:
            response = httpx.post(
                f"{hookline.url}/api/v1/app/{app.id}/msg",
                headers=HEADERS,
                json={"eventType": "a.b", "payload": {}},
            )
            statuses.append(response.status_code)
            answer = httpx.get(health)
            detail = answer.json().get("detail", "") if answer.status_code == 503 else ""
            logged = hookline.output()
            if (
                "claim deliveries" in detail
                and "publish messages" in detail
                and "cannot publish messages for" in logged
                and "ERROR hookline.worker: cannot claim deliveries for" in logged
            ):
                break
            time.sleep(0.5)
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "not_ready"
        assert "deliveries" in answer.json()["detail"]  # the cause: the missing table
        assert 202 not in statuses  # nothing was acknowledged that could not be stored
        ready = httpx.get(f"{hookline.url}/readyz")  # what an orchestrator asks
        assert ready.status_code == 503, ready.text
        assert ready.json()["checks"]["store_work"]["ok"] is False
        assert "claim deliveries" in ready.json()["checks"]["store_work"]["detail"]
        log = hookline.output()
        assert "ERROR hookline.worker: cannot claim deliveries for" in log
        assert "cannot publish messages for" in log
        # One warning (with its traceback) per failing streak, not one per retry or request.
        assert log.count("WARNING hookline.worker: cannot claim deliveries, retrying") == 1
        assert "unhandled error" not in log
    finally:
        _sql(direct, "ALTER TABLE deliveries_away RENAME TO deliveries")

    # Ready again once the worker claims and a publish goes through.
    deadline = time.monotonic() + 20
    accepted = None
    while time.monotonic() < deadline:
        if accepted is None:
            response = httpx.post(
                f"{hookline.url}/api/v1/app/{app.id}/msg",
                headers=HEADERS,
                json={"eventType": "a.b", "payload": {"after": True}},
            )
            if response.status_code == 202:
                accepted = response.json()["id"]
        if accepted is not None and httpx.get(health).status_code == 204:
            break
        time.sleep(0.2)
    assert httpx.get(health).status_code == 204
    assert "can claim deliveries again" in hookline.output()
    got = receiver.wait_for(lambda reqs: any(r.headers["webhook-id"] == accepted for r in reqs))
    assert len(got) == 2
