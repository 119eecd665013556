"""The reliability harness's quick kill loop: workers and the API SIGKILLed at random moments
while messages are published, on both stores. Nothing acknowledged may be lost, and
redeliveries stay within what was in flight."""

from __future__ import annotations

import pytest
from backends import require_postgres
from reliability_runs import run_quick

from reliability import kill_loop
from reliability.processes import in_flight_bound

# Scenario → (messages acknowledged, the in-flight bound on duplicates) in quick mode.
EXPECTED = {
    "kill-loop-sqlite": (kill_loop.QUICK.messages, in_flight_bound(kill_loop.QUICK.worker_kills)),
    "kill-loop-pg": (kill_loop.QUICK.messages, in_flight_bound(kill_loop.QUICK.worker_kills)),
}


@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_no_fault_loses_an_acknowledged_message(scenario, tmp_path):
    if scenario in ("kill-loop-pg", "database-restarts"):
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
