"""An endpoint's secrets as stored: the signing secret, the previous ones still signing after a
rotation, and the TLS client key, all sealed (see hookline.secrets_at_rest).

Pure functions from column values to what the worker and the API need, and back.
`previous` is a JSON list of `{"secret": <sealed>, "expiresAt": <ms>}`, newest first.
"""

from __future__ import annotations

import logging
from typing import Any

from hookline.secrets_at_rest import ENDPOINT_SECRET, TLS_CLIENT_KEY, SecretBox, UnreadableSecret
from hookline.types import EndpointTls

log = logging.getLogger("hookline.store")

# After a rotation the previous secret keeps signing this long (Svix's default)...
DEFAULT_GRACE_MS = 24 * 3600 * 1000
# ...and at most this many previous secrets sign beside the current one (as in Svix).
MAX_PREVIOUS_SECRETS = 5


def _box(box: SecretBox | None) -> SecretBox:
    if box is None:
        raise RuntimeError("no secret key: the store was opened without a SecretBox")
    return box


def seal_secret(box: SecretBox | None, secret: str) -> str:
    return _box(box).seal(secret, ENDPOINT_SECRET)


def open_secret(box: SecretBox | None, stored: str) -> str:
    return _box(box).open(stored, ENDPOINT_SECRET)


def unexpired(previous: list[dict[str, Any]] | None, now_ms: int) -> list[dict[str, Any]]:
    return [p for p in previous or () if p["expiresAt"] > now_ms]


def signing_secrets(
    box: SecretBox | None, secret: str, previous: list[dict[str, Any]] | None, now_ms: int
) -> tuple[str, ...]:
    """The secrets a delivery is signed with: the current one first, then each previous one
    until its grace period ends. A value that does not open (damaged in the database) is left
    out rather than stalling the worker's whole batch; with none left the client refuses to
    send the delivery unsigned, and its attempt says why."""
    opened = []
    for stored in (secret, *(p["secret"] for p in unexpired(previous, now_ms))):
        try:
            opened.append(open_secret(box, stored))
        except UnreadableSecret as exc:
            log.error("an endpoint signing secret cannot be read: %s", exc)
    return tuple(opened)


def rotated(
    current_sealed: str, previous: list[dict[str, Any]] | None, now_ms: int, grace_ms: int
) -> list[dict[str, Any]] | None:
    """The previous-secrets list after a rotation: the outgoing secret first (unless the grace
    period is zero), expired entries dropped, the oldest dropped beyond the limit. Dropping
    rather than refusing: a rotation after a leak must always be possible."""
    kept = unexpired(previous, now_ms)
    if grace_ms > 0:
        kept.insert(0, {"secret": current_sealed, "expiresAt": now_ms + grace_ms})
    return kept[:MAX_PREVIOUS_SECRETS] or None


def tls_columns(box: SecretBox | None, tls: EndpointTls | None) -> dict[str, str | None]:
    """Column values for TLS settings (None removes them); the client key is sealed."""
    if tls is None:
        return {"tls_client_cert": None, "tls_client_key": None, "tls_ca_cert": None}
    return {
        "tls_client_cert": tls.client_cert,
        "tls_client_key": _box(box).seal(tls.client_key, TLS_CLIENT_KEY)
        if tls.client_key
        else None,
        "tls_ca_cert": tls.ca_cert,
    }


def endpoint_tls(
    box: SecretBox | None, client_cert: str | None, client_key: str | None, ca_cert: str | None
) -> EndpointTls | None:
    """The worker's view of an endpoint's TLS settings (the key opened); None if it has none."""
    if not (client_cert or ca_cert):
        return None
    key = None
    if client_key:
        try:
            key = _box(box).open(client_key, TLS_CLIENT_KEY)
        except UnreadableSecret as exc:  # the send fails with kind `tls` (a cert, no key)
            log.error("an endpoint TLS client key cannot be read: %s", exc)
    return EndpointTls(client_cert=client_cert, client_key=key, ca_cert=ca_cert)
