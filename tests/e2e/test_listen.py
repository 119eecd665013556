"""`hookline listen` with real processes: a server, listeners (the installed console script)
forwarding to a real local receiver, messages published through the svix SDK, and every
delivery verified at the receiver with `standardwebhooks` and the relay endpoint's secret."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from receiver import Received, always
from server_process import TOKEN, HooklineProcess
from standardwebhooks.webhooks import Webhook
from svix.api import ApplicationIn, AppPortalAccessIn, EndpointIn, EndpointPatch, MessageIn
from svix.exceptions import HTTPValidationError
from waits import wait_until

HOOKLINE = str(Path(sys.executable).with_name("hookline"))
# Quick retries, for long enough that a listener started again on a loaded machine still finds
# them (a minute or two), and no circuit breaker between a listener's death and its return.
QUICK = {
    "HOOKLINE_RETRY_SCHEDULE": ",".join(["0.3"] * 20 + ["1"] * 120),
    "HOOKLINE_CIRCUIT_BREAKER_THRESHOLD": "100000",
}


@dataclass
class Listener:
    """A `hookline listen … --output json` process; its lines are read as they come."""

    server: HooklineProcess
    forward_to: str
    args: tuple[str, ...] = ()
    token: str = TOKEN
    proc: subprocess.Popen[str] | None = None
    reader: threading.Thread | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    other_output: list[str] = field(default_factory=list)

    def start(self) -> Listener:
        env = self.server.environment()
        env["XDG_CONFIG_HOME"] = str(self.server.data_dir / "no-config")
        self.lines, self.other_output = [], []
        self.proc = subprocess.Popen(
            [HOOKLINE, "listen", self.forward_to, "--server", self.server.url]
            + ["--token", self.token, "--output", "json", *self.args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True)
        self.reader.start()
        return self

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                self.lines.append(json.loads(line))
            except json.JSONDecodeError:
                self.other_output.append(line)

    def wait_connected(self, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if line.get("type") == "connected":
                    return line
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"listen exited: {self.lines} {self.other_output}")
            time.sleep(0.05)
        raise AssertionError(f"not connected: {self.lines} {self.other_output}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def deliveries(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if line.get("type") == "delivery"]


@pytest.fixture
def listeners():
    started: list[Listener] = []

    def start(*args: Any, **kwargs: Any) -> Listener:
        listener = Listener(*args, **kwargs).start()
        started.append(listener)
        return listener

    yield start
    for listener in started:
        if listener.proc is not None and listener.proc.poll() is None:
            listener.kill()
        assert listener.reader is not None
        listener.reader.join(10)
        assert listener.proc is not None and listener.proc.stdout is not None
        listener.proc.stdout.close()


def api(hookline: HooklineProcess, path: str, **params: Any) -> Any:
    response = httpx.get(
        f"{hookline.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def verified(received: Received, secret: str) -> dict[str, Any]:
    """The payload, once `standardwebhooks` accepted the signature with `secret`."""
    payload: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return payload


def msg_ids(requests: list[Received], path: str) -> Counter[str]:
    return Counter(r.headers["webhook-id"] for r in requests if r.path == path)


def test_two_listeners_forward_verify_retry_and_lose_nothing_when_one_is_killed(
    start_hookline, receiver, listeners
):
    hookline = start_hookline(env=QUICK)
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Laptop"))
    failed_once: set[str] = set()

    def script(_n: int, request: Received) -> tuple[int, bytes, dict[str, str], float]:
        # The first message to /one fails once locally: the attempt records 500, then a retry.
        if request.path == "/one" and not failed_once:
            failed_once.add(request.headers["webhook-id"])
            return 500, b"not yet", {}, 0.0
        return 200, b"ok", {}, 0.0

    receiver.respond_with(script)
    one = listeners(hookline, f"{receiver.url}/one", ("--app", app.id, "--name", "one"))
    two = listeners(hookline, f"{receiver.url}/two", ("--app", app.id, "--name", "two"))
    ready_one, ready_two = one.wait_connected(), two.wait_connected()
    assert ready_one["secret"].startswith("whsec_") and ready_one["appId"] == app.id
    assert ready_one["endpointId"] != ready_two["endpointId"]

    # The relay endpoints are ordinary endpoints of kind `relay`.
    endpoints = {e["uid"]: e for e in api(hookline, f"/api/v1/app/{app.id}/endpoint")["data"]}
    assert endpoints["listen-one"]["kind"] == endpoints["listen-two"]["kind"] == "relay"
    assert endpoints["listen-one"]["id"] == ready_one["endpointId"]
    assert endpoints["listen-one"]["url"] == f"relay://{ready_one['endpointId']}"
    secret_one = svix.endpoint.get_secret(app.id, ready_one["endpointId"]).key
    assert secret_one == ready_one["secret"]

    first = [
        svix.message.create(app.id, MessageIn(event_type="invoice.paid", payload={"n": n})).id
        for n in range(5)
    ]
    got = receiver.wait_for(
        lambda reqs: (
            set(first) <= set(msg_ids(reqs, "/two"))
            and all(msg_ids(reqs, "/one")[m] >= (2 if m in failed_once else 1) for m in first)
        )
    )
    for request in got:
        secret = ready_one["secret"] if request.path == "/one" else ready_two["secret"]
        assert verified(request, secret)["n"] in range(5)
    # The local 500 is the attempt's answer, and the retry delivered it.
    (retried,) = failed_once

    def attempts_to_one() -> list[dict[str, Any]]:
        data = api(hookline, f"/api/v1/app/{app.id}/attempt/msg/{retried}")["data"]
        found = [a for a in data if a["endpointId"] == ready_one["endpointId"]]
        return found if len(found) >= 2 else []

    attempts = wait_until(attempts_to_one, what="two attempts")
    assert sorted(a["responseStatusCode"] for a in attempts) == [200, 500]
    assert {a["response"] for a in attempts} == {"ok", "not yet"}
    lines = wait_until(lambda: len(one.deliveries()) >= 6 or None, what="listener lines")
    assert lines
    line = one.deliveries()[0]
    assert line["eventType"] == "invoice.paid" and line["msgId"] in first
    assert line["status"] in (200, 500) and isinstance(line["durationMs"], int)

    # Mid-stream, listener one is killed; messages keep coming; it is started again.
    published: list[str] = []

    def publish() -> None:
        for n in range(5, 25):
            msg = svix.message.create(
                app.id, MessageIn(event_type="invoice.paid", payload={"n": n})
            )
            published.append(msg.id)
            time.sleep(0.05)

    publisher = threading.Thread(target=publish)
    publisher.start()
    wait_until(lambda: len(published) >= 5 or None, what="publishes")
    one.kill()

    def connection_failures() -> list[dict[str, Any]]:
        found = []
        for msg_id in list(published):
            for a in api(hookline, f"/api/v1/app/{app.id}/attempt/msg/{msg_id}")["data"]:
                if a["endpointId"] == ready_one["endpointId"] and a["failureKind"] == "connection":
                    found.append(a)
        return found

    down = wait_until(connection_failures, what="connection failures while down")
    assert all(a["responseStatusCode"] == 0 for a in down)
    publisher.join(60)
    again = listeners(hookline, f"{receiver.url}/one", ("--app", app.id, "--name", "one"))
    resumed = again.wait_connected()
    assert resumed["endpointId"] == ready_one["endpointId"]  # the same endpoint, same secret
    assert resumed["secret"] == ready_one["secret"]

    everything = first + published
    got = receiver.wait_for(
        lambda reqs: (
            set(everything) <= set(msg_ids(reqs, "/one"))
            and set(everything) <= set(msg_ids(reqs, "/two"))
        ),
        timeout=90,
    )
    for request in got:
        secret = ready_one["secret"] if request.path == "/one" else ready_two["secret"]
        assert verified(request, secret)["n"] in range(25)
    counts = msg_ids(got, "/one")
    duplicates = sum(c - 1 for c in counts.values())
    # Nothing lost; a message sent to the killed listener may have arrived twice.
    assert set(counts) == set(everything), duplicates

    # A clean exit disables the relay endpoint (kept for the next session of that name).
    assert two.stop() == 0
    endpoint = wait_until(
        lambda: (
            (e := api(hookline, f"/api/v1/app/{app.id}/endpoint/{ready_two['endpointId']}"))[
                "disabled"
            ]
            and e
        ),
        what="disabled",
    )
    assert endpoint["disabledReason"] == "the listener stopped"


def refusal(listener: Listener) -> str:
    assert listener.proc is not None
    listener.proc.wait(60)
    time.sleep(0.1)  # the reader thread has the last line
    output = "".join(listener.other_output)
    assert listener.proc.returncode == 1, (listener.proc.returncode, output, listener.lines)
    assert "Traceback" not in output
    return output


def test_the_handshake_needs_a_token_of_the_application(start_hookline, receiver, listeners):
    hookline = start_hookline(env=QUICK)
    svix = hookline.svix()
    mine = svix.application.create(ApplicationIn(name="Mine"))
    theirs = svix.application.create(ApplicationIn(name="Theirs"))
    token = svix.authentication.app_portal_access(mine.id, AppPortalAccessIn()).token
    url = f"{receiver.url}/hook"

    wrong = listeners(hookline, url, ("--app", mine.id), token="hl_not_a_token")
    assert "401" in refusal(wrong) and "invalid token" in "".join(wrong.other_output)
    other_app = listeners(hookline, url, ("--app", theirs.id), token=token)
    assert "403" in refusal(other_app)
    # An application token of that application may: the app is the token's by default.
    own = listeners(hookline, url, (), token=token)
    ready = own.wait_connected()
    assert ready["appId"] == mine.id
    # A second listener of that name takes the endpoint over; the first stops and says why.
    newer = listeners(hookline, url, (), token=token)
    assert newer.wait_connected()["endpointId"] == ready["endpointId"]
    assert "409" in refusal(own) and "no longer holds" in "".join(own.other_output)
    assert newer.stop() == 0
    # Its URL is its listener's: the endpoint API does not change it.
    with pytest.raises(HTTPValidationError):
        svix.endpoint.patch(mine.id, ready["endpointId"], EndpointPatch(url=f"{receiver.url}/x"))

    # No token at all, straight to the route: the error frame, then close code 4401.
    from websockets.sync.client import connect

    with connect(f"ws://127.0.0.1:{hookline.port}/api/v1/relay/listen?app={mine.id}") as ws:
        frame = json.loads(ws.recv(timeout=30))
        assert frame == {
            "type": "error",
            "status": 401,
            "code": "authentication_failed",
            "detail": "missing bearer token in the Authorization header",
        }
        with pytest.raises(Exception) as closed:
            ws.recv(timeout=30)
        assert getattr(closed.value, "rcvd", None) is not None
        assert closed.value.rcvd.code == 4401  # type: ignore[attr-defined]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_listen_refuses_a_remote_local_url_unless_allowed(start_hookline, receiver, listeners):
    hookline = start_hookline(env=QUICK)
    remote = listeners(hookline, "http://10.1.2.3:3000/hook")
    assert remote.proc is not None and remote.proc.wait(60) == 2
    time.sleep(0.1)
    assert "--allow-remote" in "".join(remote.other_output)
    # A server without the relay route (here a plain receiver answering 404) is not retried.
    receiver.respond_with(always(404))
    elsewhere = listeners(hookline, f"{receiver.url}/hook", ("--server", receiver.url))
    assert "has no relay route" in refusal(elsewhere)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_with_two_processes_only_the_one_holding_the_socket_delivers(
    start_hookline, receiver, listeners
):
    """Scale-out: the other process's worker leaves the relay's deliveries to the owner, so
    none fails with `connection` while the listener is connected."""
    holder = start_hookline(env=QUICK)
    other = start_hookline()
    svix = other.svix()
    app = svix.application.create(ApplicationIn(name="Scaled"))
    listener = listeners(holder, f"{receiver.url}/hook", ("--app", app.id, "--name", "scaled"))
    ready = listener.wait_connected()
    sent = [
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": n})).id
        for n in range(20)
    ]
    got = receiver.wait_for(lambda reqs: set(sent) <= set(msg_ids(reqs, "/hook")))
    for request in got:
        assert verified(request, ready["secret"])["n"] in range(20)
    for msg_id in sent:
        kinds = [
            a["failureKind"]
            for a in api(other, f"/api/v1/app/{app.id}/attempt/msg/{msg_id}")["data"]
        ]
        assert kinds == [None], (msg_id, kinds)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_endpoint_api_cannot_create_a_relay(start_hookline):
    hookline = start_hookline(env=QUICK)
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="No relays by hand"))
    with pytest.raises(HTTPValidationError) as refused:
        svix.endpoint.create(app.id, EndpointIn(url="relay://ep_2abc"))
    assert refused.value.status_code == 422


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_listener_reconnects_by_itself_when_the_server_restarts(
    start_hookline, receiver, listeners
):
    hookline = start_hookline(env=QUICK)
    app = hookline.svix().application.create(ApplicationIn(name="Restarts"))
    listener = listeners(hookline, f"{receiver.url}/hook", ("--app", app.id))
    ready = listener.wait_connected()
    assert hookline.stop() == 0  # a graceful stop, with the listener connected
    again = start_hookline(port=hookline.port)
    wait_until(
        lambda: sum(1 for line in listener.lines if line["type"] == "connected") == 2,
        what="reconnected",
    )
    assert [line["type"] for line in listener.lines][:2] == ["connected", "disconnected"]
    assert listener.lines[-1]["endpointId"] == ready["endpointId"]
    msg = again.svix().message.create(app.id, MessageIn(event_type="a.b", payload={"n": 1}))
    (got,) = receiver.wait_for(lambda reqs: len(reqs) == 1)
    assert got.headers["webhook-id"] == msg.id and verified(got, ready["secret"]) == {"n": 1}

    # The dashboard says what the endpoint is, and offers no form for its settings.
    with httpx.Client(base_url=again.url) as pages:
        signed_in = pages.post("/ui/sign-in", data={"token": TOKEN}, headers={"Origin": again.url})
        assert signed_in.status_code == 303
        page = pages.get(f"/ui/apps/{app.id}/endpoints/{ready['endpointId']}")
        assert page.status_code == 200
        assert 'id="relay-notice"' in page.text and "a listener is connected" in page.text
        assert "relay (hookline listen)" in page.text and "/edit" not in page.text
