"""How Hookline behaves with receivers that fail, throttle, hang and come back."""

from __future__ import annotations

import time

import httpx
from receiver import Receiver, hang, reset_connection, slow_body
from server_process import TOKEN
from standardwebhooks.webhooks import Webhook
from svix.api import ApplicationIn, EndpointIn, EndpointPatch, MessageIn
from waits import wait_until

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def raw_attempts(hookline, app_id: str, msg_id: str) -> list[dict]:
    r = httpx.get(f"{hookline.url}/api/v1/app/{app_id}/attempt/msg/{msg_id}", headers=AUTH)
    r.raise_for_status()
    return r.json()["data"]


def raw_endpoint(hookline, app_id: str, endpoint_id: str) -> dict:
    r = httpx.get(f"{hookline.url}/api/v1/app/{app_id}/endpoint/{endpoint_id}", headers=AUTH)
    r.raise_for_status()
    return r.json()


def test_retry_after_on_429_is_honoured(start_hookline, receiver):
    # The schedule says 60 s; the receiver asks for 1 s: the retry comes after about 1 s.
    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": "60"})
    receiver.respond_with(
        lambda n, _r: (
            (429, b"slow down", {"Retry-After": "1"}, 0.0) if n == 1 else (200, b"", {}, 0)
        )
    )
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="RetryAfter"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    svix.message.create(app.id, MessageIn(event_type="a.b", payload={}))
    got = receiver.wait_for(lambda reqs: len(reqs) == 2, timeout=15)
    assert 0.9 <= got[1].at - got[0].at < 10


def test_every_kind_of_receiver_failure_is_an_attempt_with_its_kind(start_hookline, receiver):
    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": "", "HOOKLINE_REQUEST_TIMEOUT": "1"})
    behaviours = {
        "/reset": reset_connection(),
        "/hang": hang(5),
        "/slow-body": slow_body(3),  # the body keeps coming past the timeout
        "/500": (500, b"boom", {}, 0.0),
    }
    receiver.respond_with(lambda _n, r: behaviours[r.path])
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Failures"))
    endpoints = {
        svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}{path}")).id: path
        for path in behaviours
    }
    msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={}))
    attempts = wait_until(
        lambda: (a := raw_attempts(hookline, app.id, msg.id)) and len(a) == 4 and a
    )
    kinds = {endpoints[a["endpointId"]]: a["failureKind"] for a in attempts}
    assert kinds == {
        "/reset": "connection",
        "/hang": "timeout",
        "/slow-body": "timeout",
        "/500": "http_status",
    }


def test_410_disables_the_endpoint_and_keeps_its_deliveries(start_hookline, receiver):
    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": "0.2"})
    gone = {"yes": True}
    receiver.respond_with(lambda _n, _r: (410, b"", {}, 0.0) if gone["yes"] else (204, b"", {}, 0))
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Gone"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    first = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": 1}))
    wait_until(lambda: raw_endpoint(hookline, app.id, ep.id)["disabled"], what="disabled")
    assert "410" in raw_endpoint(hookline, app.id, ep.id)["disabledReason"]
    assert len(receiver.received()) == 1  # disabled at once: the retry was not sent

    # While disabled, new messages are not delivered to it (as in Svix)...
    svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": 2}))
    time.sleep(0.6)
    assert len(receiver.received()) == 1

    # ...but the deliveries it had are kept, and re-enabling it sends them.
    gone["yes"] = False
    svix.endpoint.patch(app.id, ep.id, EndpointPatch(disabled=False))
    got = receiver.wait_for(lambda reqs: len(reqs) == 2)
    assert got[1].headers["webhook-id"] == first.id
    endpoint = raw_endpoint(hookline, app.id, ep.id)
    assert not endpoint["disabled"] and endpoint["disabledReason"] is None
    time.sleep(0.3)
    assert len(receiver.received()) == 2


