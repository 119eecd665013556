"""A server killed with SIGKILL mid-delivery loses nothing: leases expire, work resumes."""

from __future__ import annotations

import time

from svix.api import ApplicationIn, EndpointIn, MessageIn

CRASH_ENV = {
    "HOOKLINE_LEASE_SECONDS": "2",
    "HOOKLINE_REQUEST_TIMEOUT": "1.5",
    "HOOKLINE_RETRY_SCHEDULE": "0.2,0.2,0.2",
}


def test_sigkill_during_delivery_then_restart_delivers_everything(
    start_hookline, receiver, tmp_path
):
    data_dir = tmp_path / "crash"
    # Keep deliveries in flight: answered after 3 s, within a request timeout of 8 s, under a
    # lease of 12 s (so none is sent twice by its own process). A new endpoint starts with 4
    # connections and doubles them with each success, so the 80 deliveries take four or more
    # rounds of 3 s, well after the 40 publishes (sent at once by the hand-off) were answered.
    receiver.respond_with(lambda _n, _r: (200, b"", {}, 3.0))
    slow = {**CRASH_ENV, "HOOKLINE_LEASE_SECONDS": "12", "HOOKLINE_REQUEST_TIMEOUT": "8"}
    first = start_hookline(env=slow, data_dir=data_dir)
    svix = first.svix()
    app = svix.application.create(ApplicationIn(name="Crash"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/a"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/b"))
    published = [
        svix.message.create(app.id, MessageIn(event_type="order.created", payload={"i": i})).id
        for i in range(40)
    ]
    receiver.wait_for(lambda reqs: len(reqs) >= 2)  # requests are in flight now
    first.kill()
    before_restart = len(receiver.received())

    receiver.respond_with(lambda _n, _r: (200, b"", {}, 0.0))
    second = start_hookline(env=slow, data_dir=data_dir)
    expected = {(msg_id, path) for msg_id in published for path in ("/a", "/b")}
    got = receiver.wait_for(
        # .get: a request without the header is not a delivery (e.g. another test's health
        # probe reaching a port this receiver was given); it must not end the wait.
        lambda reqs: expected <= {(r.headers.get("webhook-id"), r.path) for r in reqs},
        timeout=60,
    )
    # The kill really interrupted the work: the restarted process had deliveries to send.
    assert len(got) > before_restart
    # At-least-once: duplicates only for what was in flight when the process died.
    duplicates = len(got) - len(expected)
    assert 0 <= duplicates <= before_restart

    # After recovery, every delivery is recorded as delivered.
    svix2 = second.svix()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        statuses = [
            a.status
            for m in published[:5]
            for a in svix2.message_attempt.list_by_msg(app.id, m).data
        ]
        if statuses.count(0) >= 10:
            break
        time.sleep(0.1)
    assert statuses.count(0) >= 10


def test_acknowledged_messages_survive_sigkill_before_any_delivery(
    start_hookline, receiver, tmp_path
):
    data_dir = tmp_path / "api-only"
    api = start_hookline(args=("serve", "--no-worker"), data_dir=data_dir)
    svix = api.svix()
    app = svix.application.create(ApplicationIn(name="Ack"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    published = {
        svix.message.create(app.id, MessageIn(event_type="e.t", payload={"i": i})).id
        for i in range(25)
    }
    api.kill()
    assert receiver.received() == []

    start_hookline(args=("worker",), data_dir=data_dir)
    got = receiver.wait_for(lambda reqs: len(reqs) >= len(published))
    assert {r.headers["webhook-id"] for r in got} == published
