"""`BENCH_PROFILE=1`: every Hookline process of a row runs under `py-spy record`.

The process is launched by py-spy (`py-spy record --subprocesses -- <command>`) rather than
attached to afterwards: launching needs no ptrace rights over an unrelated process, which
containers and `kernel.yama.ptrace_scope` often withhold. py-spy writes its speedscope file
when the process it launched exits, so a profiled child is stopped by signalling that
process (see `Child.stop`), never py-spy itself.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.procs import BENCH_ROOT

PROFILE_DIR = BENCH_ROOT / "bench" / "profiles"
# Samples per second: enough for a row of seconds, small enough to cost little CPU on a
# 2-core machine (py-spy samples from its own process).
SAMPLE_RATE = 100


def enabled() -> bool:
    return os.environ.get("BENCH_PROFILE", "") not in ("", "0")


def py_spy() -> str:
    """The py-spy beside this interpreter (`make bench` installs it with the bench extra)."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("BENCH_PROFILE=1 needs py-spy (pip install -e '.[bench]')")
    return found


def profile_path(row: str, name: str) -> Path:
    """bench/profiles/<row>-<process>-<time>.speedscope.json (open it at speedscope.app)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{row}-{name}")
    return PROFILE_DIR / f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns()}.json"


def wrap(argv: Sequence[str], row: str, name: str) -> tuple[list[str], Path]:
    """`argv` launched under py-spy, and where its profile will be written."""
    PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    path = profile_path(row, name)
    command = [
        py_spy(),
        "record",
        "--subprocesses",
        "--format",
        "speedscope",
        "--rate",
        str(SAMPLE_RATE),
        "--output",
        str(path),
        "--",
        *argv,
    ]
    return command, path
