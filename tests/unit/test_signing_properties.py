"""Signing and verification, for any input: every signature Hookline writes verifies with the
receiver's libraries (`hookline.verify`, `standardwebhooks`), for every secret length it accepts
and every set of secrets during a rotation; any change to the body, the id, the timestamp or the
secret is refused."""

from __future__ import annotations

import base64
import string
import time

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hookline import signing
from hookline.verify import DEFAULT_TOLERANCE_SECONDS, VerificationError, verify

NOW = 1_800_000_000

# Message ids as header values carry them: printable ASCII without spaces.
msg_ids = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=40)
hmac_keys = st.binary(min_size=signing.MIN_SECRET_BYTES, max_size=signing.MAX_SECRET_BYTES)
ed25519_seeds = st.binary(min_size=signing.ED25519_SEED_BYTES, max_size=signing.ED25519_SEED_BYTES)
bodies = st.binary(max_size=4096)
timestamps = st.integers(min_value=0, max_value=2**40)


def _whsec(key: bytes) -> str:
    return signing.SECRET_PREFIX + base64.b64encode(key).decode()


def _whsk(seed: bytes) -> str:
    return signing.normalize_secret(signing.ASYMMETRIC_PREFIX + base64.b64encode(seed).decode())


def _headers(msg_id: str, timestamp: int, signature: str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def _sign(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    return signing.signatures(tuple(map(signing.signer, secrets)), msg_id, timestamp, body)


@given(key=hmac_keys, msg_id=msg_ids, timestamp=timestamps, body=bodies)
def test_every_hmac_signature_verifies(key, msg_id, timestamp, body):
    secret = _whsec(key)
    headers = _headers(msg_id, timestamp, _sign([secret], msg_id, timestamp, body))
    verify(body, headers, secret, now=timestamp)


@given(key=hmac_keys, msg_id=msg_ids, text=st.text(max_size=2048))
def test_the_standard_webhooks_library_accepts_every_signature(key, msg_id, text):
    # That library reads the body as text and checks the timestamp against its own clock.
    body = text.encode()
    secret = _whsec(key)
    timestamp = int(time.time())
    headers = _headers(msg_id, timestamp, _sign([secret], msg_id, timestamp, body))
    Webhook(secret).verify(body, headers, json_parse=False)


@given(seed=ed25519_seeds, msg_id=msg_ids, timestamp=timestamps, body=bodies)
def test_every_ed25519_signature_verifies_with_the_public_key(seed, msg_id, timestamp, body):
    secret = _whsk(seed)
    headers = _headers(msg_id, timestamp, _sign([secret], msg_id, timestamp, body))
    verify(body, headers, signing.public_secret(secret), now=timestamp)


@given(
    secrets=st.lists(
        st.one_of(hmac_keys.map(_whsec), ed25519_seeds.map(_whsk)),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    stranger=hmac_keys,
    msg_id=msg_ids,
    body=bodies,
)
def test_during_a_rotation_each_active_secret_verifies_and_no_other(
    secrets, stranger, msg_id, body
):
    header = _sign(secrets, msg_id, NOW, body)
    headers = _headers(msg_id, NOW, header)
    assert len(header.split()) == len(secrets)
    for secret in secrets:
        verify(body, headers, signing.public_secret(secret), now=NOW)
    assume(_whsec(stranger) not in secrets)
    with pytest.raises(VerificationError):
        verify(body, headers, _whsec(stranger), now=NOW)


@given(key=hmac_keys, msg_id=msg_ids, body=bodies, other=bodies)
def test_a_changed_body_is_refused(key, msg_id, body, other):
    assume(other != body)
    secret = _whsec(key)
    headers = _headers(msg_id, NOW, _sign([secret], msg_id, NOW, body))
    with pytest.raises(VerificationError):
        verify(other, headers, secret, now=NOW)


@given(seed=ed25519_seeds, msg_id=msg_ids, body=bodies, other=bodies)
def test_a_changed_body_is_refused_for_ed25519(seed, msg_id, body, other):
    assume(other != body)
    secret = _whsk(seed)
    headers = _headers(msg_id, NOW, _sign([secret], msg_id, NOW, body))
    with pytest.raises(VerificationError):
        verify(other, headers, signing.public_secret(secret), now=NOW)


@given(key=hmac_keys, msg_id=msg_ids, other_id=msg_ids, body=bodies, shift=st.integers(1, 10**6))
def test_another_id_or_timestamp_is_refused(key, msg_id, other_id, body, shift):
    assume(other_id != msg_id)
    secret = _whsec(key)
    signature = _sign([secret], msg_id, NOW, body)
    with pytest.raises(VerificationError):
        verify(body, _headers(other_id, NOW, signature), secret, now=NOW)
    # The timestamp is signed: moving it (still within the tolerance) breaks the signature.
    moved = NOW + shift % DEFAULT_TOLERANCE_SECONDS + 1
    with pytest.raises(VerificationError):
        verify(body, _headers(msg_id, moved, signature), secret, now=NOW)


@given(key=hmac_keys, msg_id=msg_ids, body=bodies, skew=st.integers(-(10**7), 10**7))
def test_the_timestamp_is_accepted_exactly_within_the_tolerance(key, msg_id, body, skew):
    secret = _whsec(key)
    timestamp = NOW + skew
    headers = _headers(msg_id, timestamp, _sign([secret], msg_id, timestamp, body))
    if abs(skew) <= DEFAULT_TOLERANCE_SECONDS:
        verify(body, headers, secret, now=NOW)
    else:
        with pytest.raises(VerificationError):
            verify(body, headers, secret, now=NOW)


@given(key=hmac_keys, msg_id=msg_ids, text=st.text(min_size=1, max_size=512))
def test_standard_webhooks_refuses_a_changed_body(key, msg_id, text):
    secret = _whsec(key)
    timestamp = int(time.time())
    body = text.encode()
    headers = _headers(msg_id, timestamp, _sign([secret], msg_id, timestamp, body))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers, json_parse=False)


@given(raw=st.text(max_size=120))
def test_any_string_as_a_secret_is_normalised_or_refused_with_a_reason(raw):
    try:
        normal = signing.normalize_secret(raw)
    except signing.InvalidSecret as exc:
        assert str(exc)
        return
    # A secret that was accepted signs, and its canonical form is accepted again as itself.
    assert signing.normalize_secret(normal) == normal
    signing.signer(normal)("msg_1", NOW, b"{}")


@given(
    msg_id=msg_ids,
    header=st.text(max_size=300),
    timestamp=st.text(max_size=20),
    secret=st.text(max_size=80),
    body=bodies,
)
def test_verify_never_fails_other_than_with_a_verification_error(
    msg_id, header, timestamp, secret, body
):
    """Whatever arrives (any header, any configured secret), a receiver gets a
    VerificationError to answer 400 with, never another exception."""
    headers = {"webhook-id": msg_id, "webhook-timestamp": timestamp, "webhook-signature": header}
    with pytest.raises(VerificationError):
        verify(body, headers, secret or "whsec_", now=NOW)
