"""Standard Webhooks signing (https://www.standardwebhooks.com/). Pure functions.

The signed content is `{msg_id}.{timestamp}.{body}`; the signature header carries one entry per
active secret, separated by spaces: `v1,<base64 HMAC-SHA256>` for a symmetric `whsec_` secret
and `v1a,<base64 Ed25519 signature>` for an asymmetric `whsk_` key, whose public half
(`whpk_…`) is what receivers verify with. Key formats follow Svix: `whsk_` is base64 of the
64-byte Ed25519 key (seed and public key); a bare 32-byte seed is accepted too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _secrets
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SECRET_PREFIX = "whsec_"
ASYMMETRIC_PREFIX = "whsk_"
PUBLIC_KEY_PREFIX = "whpk_"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
GENERATED_SECRET_BYTES = 32
ED25519_SEED_BYTES = 32

# Signs (msg_id, timestamp, body) and returns one `v1,…` or `v1a,…` header entry.
Signer = Callable[[str, int, bytes], str]


class InvalidSecret(ValueError):
    pass


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(GENERATED_SECRET_BYTES)).decode()


def generate_ed25519_secret() -> str:
    seed = _secrets.token_bytes(ED25519_SEED_BYTES)
    return ASYMMETRIC_PREFIX + base64.b64encode(seed + _public_bytes(seed)).decode()


def is_asymmetric(secret: str) -> bool:
    return secret.startswith(ASYMMETRIC_PREFIX)


def _b64(raw: str, what: str) -> bytes:
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSecret(f"{what} must be base64") from exc


def _public_bytes(seed: bytes) -> bytes:
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def secret_key_bytes(secret: str) -> bytes:
    """Decode a `whsec_…` (or bare base64) secret into the HMAC key."""
    key = _b64(secret.removeprefix(SECRET_PREFIX), "secret (optionally prefixed with whsec_)")
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidSecret(
            f"secret must decode to {MIN_SECRET_BYTES}-{MAX_SECRET_BYTES} bytes, got {len(key)}"
        )
    return key


def ed25519_seed(secret: str) -> bytes:
    """The 32-byte seed of a `whsk_` key given as 32 bytes (seed) or 64 (seed + public key)."""
    raw = _b64(secret.removeprefix(ASYMMETRIC_PREFIX), "whsk_ key")
    if len(raw) not in (ED25519_SEED_BYTES, 2 * ED25519_SEED_BYTES):
        raise InvalidSecret(f"a whsk_ key must decode to 32 or 64 bytes, got {len(raw)}")
    seed = raw[:ED25519_SEED_BYTES]
    if len(raw) == 64 and not hmac.compare_digest(raw[32:], _public_bytes(seed)):
        raise InvalidSecret("the whsk_ key's last 32 bytes are not the public key of its seed")
    return seed


def normalize_secret(secret: str) -> str:
    """Validate a caller-given secret and return it in its canonical form: `whsec_` + base64
    of the HMAC key, or `whsk_` + base64 of the 64-byte Ed25519 key."""
    if is_asymmetric(secret):
        seed = ed25519_seed(secret)
        return ASYMMETRIC_PREFIX + base64.b64encode(seed + _public_bytes(seed)).decode()
    key = secret_key_bytes(secret)
    return SECRET_PREFIX + base64.b64encode(key).decode()


def public_secret(secret: str) -> str:
    """What a receiver verifies with: the `whpk_` public key of an asymmetric key, or the
    symmetric secret itself (as Svix answers `GET …/secret`)."""
    if is_asymmetric(secret):
        return PUBLIC_KEY_PREFIX + base64.b64encode(_public_bytes(ed25519_seed(secret))).decode()
    return secret


def _signed_content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    return b"%s.%d.%s" % (msg_id.encode(), timestamp, body)


def sign_v1(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key, _signed_content(msg_id, timestamp, body), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_v1a(key: Ed25519PrivateKey, msg_id: str, timestamp: int, body: bytes) -> str:
    signature = key.sign(_signed_content(msg_id, timestamp, body))
    return "v1a," + base64.b64encode(signature).decode()


def signer(secret: str) -> Signer:
    """A signer for one secret, with the key decoded once (callers cache it per secret)."""
    if is_asymmetric(secret):
        private = Ed25519PrivateKey.from_private_bytes(ed25519_seed(secret))
        return lambda msg_id, ts, body: sign_v1a(private, msg_id, ts, body)
    key = secret_key_bytes(secret)
    return lambda msg_id, ts, body: sign_v1(key, msg_id, ts, body)


def signature_header(keys: tuple[bytes, ...], msg_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(sign_v1(key, msg_id, timestamp, body) for key in keys)


def signatures(signers: tuple[Signer, ...], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one entry per active secret, the newest first."""
    return " ".join(sign(msg_id, timestamp, body) for sign in signers)
