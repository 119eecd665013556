"""The whole flow through the official svix SDK: publish, deliver, verify, inspect, resend."""

from __future__ import annotations

import json

import pytest
from backends import POOLED
from standardwebhooks.webhooks import Webhook as StandardWebhook
from svix.api import ApplicationIn, EndpointIn, MessageIn
from svix.webhooks import Webhook as SvixWebhook
from waits import WAIT_BOUND_S


def verify_both(secret: str, body: bytes, headers: dict[str, str]) -> None:
    """Both public verifiers must accept what Hookline sent."""
    StandardWebhook(secret).verify(body, headers)
    SvixWebhook(secret).verify(body, headers)


@pytest.mark.parametrize("database_url", [*POOLED, "pgbouncer-session"], indirect=True)
def test_message_is_delivered_signed_to_matching_endpoints(hookline, receiver):
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Acme", uid="acme"))
    all_events = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/all"))
    invoices = svix.endpoint.create(
        "acme", EndpointIn(url=f"{receiver.url}/invoices", event_types=["invoice.paid"])
    )
    other = svix.endpoint.create(
        app.id, EndpointIn(url=f"{receiver.url}/other", event_types=["user.created"])
    )

    msg = svix.message.create(
        app.id, MessageIn(event_type="invoice.paid", payload={"amount": 42, "currency": "EUR"})
    )
    got = receiver.wait_for(lambda reqs: len(reqs) >= 2)

    assert sorted(r.path for r in got) == ["/all", "/invoices"]
    secrets = {
        "/all": svix.endpoint.get_secret(app.id, all_events.id).key,
        "/invoices": svix.endpoint.get_secret(app.id, invoices.id).key,
    }
    for req in got:
        assert req.headers["webhook-id"] == msg.id
        assert req.headers["content-type"] == "application/json"
        assert req.headers["user-agent"].startswith("Hookline/")
        assert json.loads(req.body) == {"amount": 42, "currency": "EUR"}
        verify_both(secrets[req.path], req.body, req.headers)
    assert other.id not in {
        a.endpoint_id for a in svix.message_attempt.list_by_msg(app.id, msg.id).data
    }


@pytest.mark.parametrize("database_url", POOLED, indirect=True)
def test_attempts_are_listed_and_resend_sends_again(hookline, receiver):
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Resend"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": 1}))
    receiver.wait_for(lambda reqs: len(reqs) == 1)

    def attempts_by_msg():
        return svix.message_attempt.list_by_msg(app.id, msg.id).data

    _wait(lambda: len(attempts_by_msg()) == 1)
    [attempt] = attempts_by_msg()
    assert attempt.id.startswith("atmpt_")
    assert attempt.response_status_code == 204
    assert attempt.endpoint_id == ep.id
    assert attempt.msg_id == msg.id
    assert int(attempt.status) == 0

    svix.message_attempt.resend(app.id, msg.id, ep.id)
    got = receiver.wait_for(lambda reqs: len(reqs) == 2)
    assert got[0].headers["webhook-id"] == got[1].headers["webhook-id"] == msg.id
    _wait(lambda: len(svix.message_attempt.list_by_endpoint(app.id, ep.id).data) == 2)
    triggers = sorted(
        int(a.trigger_type) for a in svix.message_attempt.list_by_endpoint(app.id, ep.id).data
    )
    assert triggers == [0, 1]  # one scheduled, one manual


def _wait(predicate, timeout: float = WAIT_BOUND_S) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")
