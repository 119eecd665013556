"""Keeping the error a connection was lost with, for the attempt's failure kind.

Under TLS 1.3 a server checks the client certificate after the client's handshake is over and
answers a bad one with an alert. Depending on which the event loop notices first, aiohttp
reports the alert (a ClientOSError carrying the ssl.SSLError), or only that it could not write
the request body to a transport that was already closing; uvloop, which `hookline serve`
runs on, often does the latter. The alert itself reaches the protocol's `connection_lost`.
This protocol keeps it where the sending task can look, so that the attempt says `tls` and
quotes the alert instead of a vague connection error.
"""

from __future__ import annotations

import asyncio
import functools
from contextvars import ContextVar

import aiohttp
from aiohttp.client_proto import ResponseHandler

# Set per send (each delivery runs in its own task, so its own context); protocols created
# for that send's connection append what they were lost with.
lost_with: ContextVar[list[BaseException] | None] = ContextVar("hookline_lost_with", default=None)


class RecordingResponseHandler(ResponseHandler):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # A pooled connection may serve later sends; its losses are reported to the send
        # that opened it, which is the one a handshake-time rejection concerns.
        self._lost_sink = lost_with.get()

    def connection_lost(self, exc: BaseException | None) -> None:
        if exc is not None and self._lost_sink is not None:
            self._lost_sink.append(exc)
        super().connection_lost(exc)


def record_connection_losses(connector: aiohttp.BaseConnector) -> None:
    """Make `connector` build RecordingResponseHandler protocols. aiohttp has no public hook
    for the protocol; `_factory` is where BaseConnector keeps it (aiohttp 3.x)."""
    if hasattr(connector, "_factory"):
        connector._factory = functools.partial(  # type: ignore[assignment]
            RecordingResponseHandler, loop=asyncio.get_running_loop()
        )
