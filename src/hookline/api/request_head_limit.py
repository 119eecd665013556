"""A bound on the request line and headers the API server accepts.

uvicorn's httptools protocol buffers a request's head without any limit (a 20 MB header is
read into memory and parsed), so one client could make the server hold as much memory as it
cares to send. This protocol counts the bytes received while a request's head is incomplete
and answers `431 Request Header Fields Too Large` beyond MAX_REQUEST_HEAD_BYTES. Bodies are
limited separately (HOOKLINE_MAX_PAYLOAD_BYTES, api/limits.py).

Counting is per `data_received` chunk, so at most one read (asyncio reads 256 KiB at a time)
beyond the limit is ever buffered.

The protocol also ends connections with a lingering close (api/lingering_close.py) whenever
it closes one before the request was read to its end (431 here, 413 from the body limit), so
that the client can read the answer instead of a reset.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hookline.api.lingering_close import LINGER_MAX_BYTES, LingeringTransport

# Request line plus headers. 32 KiB is four times nginx's default single-buffer size and far
# beyond what Hookline's API needs (an Authorization header, a few standard ones, a path of
# ids): the URL of a request counts here too.
MAX_REQUEST_HEAD_BYTES = 32 * 1024

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
        self._unparsable = False
        self._dropped_body_bytes = 0
        self._lingering: LingeringTransport | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._lingering = LingeringTransport(transport, self.loop, self._client_may_be_sending)
        super().connection_made(self._lingering)  # type: ignore[arg-type]

    def _client_may_be_sending(self) -> bool:
        """True when the connection is closed with the request not read to its end."""
        if self._refused or self._unparsable:
            return True
        cycle = self.cycle
        # `more_body` stays set until the parser has seen the request's last byte.
        return cycle is not None and cycle.response_complete and cycle.more_body

    def data_received(self, data: bytes) -> None:
        if self._lingering is not None and self._lingering.lingering:
            self._lingering.drop(data)
            return
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
        self.transport.close()  # lingering: the client is still sending its head

    def send_400_response(self, msg: str) -> None:
        self._unparsable = True  # what follows an unparsable request is never read
        super().send_400_response(msg)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lingering is not None:
            self._lingering.close_now()  # cancels the linger timer
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        self._head_size = 0
        self._dropped_body_bytes = 0
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
        if self.cycle is not None and self.cycle.response_complete and not self._refused:
            # Answered before its body was read (a 401 to an upload) on a keep-alive
            # connection: uvicorn parses the rest and drops it, to read the next request.
            # Not forever: past LINGER_MAX_BYTES the connection ends.
            self._dropped_body_bytes += len(body)
            if self._dropped_body_bytes > LINGER_MAX_BYTES:
                self.transport.close()
                return
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_head = True
        if not self._refused:
            super().on_message_complete()
