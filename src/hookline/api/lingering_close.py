"""A lingering close: end a connection without destroying the answer just sent on it.

When the server answers before it has read the whole request (a 413 for a body over the limit,
a 431 for an oversized head) and then closes the socket while the
client's data is still arriving, the kernel answers that data with a reset, and the reset can
destroy the answer before the client reads it. Clients that send the whole body before reading
(Python's urllib, curl without `Expect: 100-continue`) then see "connection reset" instead of
the 413.

So, as nginx does: stop sending (FIN after the answer), keep reading and dropping what the
client still sends, and close for real once the client is done, or after LINGER_MAX_BYTES or
LINGER_SECONDS, whichever comes first. What is read is dropped at once, never buffered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

# Enough to swallow the rest of any upload a client would reasonably retry with (an 8 MiB body
# against the default 512 KiB limit), small enough that a client cannot keep the server busy
# reading an endless stream.
LINGER_MAX_BYTES = 64 * 1024 * 1024
LINGER_SECONDS = 5.0


class LingeringTransport:
    """The connection's transport as uvicorn sees it: `close()` lingers when `should_linger()`
    says the client may still be sending (so every close uvicorn makes, after a `Connection:
    close` answer, on a keep-alive timeout, goes through here); everything else is passed on."""

    def __init__(
        self,
        transport: asyncio.Transport,
        loop: asyncio.AbstractEventLoop,
        should_linger: Callable[[], bool],
    ) -> None:
        self._transport = transport
        self._loop = loop
        self._should_linger = should_linger
        self._timer: asyncio.TimerHandle | None = None
        self.lingering = False
        self.dropped_bytes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def is_closing(self) -> bool:
        # Lingering counts as closing: uvicorn then writes nothing more and starts no keep-alive.
        return self.lingering or self._transport.is_closing()

    def close(self) -> None:
        # A close asked for while lingering (server shutdown) is a close now.
        if not self.lingering and not self._transport.is_closing() and self._should_linger():
            self.linger()
        else:
            self.close_now()

    def linger(self) -> None:
        if self.lingering or self._transport.is_closing():
            return
        self.lingering = True
        if self._transport.can_write_eof():
            self._transport.write_eof()  # sent once what was written (the answer) is flushed
        # The request body may have paused reading (flow control); the drain needs it on.
        self._transport.resume_reading()
        self._timer = self._loop.call_later(LINGER_SECONDS, self.close_now)

    def drop(self, data: bytes) -> None:
        """Data received while lingering: counted and forgotten."""
        self.dropped_bytes += len(data)
        if self.dropped_bytes > LINGER_MAX_BYTES:
            self.close_now()

    def close_now(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._transport.close()
