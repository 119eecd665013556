"""TLS towards receivers: the shared default context, and one context per endpoint that has its
own settings (a client certificate for mutual TLS, CA certificates to trust instead of the
system store).

Building a context parses certificates and keys (milliseconds), so each endpoint's context is
built once and cached, keyed by the settings themselves: a changed certificate or key is a
different key, and the old context simply ages out of the LRU.

`check_tls_settings` is what the API runs before it stores settings, so that a certificate the
worker could not load is refused with a 422 instead of failing every delivery.
"""

from __future__ import annotations

import os
import secrets
import ssl
import tempfile
from collections import OrderedDict

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hookline.types import EndpointTls

MINIMUM_TLS_VERSION = ssl.TLSVersion.TLSv1_2
CONTEXT_CACHE_SIZE = 1024


class TlsSettingsError(ValueError):
    """Settings that cannot be turned into a context; `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def new_context(ca_cert: str | None = None) -> ssl.SSLContext:
    """A client context that verifies the server (certificate and host name) against the system
    store, or only against `ca_cert` when given, and speaks TLS 1.2 or newer."""
    try:
        context = (
            ssl.create_default_context(cadata=ca_cert) if ca_cert else ssl.create_default_context()
        )
    except (ssl.SSLError, ValueError) as exc:
        raise TlsSettingsError("caCert", f"caCert cannot be loaded: {exc}") from exc
    context.minimum_version = MINIMUM_TLS_VERSION
    return context


def _load_client_certificate(context: ssl.SSLContext, cert_pem: str, key_pem: str) -> None:
    """`load_cert_chain` only reads files. The key is written re-encrypted under a random
    one-time password, so its plaintext never touches the disk, into a private temporary
    directory that is removed at once."""
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except TypeError as exc:  # encrypted with a password we do not have
        raise TlsSettingsError("clientKey", "clientKey must not be password-protected") from exc
    except ValueError as exc:
        raise TlsSettingsError("clientKey", "clientKey is not a PEM private key") from exc
    password = secrets.token_bytes(32)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )
    with tempfile.TemporaryDirectory(prefix="hookline-tls-") as directory:
        cert_path = os.path.join(directory, "cert.pem")
        key_path = os.path.join(directory, "key.pem")
        with open(cert_path, "w") as fh:
            fh.write(cert_pem)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(encrypted)
        try:
            context.load_cert_chain(cert_path, key_path, password=password)
        except ssl.SSLError as exc:
            raise TlsSettingsError(
                "clientCert", f"clientCert and clientKey cannot be loaded: {exc}"
            ) from exc


def build_context(tls: EndpointTls) -> ssl.SSLContext:
    if tls.client_cert and not tls.client_key:
        raise TlsSettingsError("clientKey", "the endpoint's TLS client key cannot be read")
    context = new_context(tls.ca_cert)
    if tls.client_cert and tls.client_key:
        _load_client_certificate(context, tls.client_cert, tls.client_key)
    return context


def _certificates(pem: str, field: str) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        raise TlsSettingsError(field, f"{field} is not PEM-encoded X.509 certificates") from exc
    return certs


def check_tls_settings(tls: EndpointTls) -> None:
    """Raise `TlsSettingsError` unless the worker can use these settings: parseable PEM, a
    client certificate and key that belong together, and a context OpenSSL accepts."""
    if bool(tls.client_cert) != bool(tls.client_key):
        raise TlsSettingsError(
            "clientKey" if tls.client_cert else "clientCert",
            "clientCert and clientKey must be given together",
        )
    if tls.ca_cert:
        _certificates(tls.ca_cert, "caCert")
    if tls.client_cert and tls.client_key:
        leaf = _certificates(tls.client_cert, "clientCert")[0]
        try:
            key = serialization.load_pem_private_key(tls.client_key.encode(), password=None)
        except TypeError as exc:
            raise TlsSettingsError("clientKey", "clientKey must not be password-protected") from exc
        except ValueError as exc:
            raise TlsSettingsError("clientKey", "clientKey is not a PEM private key") from exc
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        der = serialization.Encoding.DER
        if leaf.public_key().public_bytes(der, spki) != key.public_key().public_bytes(der, spki):
            raise TlsSettingsError("clientKey", "clientKey does not belong to clientCert")
    build_context(tls)  # the final word is OpenSSL's


class EndpointContexts:
    """Per-endpoint contexts, built on first use and kept (LRU) for the next deliveries."""

    def __init__(self, max_size: int = CONTEXT_CACHE_SIZE) -> None:
        self.max_size = max_size
        self._contexts: OrderedDict[EndpointTls, ssl.SSLContext] = OrderedDict()
        self.builds = 0  # how many contexts were built (tests check the cache with it)

    def get(self, tls: EndpointTls | None) -> ssl.SSLContext | None:
        """The context for these settings; None means the connector's shared default."""
        if tls is None or not (tls.ca_cert or tls.client_cert):
            return None
        context = self._contexts.get(tls)
        if context is not None:
            self._contexts.move_to_end(tls)
            return context
        context = build_context(tls)
        self.builds += 1
        self._contexts[tls] = context
        if len(self._contexts) > self.max_size:
            self._contexts.popitem(last=False)
        return context
