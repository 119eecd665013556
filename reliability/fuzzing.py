"""Running the fuzzing targets (reliability/fuzz_targets) for a bounded time each, as
subprocesses, and reading libFuzzer's summary: how many inputs were tried, and whether any
made the target fail (a crash file is left in the working directory to reproduce it)."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.procs import child_env

TARGETS = {
    "payload-parser": "reliability.fuzz_targets.payload_parser",
    "request-head": "reliability.fuzz_targets.request_head",
}
_DONE = re.compile(r"Done (\d+) runs in (\d+) second")


@dataclass(frozen=True)
class FuzzResult:
    target: str
    seconds: int
    runs: int
    failed: bool
    detail: str  # the failure's last lines, or ""


def fuzz(target: str, seconds: int, work_dir: Path) -> FuzzResult:
    module = TARGETS[target]
    argv = [
        sys.executable,
        "-m",
        module,
        f"-max_total_time={seconds}",
        "-timeout=20",  # one input taking longer is a failure of its own (a hang)
        "-max_len=65536",
        "-print_final_stats=0",
    ]
    try:
        done = subprocess.run(
            argv,
            cwd=work_dir,  # where libFuzzer leaves a failing input
            env=child_env(),  # with the repository on the path, from any working directory
            capture_output=True,
            text=True,
            timeout=seconds + 300,
        )
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stderr or b"")[-300:]
        text = tail.decode(errors="replace") if isinstance(tail, bytes) else tail
        return FuzzResult(target, seconds, 0, True, f"did not stop in time: {text}")
    output = done.stdout + done.stderr
    found = _DONE.search(output)
    failed = done.returncode != 0 or found is None
    detail = " | ".join(output.strip().splitlines()[-4:]) if failed else ""
    return FuzzResult(target, seconds, int(found.group(1)) if found else 0, failed, detail)


def table(results: list[FuzzResult]) -> str:
    out = ["| target | time | inputs tried | failures |", "| --- | ---: | ---: | --- |"]
    for r in results:
        failures = f"**{r.detail}**" if r.failed else "none"
        out.append(f"| `{r.target}` | {r.seconds} s | {r.runs:,} | {failures} |")
    return "\n".join(out)
