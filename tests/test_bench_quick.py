"""Smoke test of `python -m bench --quick`: it runs and produces figures. Never how fast.

Needs what `make bench` needs: Redis on 127.0.0.1:6379 (the Celery baseline) and the
`bench` extra installed (`pip install -e '.[dev,bench]'`).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROWS = ("ceiling", "sqlite-e2e", "baseline")


def _rate(report: str, key: str) -> float:
    """The deliveries/s figure of the table row whose first cell starts with `key`."""
    match = re.search(rf"^\| `{re.escape(key)}` [^|]*\| ([\d,.]+) deliveries/s \|", report, re.M)
    assert match, f"no numeric rate for row {key!r} in:\n{report}"
    return float(match.group(1).replace(",", ""))


def test_quick_run_writes_numeric_rates(tmp_path: Path) -> None:
    pytest.importorskip("celery", reason="the bench extra is not installed")
    output = tmp_path / "b.md"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--only",
            ",".join(ROWS),
            "--output",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = output.read_text()
    assert "## Latest run" in report
    for key in ROWS:
        assert _rate(report, key) > 0
