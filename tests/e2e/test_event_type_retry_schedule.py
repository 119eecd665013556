"""An event type's own retry schedule (`GET/PUT /api/v1/event-type/{name}/retry-schedule`,
Svix's RetryScheduleInOut), on both stores: the worker retries that type's messages by it,
and every other message by HOOKLINE_RETRY_SCHEDULE (here: no retries at all)."""

from __future__ import annotations

import secrets
import time

import httpx
from receiver import always
from server_process import TOKEN
from svix.api import ApplicationIn, EndpointIn, EventTypeIn, MessageIn

AUTH = {"Authorization": f"Bearer {TOKEN}"}
NO_RETRIES = {"HOOKLINE_RETRY_SCHEDULE": "", "HOOKLINE_CIRCUIT_BREAKER_THRESHOLD": "1000"}


def attempts_of(svix, app: str, msg: str, count: int) -> int:
    """How many attempts the message has once it has `count` (or after 20 s, as many as it
    has then)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        got = len(svix.message_attempt.list_by_msg(app, msg).data)
        if got >= count:
            return got
        time.sleep(0.05)
    return len(svix.message_attempt.list_by_msg(app, msg).data)


def test_the_worker_retries_by_the_event_type_s_schedule(start_hookline, receiver):
    hookline = start_hookline(env=NO_RETRIES)
    svix = hookline.svix()
    receiver.respond_with(always(500))
    retried, plain = f"retried.{secrets.token_hex(3)}", f"plain.{secrets.token_hex(3)}"
    for name in (retried, plain):
        svix.event_type.create(EventTypeIn(name=name, description="x"))
    with httpx.Client(base_url=hookline.url, headers=AUTH, timeout=10) as http:
        path = f"/api/v1/event-type/{retried}/retry-schedule"
        assert http.get(path).json() == {"retrySchedule": None}
        r = http.put(path, json={"retrySchedule": [0, 1]})
        assert (r.status_code, r.json()) == (200, {"retrySchedule": [0, 1]})
        assert http.get(path).json() == {"retrySchedule": [0, 1]}

    app = svix.application.create(ApplicationIn(name="Retries")).id
    svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/fails"))
    by_type = svix.message.create(app, MessageIn(event_type=retried, payload={})).id
    by_server = svix.message.create(app, MessageIn(event_type=plain, payload={})).id

    assert attempts_of(svix, app, by_type, 3) == 3  # the first attempt, then two retries
    # The other message had its one attempt long before: the server's schedule has no retry.
    assert attempts_of(svix, app, by_server, 1) == 1
    assert len(receiver.received()) == 4
    assert len(svix.message_attempt.list_by_msg(app, by_type).data) == 3  # and no more


def test_the_schedule_is_read_reset_and_checked(shared_hookline):
    name = f"sched.{secrets.token_hex(3)}"
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        http.post("/api/v1/event-type", json={"name": name, "description": "x"})
        path = f"/api/v1/event-type/{name}/retry-schedule"
        assert http.put(path, json={"retrySchedule": [5, 300]}).status_code == 200
        # Replacing the event type keeps its schedule; null gives the server's back.
        assert http.put(f"/api/v1/event-type/{name}", json={"description": "y"}).status_code == 200
        assert http.get(path).json() == {"retrySchedule": [5, 300]}
        assert http.put(path, json={"retrySchedule": None}).json() == {"retrySchedule": None}
        assert http.put(path, json={}).json() == {"retrySchedule": None}
        for bad in ([-1], [7 * 24 * 3600 + 1], [1] * 21, [True], ["5"], [1.5]):
            r = http.put(path, json={"retrySchedule": bad})
            assert r.status_code == 422, (bad, r.text)
            assert r.json()["detail"][0]["loc"][:2] == ["body", "retrySchedule"]
        assert http.get(path).json() == {"retrySchedule": None}
        missing = "/api/v1/event-type/no.such.type/retry-schedule"
        assert http.get(missing).status_code == 404
        assert http.put(missing, json={"retrySchedule": [1]}).status_code == 404
