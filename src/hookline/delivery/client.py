"""Sending one signed webhook: one pooled aiohttp session per worker.

The payload bytes are sent exactly as stored, and exactly those bytes are signed.
Redirects are never followed; the receiver's answer is read only up to a small cap.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time

import aiohttp

from hookline import __version__, signing
from hookline.config import Settings
from hookline.delivery import outcome
from hookline.delivery.connection_errors import lost_with, record_connection_losses
from hookline.delivery.endpoint_url import canonical_url
from hookline.delivery.resolver import guarded_connector, is_blocked_address_error
from hookline.delivery.tls import EndpointContexts, new_context
from hookline.endpoint_headers import header_problem
from hookline.recorded_headers import Headers, recorded
from hookline.types import DeliveryJob, Outcome

USER_AGENT = f"Hookline/{__version__} (+webhooks)"


@functools.lru_cache(maxsize=4096)
def _signer(secret: str) -> signing.Signer:
    return signing.signer(secret)


class Unsigned(Exception):
    """No signing secret could be read: the delivery is not sent unsigned."""


def build_headers(job: DeliveryJob, timestamp: int) -> dict[str, str]:
    if not job.secrets:
        raise Unsigned("the endpoint's signing secret cannot be read; nothing was sent")
    signers = tuple(_signer(s) for s in job.secrets)
    # The endpoint's own headers, checked again: rows saved before a rule existed may hold
    # headers the API now refuses (they would misdescribe the body, or go out as raw UTF-8).
    custom = {k: v for k, v in job.headers.items() if header_problem(k, v) is None}
    headers = {} if any(k.lower() == "user-agent" for k in custom) else {"user-agent": USER_AGENT}
    headers.update(custom)  # a custom User-Agent replaces Hookline's
    headers.update(  # last: the endpoint's headers cannot override these
        {
            "webhook-id": job.msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.signatures(signers, job.msg_id, timestamp, job.payload),
            "content-type": "application/json",
        }
    )
    return headers


class DeliveryClient:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None
        # Endpoints with their own TLS settings (client certificate, CA) get their own context,
        # built once; the rest share the connector's default context.
        self.tls_contexts = EndpointContexts()
        self.default_tls = new_context()

    async def start(self) -> None:
        # The guard checks every address at connect time, literal IPs and DNS answers alike.
        connector = guarded_connector(
            self.settings.allow_private_networks,
            limit=self.settings.worker_concurrency,
            ttl_dns_cache=10,
            ssl=self.default_tls,
        )
        record_connection_losses(connector)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self.settings.request_timeout),
            auto_decompress=False,
            skip_auto_headers=("Accept-Encoding",),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, job: DeliveryJob) -> Outcome:
        assert self._session is not None, "start() the client first"
        if not job.payload:
            # A stored payload is at least `{}`: an empty one was expunged or expired.
            return outcome.payload_removed()
        started = time.monotonic()
        lost: list[BaseException] = []
        lost_with.set(lost)
        sent: Headers | None = None
        try:
            headers = build_headers(job, int(time.time()))
            sent = recorded(headers.items())
            context = self.tls_contexts.get(job.tls)
            # The form the API stores; URLs saved by older versions in another spelling are
            # sent to the address they were judged as (a refused one is an invalid_url
            # attempt saying why).
            url = canonical_url(job.url)
            async with self._session.post(
                url,
                data=job.payload,
                headers=headers,
                allow_redirects=False,
                ssl=True if context is None else context,
            ) as response:
                body = await read_at_most(response, self.settings.response_body_limit)
                return outcome.from_response(
                    response.status,
                    body,
                    _elapsed_ms(started),
                    response.headers.get("retry-after"),
                    sent,
                    recorded(response.headers.items()),
                )
        except Exception as exc:  # every failure is an attempt outcome, never a crash
            https = job.url[:6].lower() == "https:"
            if https and not lost:
                await asyncio.sleep(0)  # a closing transport reports its error a tick later
            return outcome.from_exception(
                exc,
                _elapsed_ms(started),
                blocked=is_blocked_address_error(exc),
                https=https,
                tls_alert=next((e for e in lost if isinstance(e, ssl.SSLError)), None),
                request_headers=sent,
            )


async def read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The first `limit` bytes of the body (or all of it if shorter); the rest is never read,
    so a hostile receiver cannot make us buffer a large answer."""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = await response.content.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
