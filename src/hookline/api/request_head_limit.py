"""A bound on the request line and headers the API server accepts.

uvicorn's httptools protocol buffers a request's head without any limit (a 20 MB header is
read into memory and parsed), so one client could make the server hold as much memory as it
cares to send. This protocol counts the bytes received while a request's head is incomplete
and answers `431 Request Header Fields Too Large` beyond MAX_REQUEST_HEAD_BYTES. Bodies are
limited separately (HOOKLINE_MAX_PAYLOAD_BYTES, api/limits.py).

Counting is per `data_received` chunk, so at most one read (asyncio reads 256 KiB at a time)
beyond the limit is ever buffered.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Request line plus headers. 32 KiB is four times nginx's default single-buffer size and far
# beyond what Hookline's API needs (an Authorization header, a few standard ones, a path of
# ids): the URL of a request counts here too.
MAX_REQUEST_HEAD_BYTES = 32 * 1024
# How long a refused connection is still read from (and what is read dropped) before closing.
LINGER_SECONDS = 5.0

_REFUSAL = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: application/json\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)


def _refusal() -> bytes:
    body = (
        b'{"code":"request_header_fields_too_large","detail":"the request line and headers '
        b'exceed %d bytes"}' % MAX_REQUEST_HEAD_BYTES
    )
    return _REFUSAL % (len(body), body)


class BoundedHeadHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True  # between the end of one message and the next one's headers
        self._heads_completed = 0
        self._head_bytes = 0  # received while the current head is incomplete
        self._head_size = 0  # of the current head as parsed: URL, names and values
        self._refused = False
        self._linger: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        started_in_head, heads_before = self._in_head, self._heads_completed
        super().data_received(data)
        if self._refused or not started_in_head or self._heads_completed != heads_before:
            # The chunk began in a body, or a head completed in it (and was measured exactly
            # in on_headers_complete): the next chunk is counted.
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_REQUEST_HEAD_BYTES:
            self._refuse()

    def _refuse(self) -> None:
        self._refused = True
        if self.transport.is_closing():
            return
        self.transport.write(_refusal())
        # A lingering close, as nginx does: stop sending, but read (and drop) what the client
        # is still sending for a moment. Closing with unread data makes the kernel answer with
        # a reset, which can destroy the 431 before the client reads it.
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._linger = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._linger is not None:
            self._linger.cancel()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        self._head_size = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_size += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._heads_completed += 1
        self._head_bytes = 0
        if self._head_size > MAX_REQUEST_HEAD_BYTES:
            self._refuse()  # before any application code sees the request
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_head = True
        if not self._refused:
            super().on_message_complete()
