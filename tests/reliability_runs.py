"""Running the reliability harness's quick mode (`python -m reliability --quick`) from tests:
one scenario or fuzzing target per run, its rows read back from the JSON it writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_quick(name: str, out: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    run = subprocess.run(
        [sys.executable, "-m", "reliability", "--quick", "--only", name, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.exists(), run.stderr[-3000:]
    return run, json.loads(out.read_text())
