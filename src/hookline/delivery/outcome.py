"""Turning what happened to one HTTP request into an `Outcome`. Pure functions."""

from __future__ import annotations

import asyncio
import ssl
import time
from email.utils import parsedate_to_datetime

import aiohttp

from hookline.delivery.tls import TlsSettingsError
from hookline.recorded_headers import Headers
from hookline.types import FailureKind, Outcome


def from_response(
    status: int,
    body: bytes,
    duration_ms: int,
    retry_after: str | None,
    request_headers: Headers | None = None,
    response_headers: Headers | None = None,
) -> Outcome:
    """2xx delivers; anything else, redirects included (they are never followed), fails.
    The headers are as recorded (hookline.recorded_headers)."""
    succeeded = 200 <= status <= 299
    return Outcome(
        succeeded=succeeded,
        status_code=status,
        response_body=body.decode("utf-8", errors="replace"),
        duration_ms=duration_ms,
        failure_kind=None if succeeded else FailureKind.HTTP_STATUS,
        retry_after=parse_retry_after(retry_after) if retry_after else None,
        request_headers=request_headers,
        response_headers=response_headers,
    )


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc` and what it wraps: aiohttp keeps the underlying error as `__cause__` or as
    `os_error` (a TLS alert surfaces as a ClientOSError wrapping an ssl.SSLError)."""
    found: list[BaseException] = []
    pending = [exc]
    while pending:
        current = pending.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        for linked in (current.__cause__, getattr(current, "os_error", None)):
            if isinstance(linked, BaseException):
                pending.append(linked)
    return found


_TLS_ERRORS = (
    aiohttp.ClientSSLError,
    aiohttp.ServerFingerprintMismatch,
    ssl.SSLError,
    TlsSettingsError,
)
_RESETS = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


def failure_kind(exc: BaseException, blocked: bool = False, https: bool = False) -> FailureKind:
    if blocked:
        return FailureKind.BLOCKED_ADDRESS
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return FailureKind.TIMEOUT
    if any(isinstance(cause, _TLS_ERRORS) for cause in _causes(exc)):
        return FailureKind.TLS
    if (
        https
        and isinstance(exc, aiohttp.ClientConnectorError)
        and isinstance(exc.os_error, _RESETS)
    ):
        # Connecting to an https URL includes the TLS handshake, and TCP itself cannot be
        # reset before it is established: a reset here is a server breaking off the handshake
        # (how asyncio-based servers reject a client certificate under TLS 1.2).
        return FailureKind.TLS
    if isinstance(exc, aiohttp.InvalidURL | ValueError):
        return FailureKind.INVALID_URL
    if isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError | OSError):
        return FailureKind.CONNECTION
    return FailureKind.ERROR


# Under TLS 1.3 the client finishes its handshake before the server has checked the client
# certificate, so a server that rejects it without sending an alert (it resets instead) is
# indistinguishable from one that crashed: say so rather than guess.
_TLS13_HINT = (
    " (the server closed the connection before answering; a server that requires a client"
    " certificate does this when it rejects the one presented)"
)


def from_exception(
    exc: BaseException,
    duration_ms: int,
    blocked: bool = False,
    https: bool = False,
    tls_alert: ssl.SSLError | None = None,
    request_headers: Headers | None = None,
) -> Outcome:
    """`tls_alert`: the TLS error the connection was lost with, when aiohttp raised something
    vaguer (see connection_errors); it decides the kind and is quoted. `request_headers`:
    what was (or was to be) sent, as recorded."""
    kind = failure_kind(exc, blocked, https)
    text = str(exc) or type(exc).__name__
    if tls_alert is not None and kind is not FailureKind.TLS and not blocked:
        kind = FailureKind.TLS
        text = f"{tls_alert} ({text})"
    if (
        https
        and kind is FailureKind.CONNECTION
        and isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError)
        and not isinstance(exc, aiohttp.ClientConnectorError)
    ):
        text += _TLS13_HINT
    return Outcome(
        succeeded=False,
        status_code=0,
        response_body=f"{kind.value}: {text}"[:1024],
        duration_ms=duration_ms,
        failure_kind=kind,
        request_headers=request_headers,
    )


def payload_removed() -> Outcome:
    """The payload was expunged or removed by retention while the delivery waited: nothing is
    sent (never an empty body), and retrying cannot bring the payload back."""
    return Outcome(
        succeeded=False,
        status_code=0,
        response_body="expunged: the message payload was removed before it could be sent",
        duration_ms=0,
        failure_kind=FailureKind.EXPUNGED,
        retryable=False,
    )


def parse_retry_after(value: str) -> float | None:
    """`Retry-After` as seconds: either delta-seconds or an HTTP date."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
