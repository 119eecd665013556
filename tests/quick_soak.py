"""The checks of the reliability harness's quick soak, on one store: each store's run is a test
file of its own (tests/e2e/test_reliability_soak*.py), so that under `--dist loadfile` the two
runs of about two minutes each go to two processes instead of one after the other."""

from __future__ import annotations

from pathlib import Path

from reliability_runs import run_quick

from reliability import soak


def assert_quick_soak_holds(scenario: str, tmp_path: Path) -> None:
    """The soak's quick run: every message sent to one of the nine healthy endpoints arrives
    there (each message goes to one endpoint of the ten in turn), no process's
    memory grows 10 % after warm-up, open files and database connections stay flat. Its latency
    verdict is a timing figure of a shared machine, so this leaves it to the row (it is
    reported, not asserted here), but the latencies must have been measured."""
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
    to_healthy = sum(
        1 for seq in range(soak.QUICK.messages) if seq % soak.QUICK.endpoints >= soak.QUICK.failing
    )
    assert t["expected"] == to_healthy
    assert t["lost"] == 0 and t["delivered"] == t["expected"], t["lost_examples"]
    assert t["duplicated"] == 0, row["notes"]  # nothing was killed: nothing sent twice
    assert any(n.startswith("latency p99") for n in row["notes"]), row["notes"]
    assert any("hookline serve" in n and "resident" in n for n in row["notes"]), row["notes"]
    assert run.returncode == (1 if problems else 0), run.stdout[-2000:]
