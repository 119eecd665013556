"""The reliability harness's quick mode (`python -m reliability --quick`): workers and the API
SIGKILLed while messages are published, on both stores; nothing acknowledged may be lost, and
redeliveries stay within what the killed workers had in flight."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from backends import require_postgres

from reliability.processes import in_flight_bound

ROOT = Path(__file__).resolve().parents[2]


def test_kill_loop_loses_nothing_on_either_store(tmp_path):
    require_postgres()
    out = tmp_path / "rows.json"
    run = subprocess.run(
        [sys.executable, "-m", "reliability", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.exists(), run.stderr[-3000:]
    rows = {row["scenario"]: row for row in json.loads(out.read_text())}
    assert set(rows) == {"kill-loop-sqlite", "kill-loop-pg"}
    for name, row in rows.items():
        assert row["error"] is None, (name, row["error"], run.stderr[-3000:])
        t = row["tally"]
        assert t["acknowledged"] == 400, (name, row["notes"])
        assert t["expected"] == 3 * t["acknowledged"]
        assert t["lost"] == 0 and t["delivered"] == t["expected"], (name, t["lost_examples"])
        assert t["duplicated"] <= in_flight_bound(2), (name, t["duplicated"])
    assert run.returncode == 0, run.stdout[-2000:]
