"""`hookline serve` with its worker in a child process (HOOKLINE_SERVE_PROCESSES=2): it
delivers, stops both processes gracefully on SIGTERM, stops with status 1 when the child dies
on its own, and loses nothing acknowledged when the whole process group is SIGKILLed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
from svix.api import ApplicationIn, EndpointIn, MessageIn

TWO = {
    "HOOKLINE_SERVE_PROCESSES": "2",
    "HOOKLINE_LEASE_SECONDS": "2",
    "HOOKLINE_REQUEST_TIMEOUT": "1.5",
    "HOOKLINE_RETRY_SCHEDULE": "0.2,0.2,0.2",
}


def child_pid(server) -> int:
    found = re.search(r"Delivery worker in process (\d+)", server.output())
    assert found, server.output()
    return int(found.group(1))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not reaped yet is a zombie: gone for this purpose.
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pid: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def publish(server, receiver, count: int, paths=("/a",)) -> tuple[str, list[str]]:
    svix = server.svix()
    app = svix.application.create(ApplicationIn(name="Two processes"))
    for path in paths:
        svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}{path}"))
    ids = [
        svix.message.create(app.id, MessageIn(event_type="order.created", payload={"i": i})).id
        for i in range(count)
    ]
    return app.id, ids


def delivered(receiver, ids, paths=("/a",), timeout: float = 60) -> None:
    expected = {(msg_id, path) for msg_id in ids for path in paths}
    receiver.wait_for(
        lambda reqs: expected <= {(r.headers.get("webhook-id"), r.path) for r in reqs},
        timeout=timeout,
    )


def test_the_worker_child_delivers_and_both_stop_gracefully(start_hookline, receiver):
    server = start_hookline(env=TWO)
    worker = child_pid(server)
    assert worker != server.proc.pid and alive(worker)
    _, ids = publish(server, receiver, 20)
    delivered(receiver, ids)
    # The API reports its worker child: ready while it runs and reports.
    assert httpx.get(f"{server.url}/api/v1/health", timeout=10).status_code == 204

    # Deliveries in flight when SIGTERM comes are finished and recorded, not dropped.
    receiver.respond_with(lambda _n, _r: (200, b"", {}, 0.3))
    _, more = publish(server, receiver, 10, paths=("/b",))
    receiver.wait_for(lambda reqs: any(r.path == "/b" for r in reqs))
    assert server.stop() == 0
    wait_gone(worker)
    assert "exited with status" not in Path(server.log.name).read_text()
    receiver.respond_with(lambda _n, _r: (200, b"", {}, 0.0))
    start_hookline(env={"HOOKLINE_SERVE_PROCESSES": "1"})
    delivered(receiver, more, paths=("/b",))


def test_a_worker_child_that_dies_stops_serve_with_status_1(start_hookline, receiver):
    server = start_hookline(env=TWO)
    os.kill(child_pid(server), signal.SIGKILL)
    assert server.proc is not None
    try:
        status = server.proc.wait(60)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"serve kept running: {server.output()}") from None
    assert status == 1
    assert "the worker process" in server.output()


def test_sigkill_of_the_whole_group_loses_nothing_acknowledged(start_hookline, receiver):
    receiver.respond_with(lambda _n, _r: (200, b"", {}, 1.0))  # keep deliveries in flight
    server = start_hookline(env=TWO, own_group=True)
    worker = child_pid(server)
    _, ids = publish(server, receiver, 30, paths=("/a", "/b"))
    receiver.wait_for(lambda reqs: len(reqs) >= 5)
    server.kill_group()
    wait_gone(worker, timeout=10)
    receiver.respond_with(lambda _n, _r: (200, b"", {}, 0.0))
    start_hookline(env=TWO)
    delivered(receiver, ids, paths=("/a", "/b"))


def test_ctrl_c_reaching_both_processes_is_a_graceful_stop(start_hookline, receiver):
    server = start_hookline(env=TWO, own_group=True)
    worker = child_pid(server)
    _, ids = publish(server, receiver, 5)
    delivered(receiver, ids)
    assert server.proc is not None
    os.killpg(server.proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
    assert server.proc.wait(60) == 0, server.output()
    wait_gone(worker)
