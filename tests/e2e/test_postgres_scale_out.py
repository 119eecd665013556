"""PostgreSQL deployments: several processes sharing one database, crashes and outages."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
import pytest
from backends import _execute, database_url
from server_process import TOKEN, HooklineCluster, HooklineProcess, free_port
from svix.api import ApplicationIn, EndpointIn, MessageIn
from tcp_proxy import TcpProxy
from waits import WAIT_BOUND_S

HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def pg_url(postgres_template) -> str:
    return postgres_template.new_database()


@pytest.fixture
def processes(tmp_path: Path):
    clusters: dict[str, HooklineCluster] = {}

    def start(url: str, args=("serve",), env=None, wait=True) -> HooklineProcess:
        cluster = clusters.setdefault(url, HooklineCluster(tmp_path / "data", url))
        return cluster.start(env=env, args=args, wait=wait)

    yield start
    for cluster in clusters.values():
        cluster.stop()


def _query(url: str, sql: str):  # type: ignore[no-untyped-def]
    async def run():  # type: ignore[no-untyped-def]
        conn = await asyncpg.connect(url, statement_cache_size=0)  # maybe via PgBouncer
        try:
            return await conn.fetch(sql)
        finally:
            await conn.close()

    return asyncio.run(run())


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from hookline.store.database import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return str(ScriptDirectory.from_config(config).get_current_head())


def test_migrate_from_several_hosts_at_once(postgres_template):
    name = f"hookline_migrate_{time.time_ns()}"
    asyncio.run(_execute(f'CREATE DATABASE "{name}"'))
    url = database_url(name)
    env = {"HOOKLINE_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "hookline", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=60)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    [row] = _query(url, "SELECT version_num FROM alembic_version")
    assert row["version_num"] == _head_revision()
    asyncio.run(_execute(f'DROP DATABASE "{name}" WITH (FORCE)'))


def test_notify_wakes_a_worker_on_another_process(pg_url, processes, receiver):
    api = processes(pg_url, args=("serve", "--no-worker"))
    # Polling every 30 s: a delivery within 10 s can only come from the NOTIFY wake-up.
    processes(pg_url, args=("worker",), env={"HOOKLINE_POLL_INTERVAL": "30"}, wait=False)
    time.sleep(1.5)  # the worker connects and LISTENs
    svix = api.svix()
    app = svix.application.create(ApplicationIn(name="Notify"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    for round_ in range(3):
        msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"r": round_}))
        got = receiver.wait_for(
            lambda reqs, m=msg.id: any(r.headers["webhook-id"] == m for r in reqs), timeout=10
        )
        assert got


def test_sigterm_finishes_in_flight_work_and_exits_zero(pg_url, processes, receiver):
    receiver.respond_with(lambda _n, _r: (200, b"", {}, 1.0))
    api = processes(pg_url, args=("serve", "--no-worker"))
    svix = api.svix()
    app = svix.application.create(ApplicationIn(name="Term"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    ids = [
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={"i": i})).id
        for i in range(20)
    ]
    worker = processes(pg_url, args=("worker",), wait=False)
    receiver.wait_for(lambda reqs: len(reqs) >= 5)
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.proc.wait(30) == 0
    # Whatever it sent was recorded; nothing is left claimed by it.
    rows = _query(pg_url, "SELECT status, lease_owner FROM deliveries")
    assert all(r["lease_owner"] is None for r in rows)
    assert sum(1 for r in rows if r["status"] == 0) == len(receiver.received())
    # A new worker delivers the rest.
    processes(pg_url, args=("worker",), wait=False)
    got = receiver.wait_for(lambda reqs: {r.headers["webhook-id"] for r in reqs} >= set(ids))
    assert len(got) == len(ids)  # a clean shutdown causes no duplicates


def test_outage_answers_503_and_recovers_without_restart(postgres_template, processes, receiver):
    direct = postgres_template.new_database()
    proxy = TcpProxy(5432).start()
    try:
        proxied = direct.replace(":5432/", f":{proxy.port}/")
        hookline = processes(proxied)
        svix = hookline.svix()
        app = svix.application.create(ApplicationIn(name="Outage"))
        svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
        acknowledged = set()

        def publish(i: int) -> httpx.Response:
            return httpx.post(
                f"{hookline.url}/api/v1/app/{app.id}/msg",
                headers=HEADERS,
                timeout=30,
                json={"eventType": "a.b", "payload": {"i": i}},
            )

        for i in range(10):
            response = publish(i)
            assert response.status_code == 202
            acknowledged.add(response.json()["id"])

        proxy.cut()
        statuses = []
        deadline = time.monotonic() + 10
        i = 100
        while time.monotonic() < deadline:
            response = publish(i)
            statuses.append(response.status_code)
            if response.status_code == 202:
                acknowledged.add(response.json()["id"])
            else:
                assert response.status_code == 503
                assert response.json()["code"] == "service_unavailable"
            i += 1
            time.sleep(0.25)
        assert statuses.count(503) >= len(statuses) - 1  # at most one raced the cut
        health = httpx.get(f"{hookline.url}/api/v1/health")
        assert health.status_code == 503

        proxy.restore()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            response = publish(i)
            i += 1
            if response.status_code == 202:
                acknowledged.add(response.json()["id"])
                break
            time.sleep(0.5)
        assert response.status_code == 202, response.text
        for j in range(10):
            response = publish(1000 + j)
            assert response.status_code == 202
            acknowledged.add(response.json()["id"])

        got = receiver.wait_for(
            lambda reqs: acknowledged <= {r.headers["webhook-id"] for r in reqs}, timeout=60
        )
        assert acknowledged <= {r.headers["webhook-id"] for r in got}
        assert hookline.proc.poll() is None  # the same process, never restarted
    finally:
        proxy.stop()


def test_a_process_started_while_the_database_is_away_waits_for_it(postgres_template, processes):
    direct = postgres_template.new_database()
    proxy = TcpProxy(5432).start()
    try:
        proxy.cut()  # the database is not reachable when the process starts
        proxied = direct.replace(":5432/", f":{proxy.port}/")
        hookline = processes(proxied, env={"HOOKLINE_DATABASE_STARTUP_WAIT": "60"}, wait=False)
        deadline = time.monotonic() + 30
        while "not reachable yet" not in hookline.output() and time.monotonic() < deadline:
            assert hookline.proc.poll() is None, hookline.output()
            time.sleep(0.2)
        assert "not reachable yet" in hookline.output()
        proxy.restore()
        hookline.wait_healthy(timeout=60)
        assert hookline.proc.poll() is None  # the same process, never restarted
        assert "Traceback" not in hookline.output()
    finally:
        proxy.stop()


def test_a_process_gives_up_after_the_startup_wait_with_a_clear_message(processes):
    port = free_port()  # nothing listens there
    hookline = processes(
        f"postgresql://postgres@127.0.0.1:{port}/hookline",
        env={"HOOKLINE_DATABASE_STARTUP_WAIT": "1"},
        args=("worker",),
        wait=False,
    )
    assert hookline.proc.wait(timeout=60) == 1
    output = hookline.output()
    assert "cannot reach the database" in output
    assert "Traceback" not in output


ENDPOINTS = 20
# Messages per run, each fanned out to every endpoint. Through PgBouncer (transaction mode)
# fewer: the point there is that pooling loses nothing, and the suite stays short.
MESSAGES = {"direct": 3_000, "pgbouncer": 1_500}


@pytest.mark.serial  # the suite's heaviest test: alone, so its timeouts are not other tests'
@pytest.mark.parametrize("route", list(MESSAGES))
def test_three_workers_deliver_everything_when_one_is_killed(
    route, postgres_template, request, processes, tmp_path
):
    pg_url = postgres_template.new_database()
    if route == "pgbouncer":
        pg_url = request.getfixturevalue("pgbouncer").url_for(pg_url)
    messages = MESSAGES[route]
    port = free_port()
    receiver = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent.parent / "fast_receiver.py"), str(port)]
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/_count")
        api = processes(pg_url, args=("serve", "--no-worker"))
        svix = api.svix()
        app = svix.application.create(ApplicationIn(name="Scale"))
        for n in range(ENDPOINTS):
            svix.endpoint.create(app.id, EndpointIn(url=f"http://127.0.0.1:{port}/ep{n}"))
        workers = [processes(pg_url, args=("worker",), wait=False) for _ in range(3)]

        with httpx.Client(headers=HEADERS, timeout=30) as client:

            def publish(i: int) -> str:
                r = client.post(
                    f"{api.url}/api/v1/app/{app.id}/msg",
                    json={"eventType": "load.test", "payload": {"i": i}},
                )
                assert r.status_code == 202, r.text
                return r.json()["id"]

            with ThreadPoolExecutor(8) as pool:
                published = list(pool.map(publish, range(messages)))

        total = messages * ENDPOINTS
        _wait_count(port, lambda unique: unique >= total // 2, timeout=300)
        victim = workers[0]
        victim_id = re.search(r"worker (\S+) started", victim.output()).group(1)
        victim.kill()
        held_sql = "SELECT count(*) AS n FROM deliveries WHERE status = 3 AND lease_owner = '%s'"
        held = _query(pg_url, held_sql % victim_id)[0]["n"]

        _wait_count(port, lambda unique: unique >= total, timeout=300)
        pairs = httpx.get(f"http://127.0.0.1:{port}/_pairs", timeout=30).json()["pairs"]
        delivered = {(i, p) for i, p, _ in pairs}
        expected = {(m, f"/ep{n}") for m in published for n in range(ENDPOINTS)}
        duplicates = sum(n - 1 for _, _, n in pairs)
        # Besides the killed worker's claims, an attempt that timed out may still have reached
        # the receiver (a loaded machine answers late): at-least-once sends it again.
        late_sql = "SELECT count(*) AS n FROM attempts WHERE failure_kind = 'timeout'"
        late = _query(pg_url, late_sql)[0]["n"]
        print(
            f"\nscale-out ({route}): {len(expected)} pairs delivered, {duplicates} duplicates, "
            f"killed worker held {held} claims, {late} attempts timed out"
        )
        assert expected <= delivered
        assert duplicates <= held + late
    finally:
        receiver.terminate()
        receiver.wait(10)


def _wait_http(url: str, timeout: float = WAIT_BOUND_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer")


def _wait_count(port: int, predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = httpx.get(f"http://127.0.0.1:{port}/_count", timeout=10).json()
        if predicate(counts["unique"]):
            return
        time.sleep(0.2)
    raise AssertionError(f"receiver counts stuck at {counts}")
