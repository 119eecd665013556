"""Turning what happened to one HTTP request into an `Outcome`. Pure functions."""

from __future__ import annotations

import asyncio
import ssl
import time
from email.utils import parsedate_to_datetime

import aiohttp

from hookline.types import FailureKind, Outcome


def from_response(status: int, body: bytes, duration_ms: int, retry_after: str | None) -> Outcome:
    """2xx delivers; anything else, redirects included (they are never followed), fails."""
    succeeded = 200 <= status <= 299
    return Outcome(
        succeeded=succeeded,
        status_code=status,
        response_body=body.decode("utf-8", errors="replace"),
        duration_ms=duration_ms,
        failure_kind=None if succeeded else FailureKind.HTTP_STATUS,
        retry_after=parse_retry_after(retry_after) if retry_after else None,
    )


def failure_kind(exc: BaseException, blocked: bool = False) -> FailureKind:
    if blocked:
        return FailureKind.BLOCKED_ADDRESS
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return FailureKind.TIMEOUT
    if isinstance(
        exc,
        aiohttp.ClientSSLError | aiohttp.ServerFingerprintMismatch | ssl.SSLError,
    ):
        return FailureKind.TLS
    if isinstance(exc, aiohttp.InvalidURL | ValueError):
        return FailureKind.INVALID_URL
    if isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError | OSError):
        return FailureKind.CONNECTION
    return FailureKind.ERROR


def from_exception(exc: BaseException, duration_ms: int, blocked: bool = False) -> Outcome:
    kind = failure_kind(exc, blocked)
    text = str(exc) or type(exc).__name__
    return Outcome(
        succeeded=False,
        status_code=0,
        response_body=f"{kind.value}: {text}"[:1024],
        duration_ms=duration_ms,
        failure_kind=kind,
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
