"""Operational-webhook endpoints (`/api/v1/operational-webhook/endpoint`) through the svix
SDK, on both stores: the whole resource, and Hookline's own events reaching a real receiver,
signed (verified with `standardwebhooks`) and filtered by `filterTypes`."""

from __future__ import annotations

import json

import httpx
import pytest
from receiver import Receiver
from server_process import TOKEN
from standardwebhooks.webhooks import Webhook
from svix.api import (
    ApplicationIn,
    EndpointIn,
    EndpointPatch,
    OperationalWebhookEndpointHeadersIn,
    OperationalWebhookEndpointIn,
    OperationalWebhookEndpointListOptions,
    OperationalWebhookEndpointSecretIn,
    OperationalWebhookEndpointUpsertIn,
    Svix,
)
from svix.exceptions import HttpError

SECRET = "whsec_" + "b3BlcmF0aW9uYWwtd2ViaG9vay1zZWNyZXQtMTIzNDU="


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


@pytest.fixture
def operator():
    r = Receiver().start()
    yield r
    r.stop()


def test_the_whole_resource(svix, shared_hookline):
    endpoints = svix.operational_webhook.endpoint
    created = endpoints.create(
        OperationalWebhookEndpointIn(
            url="http://127.0.0.1:9/ops",
            description="pager",
            event_types=["endpoint.disabled"],
            metadata={"team": "sre"},
            headers={"X-Team": "sre", "Authorization": "Bearer x"},
        )
    )
    assert created.id.startswith("ep_")
    assert (created.description, created.event_types, created.metadata) == (
        "pager",
        ["endpoint.disabled"],
        {"team": "sre"},
    )
    assert endpoints.get(created.id).url == "http://127.0.0.1:9/ops"
    listed = endpoints.list(OperationalWebhookEndpointListOptions(limit=250))
    assert created.id in [e.id for e in listed.data]

    updated = endpoints.upsert(
        created.id,
        OperationalWebhookEndpointUpsertIn(
            url="http://127.0.0.1:9/ops2", event_types=["endpoint.created", "endpoint.deleted"]
        ),
    )
    assert (updated.url, updated.event_types, updated.description) == (
        "http://127.0.0.1:9/ops2",
        ["endpoint.created", "endpoint.deleted"],
        "",
    )
    by_put = endpoints.upsert(
        "ops-by-put", OperationalWebhookEndpointUpsertIn(url="http://127.0.0.1:9/p")
    )
    assert by_put.uid == "ops-by-put"

    headers = endpoints.get_headers(created.id)
    assert (headers.headers, headers.sensitive) == ({"X-Team": "sre"}, ["Authorization"])
    endpoints.set_headers(created.id, OperationalWebhookEndpointHeadersIn(headers={"X-New": "1"}))
    assert endpoints.get_headers(created.id).headers == {"X-New": "1"}

    old = endpoints.get_secret(created.id).key
    assert old.startswith("whsec_")
    endpoints.rotate_secret(created.id, OperationalWebhookEndpointSecretIn(key=SECRET))
    assert endpoints.get_secret(created.id).key == SECRET

    endpoints.delete(created.id)
    endpoints.delete(by_put.id)
    with pytest.raises(HttpError) as caught:
        endpoints.get(created.id)
    assert caught.value.status_code == 404

    # Only Svix's operational event types can be filtered on; application tokens get nothing.
    with httpx.Client(base_url=shared_hookline.url, timeout=10) as http:
        wrong = http.post(
            "/api/v1/operational-webhook/endpoint",
            json={"url": "http://127.0.0.1:9/x", "filterTypes": ["invoice.paid"]},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert wrong.status_code == 422
        assert wrong.json()["detail"][0]["loc"][:2] == ["body", "filterTypes"]


def test_hooklines_events_reach_the_operator_signed_and_filtered(svix, operator, receiver):
    ops = svix.operational_webhook.endpoint.create(
        OperationalWebhookEndpointIn(
            url=f"{operator.url}/ops",
            secret=SECRET,
            event_types=["endpoint.created", "endpoint.deleted", "endpoint.disabled"],
            headers={"X-Ops": "yes"},
        )
    )
    try:
        app = svix.application.create(ApplicationIn(name="Watched")).id
        ep = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/hook", uid="watched")).id
        svix.endpoint.patch(app, ep, EndpointPatch(description="changed"))  # not subscribed
        svix.endpoint.patch(app, ep, EndpointPatch(disabled=True))
        svix.endpoint.delete(app, ep)

        def types(requests) -> list[str]:
            return [json.loads(r.body)["type"] for r in requests]

        got = operator.wait_for(lambda reqs: "endpoint.deleted" in types(reqs))
        mine = [r for r in got if json.loads(r.body)["data"].get("appId") == app]
        assert types(mine) == ["endpoint.created", "endpoint.disabled", "endpoint.deleted"]
        for request in mine:
            Webhook(SECRET).verify(request.body, request.headers)
            assert request.headers["x-ops"] == "yes"
        assert json.loads(mine[0].body)["data"] == {
            "appId": app,
            "endpointId": ep,
            "endpointUid": "watched",
        }
    finally:
        svix.operational_webhook.endpoint.delete(ops.id)


def test_the_internal_application_cannot_be_deleted_or_renamed(svix, shared_hookline):
    made = svix.operational_webhook.endpoint.create(
        OperationalWebhookEndpointIn(url="http://127.0.0.1:9/internal-app", secret=SECRET)
    )
    headers = {"Authorization": f"Bearer {TOKEN}"}
    base = f"{shared_hookline.url}/api/v1/app/hookline-operational"
    deleted = httpx.delete(base, headers=headers)
    assert deleted.status_code == 409, deleted.text
    assert deleted.json()["code"] == "conflict"
    assert "operational-webhook" in deleted.json()["detail"]
    renamed = httpx.patch(base, headers=headers, json={"uid": "something-else"})
    assert renamed.status_code == 409, renamed.text
    # Its other settings may change, and its endpoints stay reachable.
    named = httpx.patch(base, headers=headers, json={"name": "Operator events"})
    assert named.status_code == 200, named.text
    assert httpx.put(base, headers=headers, json={"name": "Operator events"}).status_code == 200
    assert svix.operational_webhook.endpoint.get(made.id).url == made.url
    svix.operational_webhook.endpoint.delete(made.id)
