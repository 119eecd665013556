"""The receivers of docs/receivers.md, run as they are printed there: each snippet file is the
page's code (included with pymdownx.snippets), started here as its own process on 127.0.0.1,
and fed real deliveries by a running Hookline on both stores.

One endpoint carries the secret the receiver was given: its webhook must be verified (204, the
payload printed). A second endpoint to the same receiver has another secret: the receiver must
refuse it (400), so a snippet that accepted everything would fail here."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from server_process import free_port
from svix.api import ApplicationIn, EndpointIn, MessageIn
from waits import wait_until

from hookline import signing

RECEIVERS = Path(__file__).parents[2] / "docs" / "examples" / "receivers"
NODE_DIR = RECEIVERS / "node"
# No retries: the refused delivery's one attempt is its last, so the test need not wait out a
# retry schedule; and no circuit breaker in the way.
SETTINGS = {"HOOKLINE_RETRY_SCHEDULE": "", "HOOKLINE_CIRCUIT_BREAKER_THRESHOLD": "1000"}


def snippet_command(name: str) -> list[str]:
    if name == "node":
        node = shutil.which("node")
        # Not a skip: the Node receiver is part of what `make test` checks, and its install
        # (`npm ci` in the Makefile) is part of the suite's set-up.
        assert node, "node is not installed (Debian: apt-get install nodejs npm)"
        assert (NODE_DIR / "node_modules" / "standardwebhooks").is_dir(), (
            f"run `npm ci` in {NODE_DIR} (make .venv/.installed-dev does)"
        )
        return [node, str(NODE_DIR / "receiver.js")]
    return [sys.executable, str(RECEIVERS / name)]


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize(
    "snippet", ["receiver_standardwebhooks.py", "receiver_hookline_verify.py", "node"]
)
def test_the_documented_receiver_verifies_a_real_delivery(start_hookline, tmp_path, snippet):
    hookline = start_hookline(SETTINGS)
    svix = hookline.svix()
    secret, other_secret = signing.generate_secret(), signing.generate_secret()
    port = free_port()
    log = tmp_path / "receiver.log"
    env = {**os.environ, "WEBHOOK_SECRET": secret, "PORT": str(port)}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            snippet_command(snippet), env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until(
            lambda: listening(port) or proc.poll() is not None, what="the receiver listening"
        )
        assert proc.poll() is None, log.read_text()

        app = svix.application.create(ApplicationIn(name="Receivers"))
        genuine = svix.endpoint.create(
            app.id, EndpointIn(url=f"http://127.0.0.1:{port}/webhook", secret=secret)
        )
        forged = svix.endpoint.create(
            app.id, EndpointIn(url=f"http://127.0.0.1:{port}/other", secret=other_secret)
        )
        payload = {"invoice": "inv_1", "amount": 4200, "note": "caf\u00e9 \u2713"}
        msg = svix.message.create(app.id, MessageIn(event_type="invoice.paid", payload=payload))

        def both_attempted() -> list | None:  # type: ignore[type-arg]
            got = svix.message_attempt.list_by_msg(app.id, msg.id).data
            return got if len(got) == 2 else None

        attempts = wait_until(both_attempted, what="an attempt to each endpoint")
        answers = {a.endpoint_id: a.response_status_code for a in attempts}
        assert answers == {genuine.id: 204, forged.id: 400}, log.read_text()
    finally:
        proc.terminate()
        proc.wait(10)

    lines = log.read_text().splitlines()
    verified = [line.split(" ", 2) for line in lines if line.startswith("verified ")]
    assert [(mid, json.loads(body)) for _, mid, body in verified] == [(msg.id, payload)]
    assert sum(line.startswith("rejected:") for line in lines) == 1, lines
