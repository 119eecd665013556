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
TIMEOUT_S = 240


def _rate(report: str, key: str) -> float:
    """The deliveries/s figure of the table row whose first cell starts with `key`."""
    match = re.search(rf"^\| `{re.escape(key)}` [^|]*\| ([\d,.]+) deliveries/s \|", report, re.M)
    assert match, f"no numeric rate for row {key!r} in:\n{report}"
    return float(match.group(1).replace(",", ""))


@pytest.mark.serial  # a benchmark run, even a quick one, wants the machine to itself
def test_quick_run_writes_numeric_rates(tmp_path: Path) -> None:
    pytest.importorskip("celery", reason="the bench extra is not installed")
    output = tmp_path / "b.md"
    argv = [sys.executable, "-m", "bench", "--quick", "--only", ",".join(ROWS)]
    proc = subprocess.Popen(
        [*argv, "--output", str(output)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        # SIGTERM, not SIGKILL: the benchmark then stops the servers it started.
        proc.terminate()
        try:
            _, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
        pytest.fail(f"`python -m bench --quick` took over {TIMEOUT_S} s:\n{stderr[-3000:]}")
    assert proc.returncode == 0, stderr[-3000:]
    report = output.read_text()
    assert "## Latest run" in report
    for key in ROWS:
        assert _rate(report, key) > 0


# Not `serial`: it asserts which pages answered, never how fast, so it runs beside the other
# tests instead of adding its half a minute to the part of the suite that runs alone.
def test_pages_bench_times_every_page(tmp_path: Path) -> None:
    """`python -m bench.pages` at a tiny size: builds a store, signs in to the dashboard and
    the portal, and prints a figure for every page (any page answering an error fails it)."""
    argv = [sys.executable, "-m", "bench.pages", "--messages", "300", "--days", "1"]
    argv += ["--rounds", "1", "--data-root", str(tmp_path)]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = re.findall(r"^\| ([^|]+) \| ([\d.]+) ms \| ([\d.]+) ms \|", proc.stdout, re.M)
    pages = {label for label, _, _ in rows}
    assert {"overview, last 7 days", "a message", "failed deliveries"} <= pages
    assert {"portal: messages", "portal: a message"} <= pages
    assert len(rows) == 25, proc.stdout
