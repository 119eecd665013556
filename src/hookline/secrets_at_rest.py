"""Encryption of the secrets Hookline keeps in its database: endpoint signing secrets (current
and previous) and endpoints' TLS client keys.

A value is sealed with AES-256-GCM under a key derived with HKDF-SHA256 from
`HOOKLINE_SECRET_KEY`, with a fresh random 96-bit nonce per value. Stored form:

    enc1:<key id, 8 hex>:<urlsafe base64 of nonce + ciphertext + tag>

`enc1` versions the format. The key id tells which secret key sealed a value, so a database
sealed under another key is detected at start-up instead of failing delivery by delivery, and
values sealed under `HOOKLINE_SECRET_KEY_PREVIOUS` can be found and sealed again. The
*purpose* of a value (which column it belongs to) is the associated data: a sealed value copied
into another column does not open.

Values without the prefix are plaintext from before encryption existed (migration 0001 stored
secrets as they are). They are read as they are and sealed at start-up by
`Endpoints.seal_secrets`; see docs/security.md.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "enc1:"
MIN_SECRET_KEY_CHARS = 32
NONCE_BYTES = 12
# Purposes: the associated data of each kind of sealed value.
ENDPOINT_SECRET = "endpoint-secret"
TLS_CLIENT_KEY = "tls-client-key"

_HKDF_SALT = b"hookline secrets at rest"
_HKDF_INFO = b"aes-256-gcm key v1"


class WrongSecretKey(Exception):
    """The database holds values sealed under a secret key Hookline was not given."""


class UnreadableSecret(ValueError):
    """A sealed value does not open: wrong key, wrong purpose, or damaged."""


def generate_secret_key() -> str:
    """A new `HOOKLINE_SECRET_KEY`: 256 random bits, 43 URL-safe characters."""
    return secrets.token_urlsafe(32)


def derive_key(secret_key: str) -> bytes:
    """The AES-256 key for a `HOOKLINE_SECRET_KEY`. HKDF rather than the raw characters: the
    setting is text of any length and structure, the cipher wants 32 uniform bytes."""
    if len(secret_key) < MIN_SECRET_KEY_CHARS:
        raise ValueError(f"the secret key must be at least {MIN_SECRET_KEY_CHARS} characters")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO)
    return hkdf.derive(secret_key.encode())


def key_id(key: bytes) -> str:
    """A short public name for a derived key (a MAC of a constant, not the key itself)."""
    return hmac.new(key, b"hookline key id", hashlib.sha256).hexdigest()[:8]


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def sealed_key_id(value: str) -> str | None:
    """The key id a sealed value names; None for plaintext."""
    if not is_sealed(value):
        return None
    return value[len(PREFIX) :].partition(":")[0]


class SecretBox:
    """Seals and opens secrets. `previous` keys only open (for rotating the secret key)."""

    def __init__(self, secret_key: str, previous: Sequence[str] = ()) -> None:
        current = derive_key(secret_key)
        self.key_id = key_id(current)
        self._ciphers = {self.key_id: AESGCM(current)}
        for old in previous:
            derived = derive_key(old)
            self._ciphers.setdefault(key_id(derived), AESGCM(derived))
        # The worker opens the same few secrets for every delivery: decrypt each once.
        self._open_cached = functools.lru_cache(maxsize=16384)(self._open)

    @property
    def known_key_ids(self) -> frozenset[str]:
        return frozenset(self._ciphers)

    def seal(self, plaintext: str, purpose: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.key_id].encrypt(nonce, plaintext.encode(), purpose.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{PREFIX}{self.key_id}:{body}"

    def open(self, stored: str, purpose: str) -> str:
        """The plaintext of a sealed value; plaintext (legacy) values come back unchanged."""
        if not is_sealed(stored):
            return stored
        return self._open_cached(stored, purpose)

    def needs_sealing(self, stored: str) -> bool:
        """True for plaintext and for values sealed under a previous key."""
        return sealed_key_id(stored) != self.key_id

    def _open(self, stored: str, purpose: str) -> str:
        kid, _, body = stored[len(PREFIX) :].partition(":")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise UnreadableSecret(f"sealed under an unknown secret key (key id {kid})")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            plain = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode())
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise UnreadableSecret("a sealed secret does not open (damaged or moved)") from exc
        return plain.decode()
