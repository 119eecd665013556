"""The Svix JavaScript SDK from npm (pinned in tests/js_sdk/package-lock.json, installed by
`make test` with `npm ci`) runs the main flows from a Node.js script against a running Hookline
on both stores; the deliveries it caused are verified here with `standardwebhooks`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from receiver import Receiver
from server_process import TOKEN, HooklineProcess
from standardwebhooks.webhooks import Webhook

JS_SDK = Path(__file__).parents[1] / "js_sdk"
PINNED = json.loads((JS_SDK / "package-lock.json").read_text())["packages"]["node_modules/svix"][
    "version"
]


def run_flows(hookline: HooklineProcess, receiver: Receiver) -> dict:  # type: ignore[type-arg]
    # Not a skip: `make test` installs both, and a missing SDK must not pass unnoticed.
    node = shutil.which("node")
    assert node, "node is not on PATH: the JavaScript SDK test needs Node.js 20 or newer"
    installed = JS_SDK / "node_modules" / "svix" / "package.json"
    assert installed.is_file(), f"{installed} is missing: `make test` runs `npm ci` there"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKLINE_")}
    done = subprocess.run(
        [node, str(JS_SDK / "main_flows.mjs"), hookline.url, TOKEN, receiver.url],
        cwd=JS_SDK,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_main_flows_of_the_javascript_sdk(
    hookline: HooklineProcess, receiver: Receiver
) -> None:
    out = run_flows(hookline, receiver)

    assert out["sdkVersion"] == PINNED
    app = out["app"]
    assert app["id"].startswith("app_")
    assert (app["uid"], app["getOrCreateId"], app["gotByUid"]) == ("sdk-js", app["id"], app["id"])
    assert (app["renamed"], app["metadata"], app["listed"]) == (
        "SDK js renamed",
        {"line": "js"},
        True,
    )
    assert app["createdAtIsDate"] is True  # the SDK parsed Hookline's timestamps
    assert app["gotWithTrailingSlash"] == app["id"]  # serverUrl "http://…/" works too
    assert out["eventType"] == {"description": "Paid", "listed": True}

    ep = out["endpoint"]
    assert (ep["filterTypes"], ep["description"], ep["headers"]) == (
        ["invoice.paid"],
        "patched",
        {"X-Line": "js"},
    )
    assert ep["otherFilterTypes"] == ["something.other"]
    assert ep["listed"] == sorted([ep["id"], ep["other"]])

    msg = out["message"]
    assert msg["payloadRead"] == {"invoice": "inv_1"}
    assert msg["listed"] == [msg["id"]]
    assert msg["destinations"] == [ep["id"]]  # only the subscribed endpoint
    assert (msg["attemptEndpoint"], msg["attemptStatus"], msg["attemptCode"]) == (ep["id"], 0, 204)
    assert len(msg["successfulAttemptsOfEndpoint"]) == 1
    assert msg["duplicateEventId"] == 409
    assert out["resendAttempts"] == 2

    secrets = out["secrets"]
    assert secrets["before"].startswith("whsec_")
    assert secrets["after"] == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    got = receiver.wait_for(lambda reqs: len(reqs) >= 3, timeout=30)
    assert {r.path for r in got} == {"/js"}
    by_id: dict[str, list] = {}  # type: ignore[type-arg]
    for r in got:
        by_id.setdefault(r.headers["webhook-id"], []).append(r)
    assert len(by_id[msg["id"]]) == 2
    for r in by_id[msg["id"]]:
        assert Webhook(secrets["before"]).verify(r.body, r.headers) == {"invoice": "inv_1"}
    (later,) = by_id[secrets["messageAfter"]]
    assert Webhook(secrets["after"]).verify(later.body, later.headers) == {"invoice": "inv_2"}
    assert Webhook(secrets["before"]).verify(later.body, later.headers) == {"invoice": "inv_2"}
