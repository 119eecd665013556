"""hookline.verify: the receiver-side check of Hookline's (Standard Webhooks) signatures."""

from __future__ import annotations

import base64

import pytest
from standardwebhooks.webhooks import Webhook

from hookline import signing
from hookline.verify import VerificationError, verify

NOW = 1_800_000_000
BODY = b'{"invoice":"inv_1","amount":4200}'
SECRET = "whsec_" + base64.b64encode(b"\x01" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"\x02" * 32).decode()
ED_KEY = signing.normalize_secret("whsk_" + base64.b64encode(b"\x03" * 32).decode())
ED_PUBLIC = signing.public_secret(ED_KEY)
ED_OTHER = signing.public_secret(
    signing.normalize_secret("whsk_" + base64.b64encode(b"\x04" * 32).decode())
)


def headers(
    *secrets: str, ts: int = NOW, msg_id: str = "msg_1", body: bytes = BODY, prefix="webhook"
) -> dict[str, str]:
    signed = signing.signatures(tuple(signing.signer(s) for s in secrets), msg_id, ts, body)
    return {f"{prefix}-id": msg_id, f"{prefix}-timestamp": str(ts), f"{prefix}-signature": signed}


VALID = [
    ("hmac", BODY, headers(SECRET), SECRET),
    ("ed25519 with the public key", BODY, headers(ED_KEY), ED_PUBLIC),
    ("ed25519 with the private key", BODY, headers(ED_KEY), ED_KEY),
    ("svix-* header names", BODY, headers(SECRET, prefix="svix"), SECRET),
    ("header names in any case", BODY, {k.upper(): v for k, v in headers(SECRET).items()}, SECRET),
    ("new and old secret, verified with the new", BODY, headers(OTHER, SECRET), OTHER),
    ("new and old secret, verified with the old", BODY, headers(OTHER, SECRET), SECRET),
    ("mixed schemes, hmac secret", BODY, headers(ED_KEY, SECRET), SECRET),
    ("mixed schemes, public key", BODY, headers(ED_KEY, SECRET), ED_PUBLIC),
    ("4 minutes old", BODY, headers(SECRET, ts=NOW - 240), SECRET),
    ("4 minutes ahead", BODY, headers(SECRET, ts=NOW + 240), SECRET),
    ("str payload", BODY.decode(), headers(SECRET), SECRET),
    (
        "unknown versions skipped",
        BODY,
        {**headers(SECRET), "webhook-signature": "v9,xyz " + headers(SECRET)["webhook-signature"]},
        SECRET,
    ),  # noqa: E501
]

INVALID = [
    ("tampered body", BODY + b" ", headers(SECRET), SECRET, "no valid signature"),
    ("wrong secret", BODY, headers(SECRET), OTHER, "no valid signature"),
    ("wrong public key", BODY, headers(ED_KEY), ED_OTHER, "no valid signature"),
    ("hmac header, ed25519 key", BODY, headers(SECRET), ED_PUBLIC, "no valid signature"),
    ("ed25519 header, hmac secret", BODY, headers(ED_KEY), SECRET, "no valid signature"),
    ("too old", BODY, headers(SECRET, ts=NOW - 301), SECRET, "too old"),
    ("too new", BODY, headers(SECRET, ts=NOW + 301), SECRET, "future"),
    ("other message id", BODY, {**headers(SECRET), "webhook-id": "msg_2"}, SECRET, "no valid"),
    (
        "missing id",
        BODY,
        {k: v for k, v in headers(SECRET).items() if k != "webhook-id"},
        SECRET,
        "missing webhook-id",
    ),  # noqa: E501
    (
        "missing signature",
        BODY,
        {k: v for k, v in headers(SECRET).items() if k != "webhook-signature"},
        SECRET,
        "missing webhook-signature",
    ),  # noqa: E501
    (
        "timestamp not a number",
        BODY,
        {**headers(SECRET), "webhook-timestamp": "12e8"},
        SECRET,
        "unix time",
    ),  # noqa: E501
    (
        "signature not base64",
        BODY,
        {**headers(SECRET), "webhook-signature": "v1,@@@"},
        SECRET,
        "no valid",
    ),  # noqa: E501
    ("empty signature", BODY, {**headers(SECRET), "webhook-signature": "v1,"}, SECRET, "no valid"),
    ("secret not base64", BODY, headers(SECRET), "whsec_###", "secret is not valid base64"),
]


@pytest.mark.parametrize(("case", "body", "given", "secret"), VALID, ids=[c[0] for c in VALID])
def test_valid_webhooks_pass(case, body, given, secret):
    assert verify(body, given, secret, now=NOW) is None


@pytest.mark.parametrize(
    ("case", "body", "given", "secret", "reason"), INVALID, ids=[c[0] for c in INVALID]
)
def test_invalid_webhooks_fail_with_a_reason(case, body, given, secret, reason):
    with pytest.raises(VerificationError, match=reason):
        verify(body, given, secret, now=NOW)


def test_tolerance_is_adjustable():
    given = headers(SECRET, ts=NOW - 600)
    with pytest.raises(VerificationError):
        verify(BODY, given, SECRET, now=NOW)
    verify(BODY, given, SECRET, tolerance=700, now=NOW)


def test_agrees_with_the_standardwebhooks_library_on_real_time():
    import time

    ts = int(time.time())
    given = headers(SECRET, ts=ts)
    verify(BODY, given, SECRET)
    Webhook(SECRET).verify(BODY, given)


def test_importable_without_the_server():
    """Only the standard library (and cryptography, lazily) is imported."""
    import subprocess
    import sys

    code = (
        "import sys, hookline.verify\n"
        "bad = {'fastapi', 'aiohttp', 'sqlalchemy', 'uvicorn', 'cryptography'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
