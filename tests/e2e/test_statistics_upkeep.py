"""Upkeep of the attempt counters: `hookline stats rebuild` gives back exactly what the
workers counted, and the retention task prunes old buckets by period."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from db_access import run_sql
from receiver import Receiver
from server_process import HooklineProcess
from svix.api import ApplicationIn, EndpointIn, MessageIn
from waits import wait_until

DAY_MS = 24 * 3600 * 1000
COUNTERS = (
    "SELECT app_id, period, bucket_start, endpoint_id, success, failure, "
    + ", ".join(f"latency_{i}" for i in range(13))
    + " FROM attempt_stats ORDER BY app_id, period, bucket_start, endpoint_id"
)


def hookline_command(proc: HooklineProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hookline", *args],
        env=proc.environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_rebuild_gives_back_what_the_workers_counted(start_hookline, receiver):
    failing = Receiver().start()
    try:
        failing.respond_with(lambda _n, _r: (500, b"no", {}, 0.0))
        # No retries and no circuit breaker: every message is one attempt per endpoint.
        hookline = start_hookline(
            env={"HOOKLINE_RETRY_SCHEDULE": "3600", "HOOKLINE_CIRCUIT_BREAKER_THRESHOLD": "1000"}
        )
        svix = hookline.svix()
        apps = [svix.application.create(ApplicationIn(name=f"Rebuild {i}")) for i in range(2)]
        for app in apps:
            svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/ok"))
            svix.endpoint.create(app.id, EndpointIn(url=f"{failing.url}/no"))
            for i in range(4):
                svix.message.create(app.id, MessageIn(event_type="x.y", payload={"i": i}))
        wait_until(
            lambda: run_sql(hookline, "SELECT count(*) FROM attempts")[0][0] == 16,
            what="16 attempts",
        )
        # Counted by the workers' record batches: 2 apps x 2 endpoints x 3 periods.
        counted = wait_until(
            lambda: (
                (rows := run_sql(hookline, COUNTERS))
                and sum(r[4] + r[5] for r in rows if r[1] == 2) == 16
                and rows
            ),
            what="the counters",
        )
        days = [r for r in counted if r[1] == 2]
        assert sorted((r[4], r[5]) for r in days) == [(0, 4), (0, 4), (4, 0), (4, 0)]

        # An upgraded installation: counters empty (or wrong) while the attempts are there.
        run_sql(hookline, "DELETE FROM attempt_stats WHERE period = 0")
        run_sql(hookline, "UPDATE attempt_stats SET success = success + 100")
        done = hookline_command(hookline, "stats", "rebuild")
        assert done.returncode == 0, done.stderr
        assert "attempt counters rebuilt:" in done.stdout
        assert run_sql(hookline, COUNTERS) == counted

        # Idempotent: once more, from a day given, the same rows.
        again = hookline_command(hookline, "stats", "rebuild", "--since", "2020-01-01")
        assert again.returncode == 0, again.stderr
        assert run_sql(hookline, COUNTERS) == counted

        # While the workers record more: every attempt is counted once.
        publishing = threading.Thread(target=publish_more, args=(svix, apps, 10))
        publishing.start()
        during = hookline_command(hookline, "stats", "rebuild")
        publishing.join()
        assert during.returncode == 0, during.stderr
        wait_until(
            lambda: run_sql(hookline, "SELECT count(*) FROM attempts")[0][0] == 56,
            timeout=60,
            what="56 attempts",
        )
        assert wait_until(lambda: day_counts(hookline) == attempt_counts(hookline))
    finally:
        failing.stop()


def publish_more(svix, apps, per_app: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(per_app):
        for app in apps:
            svix.message.create(app.id, MessageIn(event_type="x.y", payload={"more": i}))


def day_counts(proc: HooklineProcess) -> dict[tuple[str, str], tuple[int, int]]:
    rows = run_sql(
        proc,
        "SELECT app_id, endpoint_id, sum(success), sum(failure) FROM attempt_stats "
        "WHERE period = 2 GROUP BY app_id, endpoint_id",
    )
    return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in rows}


def attempt_counts(proc: HooklineProcess) -> dict[tuple[str, str], tuple[int, int]]:
    rows = run_sql(
        proc,
        "SELECT app_id, endpoint_id, sum(CASE WHEN status = 0 THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status = 0 THEN 0 ELSE 1 END) FROM attempts GROUP BY app_id, endpoint_id",
    )
    return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in rows}


def test_rebuild_refuses_a_bad_since(tmp_path):
    unstarted = HooklineProcess(tmp_path / "data")
    done = hookline_command(unstarted, "stats", "rebuild", "--since", "last tuesday")
    assert done.returncode == 2
    assert "--since must be an ISO 8601 date" in done.stderr


def _counter_row(app_id: str, period: int, bucket_start: int) -> str:
    zeros = ", ".join(["0"] * 13)
    return (
        "INSERT INTO attempt_stats (app_id, period, bucket_start, endpoint_id, success, "
        + ", ".join(f"latency_{i}" for i in range(13))
        + f", failure) VALUES ('{app_id}', {period}, {bucket_start}, 'ep_x', 1, {zeros}, 0)"
    )


def test_retention_prunes_counters_by_period(start_hookline):
    hookline = start_hookline(
        env={"HOOKLINE_RETENTION_INTERVAL": "0.3", "HOOKLINE_STATS_FIVE_MINUTE_DAYS": "30"}
    )
    app = hookline.svix().application.create(ApplicationIn(name="Old counters"))
    now = int(time.time() * 1000)
    five, hour = 5 * 60_000, 3_600_000
    rows = {
        # (period, age in days): kept?
        (0, 1): True,
        (0, 31): False,  # five-minute rows: 30 days
        (1, 31): True,
        (1, 91): False,  # hour rows: the retention period (90 days)
        (2, 400): True,  # day rows: forever
    }
    for period, age in rows:
        length = (five, hour, DAY_MS)[period]
        at = now - age * DAY_MS
        run_sql(hookline, _counter_row(app.id, period, at - at % length))

    def left() -> set[tuple[int, int]]:
        found = run_sql(
            hookline, f"SELECT period, bucket_start FROM attempt_stats WHERE app_id = '{app.id}'"
        )
        return {(p, (now - b) // DAY_MS) for p, b in found}

    kept = {key for key, keep in rows.items() if keep}
    wait_until(lambda: left() == kept, what="old counters pruned")


def test_deleting_an_application_removes_its_counters(start_hookline):
    hookline = start_hookline()
    svix = hookline.svix()
    gone, kept = (svix.application.create(ApplicationIn(name=name)) for name in ("Gone", "Kept"))
    bucket = int(time.time() * 1000) // 3_600_000 * 3_600_000
    for app in (gone, kept):
        run_sql(hookline, _counter_row(app.id, 1, bucket))
    svix.application.delete(gone.id)
    owners = {row[0] for row in run_sql(hookline, "SELECT app_id FROM attempt_stats")}
    assert owners == {kept.id}
