"""Standard Webhooks signing (https://www.standardwebhooks.com/). Pure functions.

The signed content is `{msg_id}.{timestamp}.{body}`; the signature header carries one
`v1,<base64 HMAC-SHA256>` entry per active secret, separated by spaces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _secrets

SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
GENERATED_SECRET_BYTES = 32


class InvalidSecret(ValueError):
    pass


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(GENERATED_SECRET_BYTES)).decode()


def secret_key_bytes(secret: str) -> bytes:
    """Decode a `whsec_…` (or bare base64) secret into the HMAC key."""
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSecret("secret must be base64, optionally prefixed with whsec_") from exc
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidSecret(
            f"secret must decode to {MIN_SECRET_BYTES}-{MAX_SECRET_BYTES} bytes, got {len(key)}"
        )
    return key


def normalize_secret(secret: str) -> str:
    """Validate a caller-given secret and return it in the canonical `whsec_` form."""
    key = secret_key_bytes(secret)
    return SECRET_PREFIX + base64.b64encode(key).decode()


def sign_v1(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    to_sign = b"%s.%d.%s" % (msg_id.encode(), timestamp, body)
    digest = hmac.new(key, to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(keys: tuple[bytes, ...], msg_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(sign_v1(key, msg_id, timestamp, body) for key in keys)
