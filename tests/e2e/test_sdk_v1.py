"""The 1.x line of the svix Python SDK (the newest 1.x release, installed by `make test` into
.venv/svix1) runs the main flows against a running Hookline on both stores, in a process of
its own with that SDK first on its path; the deliveries it caused are verified here with
`standardwebhooks`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from receiver import Receiver
from server_process import TOKEN, HooklineProcess
from standardwebhooks.webhooks import Webhook

ROOT = Path(__file__).parents[2]
SVIX1 = ROOT / ".venv" / "svix1"
FLOWS = ROOT / "tests" / "sdk_v1" / "main_flows.py"


def run_flows(hookline: HooklineProcess, receiver: Receiver) -> dict:  # type: ignore[type-arg]
    # Not a skip: `make test` installs it, and a missing SDK line must not pass unnoticed.
    assert (SVIX1 / "svix").is_dir(), f"{SVIX1} is missing: `make test` installs the 1.x SDK there"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKLINE_")}
    env["PYTHONPATH"] = str(SVIX1)
    done = subprocess.run(
        [sys.executable, str(FLOWS), hookline.url, TOKEN, receiver.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_main_flows_of_the_1x_sdk(hookline: HooklineProcess, receiver: Receiver) -> None:
    out = run_flows(hookline, receiver)

    assert out["sdk_version"].startswith("1.")
    assert Path(out["sdk_file"]).is_relative_to(SVIX1)
    app = out["app"]
    assert app["id"].startswith("app_")
    assert (app["uid"], app["get_or_create_id"], app["got_by_uid"]) == (
        "sdk-v1",
        app["id"],
        app["id"],
    )
    assert (app["renamed"], app["metadata"], app["listed"]) == (
        "SDK 1.x renamed",
        {"line": "1"},
        True,
    )
    assert out["event_type"] == {"description": "Paid", "listed": True}

    ep = out["endpoint"]
    assert (ep["filter_types"], ep["description"], ep["headers"]) == (
        ["invoice.paid"],
        "patched",
        {"X-Line": "1"},
    )
    assert ep["other_filter_types"] == ["something.other"]
    assert ep["listed"] == sorted([ep["id"], ep["other"]])

    msg = out["message"]
    assert msg["payload_read"] == {"invoice": "inv_1"}
    assert msg["listed"] == [msg["id"]]
    # Only the subscribed endpoint was sent it, and it answered 204.
    assert msg["destinations"] == [ep["id"]]
    assert (msg["attempt_endpoint"], msg["attempt_status"], msg["attempt_code"]) == (
        ep["id"],
        0,
        204,
    )
    assert len(msg["successful_attempts_of_endpoint"]) == 1
    assert msg["duplicate_event_id"] == 409
    assert out["resend_attempts"] == 2

    secrets = out["secrets"]
    assert secrets["before"].startswith("whsec_")
    assert secrets["after"] == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    # Every delivery went to the subscribed endpoint, signed: the first message (sent, then
    # resent) with the secret it had, the one after the rotation with the new secret too.
    got = receiver.wait_for(lambda reqs: len(reqs) >= 3, timeout=30)
    assert {r.path for r in got} == {"/v1"}
    by_id: dict[str, list] = {}  # type: ignore[type-arg]
    for r in got:
        by_id.setdefault(r.headers["webhook-id"], []).append(r)
    assert len(by_id[msg["id"]]) == 2
    for r in by_id[msg["id"]]:
        assert Webhook(secrets["before"]).verify(r.body, r.headers) == {"invoice": "inv_1"}
    (later,) = by_id[secrets["message_after"]]
    assert Webhook(secrets["after"]).verify(later.body, later.headers) == {"invoice": "inv_2"}
    # During the grace period the old secret signs beside the new one.
    assert Webhook(secrets["before"]).verify(later.body, later.headers) == {"invoice": "inv_2"}