def test_circuit_breaker_parks_then_probes_then_drains(start_hookline, receiver):
    hookline = start_hookline(
        env={
            "HOOKLINE_RETRY_SCHEDULE": "60,60",  # retries would come far too late for this test
            "HOOKLINE_CIRCUIT_BREAKER_THRESHOLD": "3",
            "HOOKLINE_CIRCUIT_BREAKER_COOLDOWN": "1",
        }
    )
    healthy = {"yes": False}
    receiver.respond_with(
        lambda _n, _r: (204, b"", {}, 0.0) if healthy["yes"] else (500, b"", {}, 0.0)
    )
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Breaker"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    for i in range(3):
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={"i": i}))
    receiver.wait_for(lambda reqs: len(reqs) == 3)
    health = wait_until(
        lambda: (h := raw_endpoint(hookline, app.id, ep.id)["health"])["circuit"] != "closed" and h
    )
    assert health["failureStreak"] >= 3
    published = [
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={"i": i})).id
        for i in range(3, 10)
    ]
    # Open: the new deliveries wait (parked) instead of being tried; only a probe goes after
    # the cooldown, and a probe is the endpoint's oldest waiting delivery: one of the three
    # that failed. So the fourth request is one of those, whenever it comes.
    failed = {r.headers["webhook-id"] for r in receiver.received()}
    # The first probe fails (still down); the next, after a longer cooldown, succeeds.
    probed = receiver.wait_for(lambda reqs: len(reqs) >= 4, timeout=10)
    assert {r.headers["webhook-id"] for r in probed[:4]} == failed
    healthy["yes"] = True
    got = receiver.wait_for(lambda reqs: set(published) <= {r.headers["webhook-id"] for r in reqs})
    assert raw_endpoint(hookline, app.id, ep.id)["health"]["circuit"] == "closed"
    assert len(got) <= 3 + 2 + 10  # never more than the failures, two probes and one each


def test_operational_webhooks_tell_the_operator(start_hookline, receiver):
    operator = Receiver().start()
    try:
        secret = "whsec_" + "b3BlcmF0b3Itc2VjcmV0LWtleS0xMjM0NTY3ODkwMTI="
        hookline = start_hookline(
            env={
                "HOOKLINE_RETRY_SCHEDULE": "0.1,0.1,0.1",
                "HOOKLINE_OPERATIONAL_WEBHOOK_URL": f"{operator.url}/ops",
                "HOOKLINE_OPERATIONAL_WEBHOOK_SECRET": secret,
                "HOOKLINE_DISABLE_AFTER": "1",
            }
        )
        receiver.respond_with(lambda _n, _r: (500, b"", {}, 0.0))
        svix = hookline.svix()
        app = svix.application.create(ApplicationIn(name="Ops"))
        ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
        msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={}))

        def events():
            return [r for r in operator.received() if r.path == "/ops"]

        got = operator.wait_for(
            lambda reqs: (
                {"message.attempt.failing", "message.attempt.exhausted"} <= {_type(r) for r in reqs}
            ),
        )
        for request in got:
            Webhook(secret).verify(request.body, request.headers)
        exhausted = next(r for r in got if _type(r) == "message.attempt.exhausted")
        data = _json(exhausted)["data"]
        assert (data["msgId"], data["endpointId"]) == (msg.id, ep.id)
        assert data["lastAttempt"]["responseStatusCode"] == 500

        # Failing for longer than HOOKLINE_DISABLE_AFTER disables it, and the operator hears.
        time.sleep(1.1)
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={}))
        operator.wait_for(lambda reqs: "endpoint.disabled" in {_type(r) for r in reqs})
        assert raw_endpoint(hookline, app.id, ep.id)["disabled"]
        svix.endpoint.patch(app.id, ep.id, EndpointPatch(disabled=False))
        operator.wait_for(lambda reqs: "endpoint.enabled" in {_type(r) for r in reqs})
        assert events()
    finally:
        operator.stop()


def _json(request) -> dict:  # type: ignore[no-untyped-def]
    import json

    return json.loads(request.body)


def _type(request) -> str:  # type: ignore[no-untyped-def]
    return str(_json(request)["type"])
