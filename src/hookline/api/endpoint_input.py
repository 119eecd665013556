"""Checks on what callers give for an endpoint: its URL (SSRF guard and https rule, with DNS),
its signing secret or key, and its TLS settings. Each problem is a 422 naming the field."""

from __future__ import annotations

import asyncio
from typing import Any

from hookline import signing
from hookline.api.errors import ApiError
from hookline.config import Settings
from hookline.delivery.endpoint_url import InvalidEndpointUrl, check_url_with_dns
from hookline.delivery.tls import TlsSettingsError, check_tls_settings
from hookline.types import EndpointTls

DNS_TIMEOUT_SECONDS = 5.0


async def checked_url(settings: Settings, url: str) -> str:
    """The URL to store, in its canonical form (``endpoint_url.canonicalise``: the form the
    worker sends to), if Hookline may deliver to it: http(s), not a blocked address (IP
    literals in any spelling, and every address a host name resolves to now), and plain http
    only towards HOOKLINE_ALLOW_PRIVATE_NETWORKS unless HOOKLINE_ALLOW_HTTP is set. The worker
    checks the addresses again on every connection (DNS can change); this is for an early,
    clear 422."""
    try:
        parts = await asyncio.wait_for(
            check_url_with_dns(url, settings.allow_private_networks, settings.allow_http),
            DNS_TIMEOUT_SECONDS,
        )
    except InvalidEndpointUrl as exc:
        raise ApiError(422, str(exc), field="url") from None
    except TimeoutError:
        problem = f"The URL host could not be resolved within {DNS_TIMEOUT_SECONDS:g} seconds."
        raise ApiError(422, problem, field="url") from None
    return parts.url


def endpoint_secret(given: str | None, scheme: str | None = None) -> str:
    """The secret to store: the caller's (validated, canonical) or a new one of `scheme`."""
    if given is None:
        if scheme == "ed25519":
            return signing.generate_ed25519_secret()
        return signing.generate_secret()
    try:
        secret = signing.normalize_secret(given)
    except signing.InvalidSecret as exc:
        raise ApiError(422, str(exc), field="secret") from exc
    if scheme is not None and signing.is_asymmetric(secret) != (scheme == "ed25519"):
        raise ApiError(
            422,
            f"signatureScheme {scheme!r} does not match the secret given "
            "(whsec_ is hmac-sha256, whsk_ is ed25519)",
            field="signatureScheme",
        )
    return secret


def tls_setting(given: dict[str, Any] | None) -> EndpointTls | None:
    """The endpoint's TLS settings from the request's `tls` object (None removes them)."""
    if given is None:
        return None
    tls = EndpointTls(
        client_cert=given.get("client_cert"),
        client_key=given.get("client_key"),
        ca_cert=given.get("ca_cert"),
    )
    if not (tls.client_cert or tls.client_key or tls.ca_cert):
        return None
    try:
        check_tls_settings(tls)
    except TlsSettingsError as exc:
        problem = ApiError(422, str(exc))
        loc = ["body", "tls", exc.field]
        problem.detail = [{"loc": loc, "msg": str(exc), "type": "value_error"}]
        raise problem from exc
    return tls
