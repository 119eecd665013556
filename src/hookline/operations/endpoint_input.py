"""Checks on what callers give for an endpoint: its URL (SSRF guard and https rule, with DNS),
its signing secret or key, and its TLS settings. Each problem is an InvalidInput naming the
field."""

from __future__ import annotations

import asyncio

from hookline import signing
from hookline.config import Settings
from hookline.delivery.endpoint_url import InvalidEndpointUrl, check_url_with_dns
from hookline.delivery.tls import TlsSettingsError, check_tls_settings
from hookline.operations.errors import InvalidInput
from hookline.types import EndpointTls

DNS_TIMEOUT_SECONDS = 5.0


async def checked_url(settings: Settings, url: str) -> str:
    """The URL to store, in its canonical form (``endpoint_url.canonicalise``: the form the
    worker sends to), if Hookline may deliver to it: http(s), not a blocked address (IP
    literals in any spelling, and every address a host name resolves to now), and plain http
    only towards HOOKLINE_ALLOW_PRIVATE_NETWORKS unless HOOKLINE_ALLOW_HTTP is set. The worker
    checks the addresses again on every connection (DNS can change); this is for an early,
    clear refusal."""
    try:
        parts = await asyncio.wait_for(
            check_url_with_dns(url, settings.allow_private_networks, settings.allow_http),
            DNS_TIMEOUT_SECONDS,
        )
    except InvalidEndpointUrl as exc:
        raise InvalidInput(str(exc), "url") from None
    except TimeoutError:
        problem = f"The URL host could not be resolved within {DNS_TIMEOUT_SECONDS:g} seconds."
        raise InvalidInput(problem, "url") from None
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
        raise InvalidInput(str(exc), "secret") from exc
    if scheme is not None and signing.is_asymmetric(secret) != (scheme == "ed25519"):
        raise InvalidInput(
            f"signatureScheme {scheme!r} does not match the secret given "
            "(whsec_ is hmac-sha256, whsk_ is ed25519)",
            "signatureScheme",
        )
    return secret


def tls_setting(given: EndpointTls | None) -> EndpointTls | None:
    """The endpoint's TLS settings to store (None removes them: nothing given, or all empty)."""
    if given is None or not (given.client_cert or given.client_key or given.ca_cert):
        return None
    try:
        check_tls_settings(given)
    except TlsSettingsError as exc:
        raise InvalidInput(str(exc), f"tls.{exc.field}") from exc
    return given
