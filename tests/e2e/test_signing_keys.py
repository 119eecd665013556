"""Secret rotation (through the svix SDK) and Ed25519 endpoints (v1a signatures)."""

from __future__ import annotations

import base64
import os

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from server_process import TOKEN
from standardwebhooks.webhooks import Webhook as StandardWebhook
from standardwebhooks.webhooks import WebhookVerificationError
from svix.api import ApplicationIn, EndpointIn, EndpointSecretRotateIn, MessageIn
from svix.webhooks import Webhook as SvixWebhook

from hookline import signing
from hookline.verify import VerificationError, verify

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def publish_and_receive(svix, app_id: str, receiver, n: int):
    msg = svix.message.create(app_id, MessageIn(event_type="a.b", payload={"n": n}))
    got = receiver.wait_for(lambda reqs: any(r.headers["webhook-id"] == msg.id for r in reqs))
    return next(r for r in got if r.headers["webhook-id"] == msg.id)


def entries(request) -> list[str]:
    return request.headers["webhook-signature"].split(" ")


def test_rotation_signs_with_the_new_and_the_old_secret(shared_hookline, receiver):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Rotate"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    old = svix.endpoint.get_secret(app.id, ep.id).key

    rotated = svix.endpoint.rotate_secret(app.id, ep.id, EndpointSecretRotateIn())
    new = svix.endpoint.get_secret(app.id, ep.id).key
    assert rotated.key == new != old
    assert new.startswith("whsec_")

    request = publish_and_receive(svix, app.id, receiver, 1)
    first, second = entries(request)
    ts = int(request.headers["webhook-timestamp"])
    assert first == signing.signer(new)(request.headers["webhook-id"], ts, request.body)
    assert second == signing.signer(old)(request.headers["webhook-id"], ts, request.body)
    for secret in (new, old):  # receivers on either secret accept it
        StandardWebhook(secret).verify(request.body, request.headers)
        SvixWebhook(secret).verify(request.body, request.headers)
        verify(request.body, request.headers, secret)
    stranger = signing.generate_secret()
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(stranger).verify(request.body, request.headers)


def test_a_given_key_and_at_most_five_previous_secrets(shared_hookline, receiver):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Many rotations"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    secrets = [svix.endpoint.get_secret(app.id, ep.id).key]
    for _ in range(7):
        given = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        assert (
            svix.endpoint.rotate_secret(app.id, ep.id, EndpointSecretRotateIn(key=given)).key
            == given
        )
        secrets.append(given)
    assert svix.endpoint.get_secret(app.id, ep.id).key == secrets[-1]

    request = publish_and_receive(svix, app.id, receiver, 1)
    signed = entries(request)
    assert len(signed) == 6  # the current secret and the five newest previous ones
    ts, msg_id = int(request.headers["webhook-timestamp"]), request.headers["webhook-id"]
    expected = [signing.signer(s)(msg_id, ts, request.body) for s in reversed(secrets[-6:])]
    assert signed == expected
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(secrets[1]).verify(request.body, request.headers)  # dropped


def test_a_zero_grace_period_retires_the_old_secret_at_once(shared_hookline, receiver):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Leaked"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    old = svix.endpoint.get_secret(app.id, ep.id).key
    new = svix.endpoint.rotate_secret(
        app.id, ep.id, EndpointSecretRotateIn(grace_period_seconds=0)
    ).key
    request = publish_and_receive(svix, app.id, receiver, 1)
    assert len(entries(request)) == 1
    StandardWebhook(new).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(old).verify(request.body, request.headers)


def test_rotation_refuses_a_bad_key_and_unknown_endpoints(shared_hookline):
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        app = http.post("/api/v1/app", json={"name": "Bad"}).json()["id"]
        ep = http.post(f"/api/v1/app/{app}/endpoint", json={"url": "http://127.0.0.1:9/"}).json()
        path = f"/api/v1/app/{app}/endpoint/{ep['id']}/secret/rotate"
        before = http.get(f"/api/v1/app/{app}/endpoint/{ep['id']}/secret").json()["key"]
        for body in ({"key": "whsec_short"}, {"gracePeriodSeconds": -1}, {"key": 5}):
            r = http.post(path, json=body)
            assert r.status_code == 422, r.text
        assert http.get(f"/api/v1/app/{app}/endpoint/{ep['id']}/secret").json()["key"] == before
        r = http.post(f"/api/v1/app/{app}/endpoint/ep_unknown/secret/rotate", json={})
        assert r.status_code == 404
        r = http.post(path)  # no body at all: a new secret of the same kind
        assert r.status_code == 200 and r.json()["key"].startswith("whsec_"), r.text
        assert http.get(f"/api/v1/app/{app}/endpoint/{ep['id']}/secret").json() == r.json()


# Ed25519


def _verify_v1a(public: str, request) -> None:
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public.removeprefix("whpk_")))
    signed = b"%s.%s.%s" % (
        request.headers["webhook-id"].encode(),
        request.headers["webhook-timestamp"].encode(),
        request.body,
    )
    [entry] = entries(request)
    version, _, signature = entry.partition(",")
    assert version == "v1a"
    key.verify(base64.b64decode(signature), signed)  # raises if invalid


def test_an_ed25519_endpoint_signs_v1a_and_shows_only_its_public_key(shared_hookline, receiver):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Ed25519"))
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        r = http.post(
            f"/api/v1/app/{app.id}/endpoint",
            json={"url": f"{receiver.url}/ed", "signatureScheme": "ed25519"},
        )
        assert r.status_code == 201, r.text
    ep_id = r.json()["id"]
    public = svix.endpoint.get_secret(app.id, ep_id).key
    assert public.startswith("whpk_")
    assert len(base64.b64decode(public.removeprefix("whpk_"))) == 32

    request = publish_and_receive(svix, app.id, receiver, 1)
    _verify_v1a(public, request)
    verify(request.body, request.headers, public)
    with pytest.raises(VerificationError):
        verify(request.body + b" ", request.headers, public)

    # Rotating keeps the scheme; the old public key verifies the second signature.
    new_public = svix.endpoint.rotate_secret(app.id, ep_id, EndpointSecretRotateIn()).key
    assert new_public.startswith("whpk_") and new_public != public
    request = publish_and_receive(svix, app.id, receiver, 2)
    assert [e.split(",")[0] for e in entries(request)] == ["v1a", "v1a"]
    verify(request.body, request.headers, new_public)
    verify(request.body, request.headers, public)


def test_a_given_whsk_key_is_used_and_its_public_key_answered(shared_hookline, receiver):
    seed = os.urandom(32)
    given = "whsk_" + base64.b64encode(seed).decode()
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Given key"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/given", secret=given))
    public = svix.endpoint.get_secret(app.id, ep.id).key
    assert public == signing.public_secret(given)
    request = publish_and_receive(svix, app.id, receiver, 1)
    _verify_v1a(public, request)


@pytest.mark.parametrize(
    "body",
    [
        {"signatureScheme": "rsa"},
        {"signatureScheme": "hmac-sha256", "secret": signing.generate_ed25519_secret()},
        {"signatureScheme": "ed25519", "secret": signing.generate_secret()},
        {"secret": "whsk_" + base64.b64encode(b"k" * 64).decode()},
    ],
)
def test_inconsistent_keys_are_422(shared_hookline, body):
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        app = http.post("/api/v1/app", json={"name": "Bad keys"}).json()["id"]
        r = http.post(f"/api/v1/app/{app}/endpoint", json={"url": "http://127.0.0.1:9/", **body})
        assert r.status_code == 422, r.text
        assert http.get(f"/api/v1/app/{app}/endpoint").json()["data"] == []
