"""The reliability harness's quick soak: a fixed rate with one endpoint in ten failing, on
both stores."""

from __future__ import annotations

import pytest
from backends import require_postgres
from reliability_runs import run_quick

from reliability import soak


@pytest.mark.parametrize("scenario", ["soak", "soak-pg"])
def test_soak_holds_memory_files_and_connections_flat(scenario, tmp_path):
    """The soak's quick run: every message reaches the nine healthy endpoints, no process's
    memory grows 10 % after warm-up, open files and database connections stay flat. Its latency
    verdict is a timing figure of a shared machine, so this test leaves it to the row (it is
    reported, not asserted here), but the latencies must have been measured."""
    if scenario == "soak-pg":
        require_postgres()
    run, result = run_quick(scenario, tmp_path / "rows.json")
    (row,) = result["scenarios"]
    assert row["scenario"] == scenario
    problems = [p for p in (row["error"] or "").split("; ") if p]
    assert [p for p in problems if not p.startswith("latency p99")] == [], (
        problems,
        row["notes"],
    )
    t = row["tally"]
    assert t["acknowledged"] == soak.QUICK.messages, row["notes"]
    healthy = soak.QUICK.endpoints - soak.QUICK.failing
    assert t["expected"] == healthy * t["acknowledged"]
    assert t["lost"] == 0 and t["delivered"] == t["expected"], t["lost_examples"]
    assert t["duplicated"] == 0, row["notes"]  # nothing was killed: nothing sent twice
    assert any(n.startswith("latency p99") for n in row["notes"]), row["notes"]
    assert any("hookline serve" in n and "resident" in n for n in row["notes"]), row["notes"]
    assert run.returncode == (1 if problems else 0), run.stdout[-2000:]
