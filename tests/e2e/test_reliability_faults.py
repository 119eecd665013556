"""The reliability harness's quick fault scenarios: PostgreSQL restarted and stopped; the
SQLite store's disk filled up (publishing answers 507, the database stays intact); one worker's
wall clock jumping ahead and behind under libfaketime (PostgreSQL); receivers
that trickle, stall, flood or speak no HTTP beside a healthy one. Nothing acknowledged may be
lost, and redeliveries stay within what was in flight."""

from __future__ import annotations

import pytest
from backends import require_postgres
from reliability_runs import run_quick

from reliability import clock_jumps, database_restarts, disk_full, hostile_receivers
from reliability.processes import in_flight_bound

# Scenario → (messages acknowledged, the in-flight bound on duplicates) in quick mode.
EXPECTED = {
    "disk-full": (disk_full.QUICK.messages, in_flight_bound(1)),
    "hostile-receivers": (hostile_receivers.QUICK.messages, 0),
    "database-restarts": (
        database_restarts.QUICK.messages,
        in_flight_bound(3 * database_restarts.WORKERS),
    ),
    # One worker's wall clock jumps ahead, then behind: at most what it had in flight.
    "clock-jumps": (clock_jumps.QUICK.messages, in_flight_bound(1)),
}


@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_no_fault_loses_an_acknowledged_message(scenario, tmp_path):
    if scenario in ("kill-loop-pg", "database-restarts", "clock-jumps"):
        require_postgres()
    run, result = run_quick(scenario, tmp_path / "rows.json")
    (row,) = result["scenarios"]
    assert row["scenario"] == scenario
    assert row["error"] is None, (row["error"], row["notes"], run.stderr[-3000:])
    t = row["tally"]
    messages, bound = EXPECTED[scenario]
    assert t["acknowledged"] == messages, row["notes"]
    endpoints = 1 if scenario == "hostile-receivers" else 3  # there only the healthy one counts
    assert t["expected"] == endpoints * t["acknowledged"]
    assert t["lost"] == 0 and t["delivered"] == t["expected"], t["lost_examples"]
    assert t["duplicated"] <= bound, (t["duplicated"], row["notes"])
    assert run.returncode == 0, run.stdout[-2000:]
