"""Failures are retried on HOOKLINE_RETRY_SCHEDULE; each attempt is logged with its kind."""

from __future__ import annotations

import time

import pytest
from backends import POOLED
from receiver import Received
from server_process import free_port
from svix.api import ApplicationIn, EndpointIn, MessageAttemptListByMsgOptions, MessageIn


def attempts_of(svix, app_id: str, msg_id: str) -> list:
    return svix.message_attempt.list_by_msg(
        app_id, msg_id, MessageAttemptListByMsgOptions(limit=250, with_content=True)
    ).data


def wait_attempts(svix, app_id: str, msg_id: str, count: int, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = attempts_of(svix, app_id, msg_id)
        if len(got) >= count:
            return got
        time.sleep(0.05)
    raise AssertionError(f"only {len(attempts_of(svix, app_id, msg_id))} attempts")


@pytest.mark.parametrize("database_url", POOLED, indirect=True)
def test_receiver_failing_twice_gets_the_message_on_the_third_attempt(start_hookline, receiver):
    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": "0.2,0.4,5"})
    receiver.respond_with(
        lambda n, _r: (500, b"try later", {}, 0.0) if n <= 2 else (200, b"ok", {}, 0.0)
    )
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Retry"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    msg = svix.message.create(app.id, MessageIn(event_type="x.y", payload={"k": "v"}))

    got = receiver.wait_for(lambda reqs: len(reqs) == 3)
    assert {r.headers["webhook-id"] for r in got} == {msg.id}
    # Each retry is a new attempt: a new timestamp header, signed anew.
    assert got[0].body == got[1].body == got[2].body
    gaps = [got[1].at - got[0].at, got[2].at - got[1].at]
    assert gaps[0] >= 0.18 and gaps[1] >= 0.36, gaps  # the schedule's delays minus 10% jitter

    attempts = sorted(wait_attempts(svix, app.id, msg.id, 3), key=lambda a: a.timestamp)
    assert [a.response_status_code for a in attempts] == [500, 500, 200]
    assert [a.response for a in attempts] == ["try later", "try later", "ok"]
    assert [int(a.status) for a in attempts] == [2, 2, 0]
    time.sleep(0.6)
    assert len(receiver.received()) == 3  # delivered: no further attempts


def test_delivery_is_marked_failed_after_the_last_retry(start_hookline, receiver):
    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": "0.1,0.1"})
    receiver.respond_with(lambda _n, _r: (503, b"down", {}, 0.0))
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Exhausted"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    msg = svix.message.create(app.id, MessageIn(event_type="x.y", payload={}))

    wait_attempts(svix, app.id, msg.id, 3)
    time.sleep(0.5)
    assert len(receiver.received()) == 3  # 1 immediate + 2 retries, then it stops
    raw = _raw_attempts(hookline, app.id, msg.id)
    assert [a["failureKind"] for a in raw] == ["http_status"] * 3


def test_redirects_are_failures_and_are_not_followed(start_hookline, receiver):
    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": ""})
    receiver.respond_with(
        lambda _n, r: (
            (302, b"", {"Location": f"{receiver.url}/elsewhere"}, 0.0)
            if r.path == "/hook"
            else (200, b"", {}, 0.0)
        )
    )
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Redirect"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    msg = svix.message.create(app.id, MessageIn(event_type="x.y", payload={}))

    [attempt] = wait_attempts(svix, app.id, msg.id, 1)
    assert attempt.response_status_code == 302
    assert int(attempt.status) == 2
    assert [r.path for r in receiver.received()] == ["/hook"]


def test_timeouts_and_refused_connections_are_classified(start_hookline, receiver):
    hookline = start_hookline(
        env={"HOOKLINE_RETRY_SCHEDULE": "", "HOOKLINE_REQUEST_TIMEOUT": "0.5"}
    )
    receiver.respond_with(lambda _n, _r: (200, b"", {}, 3.0))  # slower than the timeout
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Kinds"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/slow"))
    closed = svix.endpoint.create(app.id, EndpointIn(url=f"http://127.0.0.1:{free_port()}/"))
    msg = svix.message.create(app.id, MessageIn(event_type="x.y", payload={}))

    wait_attempts(svix, app.id, msg.id, 2)
    kinds = {a["endpointId"]: a for a in _raw_attempts(hookline, app.id, msg.id)}
    assert kinds[closed.id]["failureKind"] == "connection"
    assert kinds[closed.id]["responseStatusCode"] == 0
    [slow] = [a for ep, a in kinds.items() if ep != closed.id]
    assert slow["failureKind"] == "timeout"
    assert 400 <= slow["responseDurationMs"] < 3000


def test_each_attempt_gets_a_fresh_timestamp_and_valid_signature(start_hookline, receiver):
    from standardwebhooks.webhooks import Webhook

    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": "1.1"})
    receiver.respond_with(lambda n, _r: (500, b"", {}, 0.0) if n == 1 else (204, b"", {}, 0.0))
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Fresh"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    svix.message.create(app.id, MessageIn(event_type="x.y", payload={"a": [1, 2, 3]}))
    got: list[Received] = receiver.wait_for(lambda reqs: len(reqs) == 2)
    secret = svix.endpoint.get_secret(app.id, ep.id).key
    for req in got:
        Webhook(secret).verify(req.body, req.headers)
    assert int(got[1].headers["webhook-timestamp"]) > int(got[0].headers["webhook-timestamp"])


def _raw_attempts(hookline, app_id: str, msg_id: str) -> list[dict]:
    import httpx
    from server_process import TOKEN

    response = httpx.get(
        f"{hookline.url}/api/v1/app/{app_id}/attempt/msg/{msg_id}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    response.raise_for_status()
    return response.json()["data"]
