"""The main flows run by another SDK than the one the suite drives (the svix 1.x line, the
JavaScript SDK): each runs a script of its own against a running Hookline and prints what it
saw as JSON; the checks of that report and of the deliveries it caused are the same for every
SDK, and are here."""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Any

from receiver import Receiver
from server_process import TOKEN, HooklineProcess
from standardwebhooks.webhooks import Webhook

_CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake_keys(value: Any) -> Any:
    """The report with camelCase keys (a JavaScript script's) spelt as snake_case. Only keys
    that are camelCase words change: header names and metadata keys stay as they are."""
    if isinstance(value, dict):
        return {
            (_HUMP.sub(r"_\1", k).lower() if _CAMEL.match(k) else k): snake_keys(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


def run_flows(
    command: list[str], hookline: HooklineProcess, receiver: Receiver, **kwargs: Any
) -> dict[str, Any]:
    """Run an SDK's main-flows script (server URL, token and receiver URL as its arguments),
    with none of the server's HOOKLINE_* settings; its report, with snake_case keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKLINE_")}
    env.update(kwargs.pop("env", {}))
    done = subprocess.run(
        [*command, hookline.url, TOKEN, receiver.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )
    assert done.returncode == 0, done.stderr
    return snake_keys(json.loads(done.stdout))  # type: ignore[no-any-return]


def check_main_flows(
    out: dict[str, Any], receiver: Receiver, name: str, line: str, renamed: str
) -> None:
    """What every SDK's main flows must have seen: the application (uid `sdk-<name>`,
    renamed, metadata `{"line": line}`), the event type, the endpoint (filters, patched
    description, header `X-Line: line`), a message with its attempt, a resend, a duplicate
    eventId refused, a secret rotation; and the deliveries at the receiver's `/<name>`,
    each verified with `standardwebhooks` under the secret it was signed with."""
    app = out["app"]
    assert app["id"].startswith("app_")
    assert (app["uid"], app["get_or_create_id"], app["got_by_uid"]) == (
        f"sdk-{name}",
        app["id"],
        app["id"],
    )
    assert (app["renamed"], app["metadata"], app["listed"]) == (renamed, {"line": line}, True)
    assert out["event_type"] == {"description": "Paid", "listed": True}

    ep = out["endpoint"]
    assert (ep["filter_types"], ep["description"], ep["headers"]) == (
        ["invoice.paid"],
        "patched",
        {"X-Line": line},
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
    assert {r.path for r in got} == {f"/{name}"}
    by_id: dict[str, list[Any]] = {}
    for r in got:
        by_id.setdefault(r.headers["webhook-id"], []).append(r)
    assert len(by_id[msg["id"]]) == 2
    for r in by_id[msg["id"]]:
        assert Webhook(secrets["before"]).verify(r.body, r.headers) == {"invoice": "inv_1"}
    (later,) = by_id[secrets["message_after"]]
    assert Webhook(secrets["after"]).verify(later.body, later.headers) == {"invoice": "inv_2"}
    # During the grace period the old secret signs beside the new one.
    assert Webhook(secrets["before"]).verify(later.body, later.headers) == {"invoice": "inv_2"}
