"""The 1.x line of the svix Python SDK (the newest 1.x release, installed by `make test` into
.venv/svix1) runs the main flows against a running Hookline on both stores, in a process of
its own with that SDK first on its path; the deliveries it caused are verified with
`standardwebhooks` (sdk_main_flows.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from receiver import Receiver
from sdk_main_flows import check_main_flows, run_flows
from server_process import HooklineProcess

ROOT = Path(__file__).parents[2]
SVIX1 = ROOT / ".venv" / "svix1"
FLOWS = ROOT / "tests" / "sdk_v1" / "main_flows.py"


def test_the_main_flows_of_the_1x_sdk(hookline: HooklineProcess, receiver: Receiver) -> None:
    # Not a skip: `make test` installs it, and a missing SDK line must not pass unnoticed.
    assert (SVIX1 / "svix").is_dir(), f"{SVIX1} is missing: `make test` installs the 1.x SDK there"

    out = run_flows(
        [sys.executable, str(FLOWS)], hookline, receiver, env={"PYTHONPATH": str(SVIX1)}
    )

    assert out["sdk_version"].startswith("1.")
    assert Path(out["sdk_file"]).is_relative_to(SVIX1)
    check_main_flows(out, receiver, name="v1", line="1", renamed="SDK 1.x renamed")
