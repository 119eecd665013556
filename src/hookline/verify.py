"""Verifying Hookline's webhooks on the receiving side.

    from hookline.verify import VerificationError, verify

    try:
        verify(request_body_bytes, request_headers, "whsec_…")  # or "whpk_…"
    except VerificationError:
        ...  # answer 400 and ignore the request

Standalone on purpose: it needs only the standard library, plus `cryptography` for Ed25519
(`v1a`) signatures, so a receiver can install Hookline (or copy this file) without the server's
dependencies. It checks what the Standard Webhooks specification asks for:

* the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers (the `svix-*` names are
  accepted too, as Svix's libraries do; header names are case-insensitive);
* the timestamp is within `tolerance` seconds of now, either way (replayed or post-dated
  requests fail even with a valid signature);
* at least one space-separated entry of the signature header is valid: `v1,<base64>` is an
  HMAC-SHA256 with a `whsec_` secret (compared in constant time), `v1a,<base64>` an Ed25519
  signature checked with a `whpk_` public key. Several entries appear while an endpoint's
  secret is being rotated; entries of the other scheme or of unknown versions are skipped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

DEFAULT_TOLERANCE_SECONDS = 300

__all__ = ["DEFAULT_TOLERANCE_SECONDS", "VerificationError", "verify"]


class VerificationError(Exception):
    """The request is not a genuine, fresh webhook for this secret."""


def _header(lowered: Mapping[str, str], name: str) -> str:
    value = lowered.get(f"webhook-{name}") or lowered.get(f"svix-{name}")
    if not value:
        raise VerificationError(f"missing webhook-{name} header")
    return value.strip()


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError(f"{what} is not valid base64") from None


def _hmac_key(secret: str) -> bytes:
    key = _b64(secret.removeprefix("whsec_"), "the secret")
    if not key:
        raise VerificationError("the secret is empty")
    return key


def _ed25519_public_key(secret: str):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    if secret.startswith("whsk_"):  # a private key works too: use its public half
        raw = _b64(secret[5:], "the whsk_ key")
        if len(raw) not in (32, 64):
            raise VerificationError("a whsk_ key must be 32 or 64 bytes")
        return Ed25519PrivateKey.from_private_bytes(raw[:32]).public_key()
    raw = _b64(secret[5:], "the whpk_ key")
    if len(raw) != 32:
        raise VerificationError("a whpk_ key must be 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> None:
    """Return if the webhook is genuine and fresh; raise `VerificationError` otherwise.

    `payload` must be the request body exactly as received (bytes, not re-serialised JSON).
    `secret` is the endpoint's `whsec_…` secret or, for Ed25519 endpoints, its `whpk_…` key.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = _header(lowered, "id")
    timestamp_text = _header(lowered, "timestamp")
    signature = _header(lowered, "signature")
    if not timestamp_text.isascii() or not timestamp_text.isdigit():
        raise VerificationError("webhook-timestamp is not a unix time in seconds")
    timestamp = int(timestamp_text)
    current = time.time() if now is None else now
    if timestamp < current - tolerance:
        raise VerificationError("the webhook timestamp is too old")
    if timestamp > current + tolerance:
        raise VerificationError("the webhook timestamp is too far in the future")

    body = payload.encode() if isinstance(payload, str) else bytes(payload)
    signed = b"%s.%d.%s" % (msg_id.encode(), timestamp, body)
    if secret.startswith(("whpk_", "whsk_")):
        public_key = _ed25519_public_key(secret)
        for version, value in _entries(signature):
            if version == "v1a" and _ed25519_valid(public_key, value, signed):
                return
    else:
        expected = hmac.new(_hmac_key(secret), signed, hashlib.sha256).digest()
        for version, value in _entries(signature):
            if version != "v1":
                continue
            try:
                given = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                continue
            if hmac.compare_digest(expected, given):
                return
    raise VerificationError("no valid signature for this secret")


def _entries(header: str) -> list[tuple[str, str]]:
    entries = []
    for entry in header.split():
        version, sep, value = entry.partition(",")
        if sep:
            entries.append((version, value))
    return entries


def _ed25519_valid(public_key, value: str, signed: bytes) -> bool:  # type: ignore[no-untyped-def]
    from cryptography.exceptions import InvalidSignature

    try:
        public_key.verify(base64.b64decode(value, validate=True), signed)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
