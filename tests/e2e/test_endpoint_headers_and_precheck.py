"""Endpoint headers (`…/endpoint/{ep}/headers`) and `message.precheck`, through the svix SDK,
on both stores: headers set, patched and removed reach a real receiver, and the values of
sensitive ones are never returned; the precheck answers by the rules publishing routes by."""

from __future__ import annotations

import secrets

import httpx
import pytest
from server_process import TOKEN
from svix.api import (
    ApplicationIn,
    EndpointHeadersIn,
    EndpointHeadersPatchIn,
    EndpointIn,
    EndpointPatch,
    MessageIn,
    MessagePrecheckIn,
    Svix,
)
from svix.exceptions import HttpError, HTTPValidationError


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


@pytest.fixture(scope="module")
def http(shared_hookline):
    with httpx.Client(
        base_url=shared_hookline.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as client:
        yield client


def new_app(svix: Svix) -> str:
    return svix.application.create(ApplicationIn(name=f"Headers {secrets.token_hex(3)}")).id


def test_headers_are_set_patched_sent_and_sensitive_values_never_shown(svix, receiver):
    app = new_app(svix)
    ep = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/h", headers={"X-Old": "1"})).id
    assert svix.endpoint.get_headers(app, ep).headers == {"X-Old": "1"}

    svix.endpoint.set_headers(
        app, ep, EndpointHeadersIn(headers={"X-Tenant": "42", "Authorization": "Bearer s3cr3t"})
    )
    got = svix.endpoint.get_headers(app, ep)
    assert (got.headers, got.sensitive) == ({"X-Tenant": "42"}, ["Authorization"])  # X-Old gone

    svix.endpoint.patch_headers(
        app,
        ep,
        EndpointHeadersPatchIn(
            headers={"x-tenant": "43", "X-Auth-Token": "t0k3n", "X-Region": "eu"},
            delete_headers=["authorization"],
        ),
    )
    got = svix.endpoint.get_headers(app, ep)
    assert got.headers == {"x-tenant": "43", "X-Region": "eu"}  # replaced whatever the case
    assert got.sensitive == ["X-Auth-Token"]

    svix.message.create(app, MessageIn(event_type="a.b", payload={}))
    [request] = receiver.wait_for(lambda reqs: len(reqs) >= 1)
    sent = {k.lower(): v for k, v in request.headers.items()}
    assert (sent["x-tenant"], sent["x-region"], sent["x-auth-token"]) == ("43", "eu", "t0k3n")
    assert "authorization" not in sent
    # The endpoint itself still carries no header values in its answer.
    assert "t0k3n" not in svix.endpoint.get(app, ep).model_dump_json()


def test_bad_headers_are_422_and_change_nothing(svix, http):
    app = new_app(svix)
    ep = svix.endpoint.create(app, EndpointIn(url="http://127.0.0.1:9/h", headers={"X-A": "1"})).id
    for bad in ({"webhook-id": "x"}, {"Bad Name": "x"}, {"X-B": " padded"}):
        with pytest.raises(HTTPValidationError):
            svix.endpoint.set_headers(app, ep, EndpointHeadersIn(headers=bad))
        with pytest.raises(HTTPValidationError):
            svix.endpoint.patch_headers(app, ep, EndpointHeadersPatchIn(headers=bad))
    # More than 20 once patched.
    many = {f"X-{i}": "v" for i in range(20)}
    r = http.patch(f"/api/v1/app/{app}/endpoint/{ep}/headers", json={"headers": many})
    assert r.status_code == 422 and "at most 20" in r.text
    assert svix.endpoint.get_headers(app, ep).headers == {"X-A": "1"}
    r = http.get(f"/api/v1/app/{app}/endpoint/ep_{'0' * 22}/headers")
    assert r.status_code == 404


def test_precheck_follows_the_routing_rules(svix):
    app = new_app(svix)

    def active(event_type: str, channels: list[str] | None = None) -> bool:
        body = MessagePrecheckIn(event_type=event_type, channels=channels)
        return svix.message.precheck(app, body).active

    assert not active("a.b")  # no endpoint at all
    typed = svix.endpoint.create(
        app, EndpointIn(url="http://127.0.0.1:9/t", event_types=["order.paid"])
    ).id
    svix.endpoint.create(
        app, EndpointIn(url="http://127.0.0.1:9/c", channels=["eu"], event_types=["user.new"])
    )
    assert active("order.paid")
    assert not active("order.created")
    assert not active("user.new")  # that endpoint wants the channel
    assert active("user.new", ["us", "eu"])
    assert not active("user.new", ["us"])
    svix.endpoint.patch(app, typed, EndpointPatch(disabled=True))
    assert not active("order.paid")  # disabled endpoints receive nothing
    with pytest.raises(HTTPValidationError):
        active("bad type!")
    with pytest.raises(HttpError) as err:
        svix.message.precheck(f"app_{'0' * 22}", MessagePrecheckIn(event_type="a.b"))
    assert err.value.status_code == 404
