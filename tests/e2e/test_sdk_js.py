"""The Svix JavaScript SDK from npm (pinned in tests/js_sdk/package-lock.json, installed by
`make test` with `npm ci`) runs the main flows from a Node.js script against a running Hookline
on both stores; the deliveries it caused are verified with `standardwebhooks`
(sdk_main_flows.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from receiver import Receiver
from sdk_main_flows import check_main_flows, run_flows
from server_process import HooklineProcess

JS_SDK = Path(__file__).parents[1] / "js_sdk"
PINNED = json.loads((JS_SDK / "package-lock.json").read_text())["packages"]["node_modules/svix"][
    "version"
]


def test_the_main_flows_of_the_javascript_sdk(
    hookline: HooklineProcess, receiver: Receiver
) -> None:
    # Not a skip: `make test` installs both, and a missing SDK must not pass unnoticed.
    node = shutil.which("node")
    assert node, "node is not on PATH: the JavaScript SDK test needs Node.js 20 or newer"
    installed = JS_SDK / "node_modules" / "svix" / "package.json"
    assert installed.is_file(), f"{installed} is missing: `make test` runs `npm ci` there"

    out = run_flows([node, str(JS_SDK / "main_flows.mjs")], hookline, receiver, cwd=JS_SDK)

    assert out["sdk_version"] == PINNED
    assert out["app"]["created_at_is_date"] is True  # the SDK parsed Hookline's timestamps
    # serverUrl "http://…/" works too
    assert out["app"]["got_with_trailing_slash"] == out["app"]["id"]
    check_main_flows(out, receiver, name="js", line="js", renamed="SDK js renamed")
