"""Real HTTPS receivers on 127.0.0.1 for tests, with certificates made by trustme.

`OpenSslReceiver` does its TLS with blocking sockets, one thread per connection, the way
OpenSSL servers such as nginx behave: a failed handshake (a missing or untrusted client
certificate) sends the TLS alert and the connection is then closed cleanly.

`AsyncioTlsReceiver` is an aiohttp server with an ssl context: asyncio aborts the transport on a
failed handshake, so the client sees a connection reset instead of the alert.

Both record what they received and answer 200 "ok".
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import ssl
import threading
import warnings
from dataclasses import dataclass, field

import trustme
from aiohttp import web


def server_context(
    ca: trustme.CA,
    client_ca: trustme.CA | None = None,
    maximum_version: ssl.TLSVersion | None = None,
) -> ssl.SSLContext:
    """A server context with a certificate for 127.0.0.1 from `ca`; with `client_ca`, clients
    must present a certificate issued by it (CERT_REQUIRED)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    if client_ca is not None:
        client_ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    if maximum_version is not None:
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.maximum_version = maximum_version
    return context


@dataclass
class OpenSslReceiver:
    context: ssl.SSLContext
    requests: list[bytes] = field(default_factory=list)
    handshake_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> OpenSslReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        tls = self.context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            self.handshake_errors.append(str(exc))
            # OpenSSL has sent its alert. Drain what the client sent meanwhile before closing,
            # or the kernel answers the unread data with a reset that can overtake the alert.
            raw = socket.socket(fileno=tls.detach())
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_WR)
                raw.settimeout(1)
                while raw.recv(65536):
                    pass
            raw.close()
            return
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = tls.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            while len(body) < length:
                body += tls.recv(65536)
            self.requests.append(body)
            tls.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                tls.close()


class AsyncioTlsReceiver:
    """An aiohttp server with TLS, on its own loop in a thread."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.requests: list[bytes] = []
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> AsyncioTlsReceiver:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        assert self._loop is not None and self._runner is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        # asyncio leaves the transport of a failed TLS handshake for the garbage collector
        # (with a ResourceWarning): collect it here, quietly, rather than in a later test.
        self._loop = self._runner = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(await request.read())
        return web.Response(text="ok")

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.context)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()
