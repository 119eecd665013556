"""A real HTTP receiver on 127.0.0.1 for tests: records every request it gets.

It runs an aiohttp server on its own event loop in a background thread, so that both
synchronous tests (the svix SDK) and the Hookline process under test can talk to it.
Its behaviour is scripted with `respond_with`: a function of the request count and the
request that returns (status, body, headers, delay seconds).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from waits import WAIT_BOUND_S


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    # Every header line as sent, repeats included (the dict keeps one value per name).
    header_lines: list[tuple[str, str]] = field(default_factory=list)


Reply = tuple[int, bytes, dict[str, str], float]


@dataclass(frozen=True)
class Misbehave:
    """Ways a receiver fails besides a status code: `reset` closes the connection without an
    answer, `slow_body` sends the body a byte at a time over `seconds`, `hang` never answers
    (until the client gives up)."""

    action: str
    seconds: float = 0.0


Script = Callable[[int, Received], Reply | Misbehave]


def always(status: int = 204) -> Script:
    return lambda _n, _req: (status, b"", {}, 0.0)


def reset_connection() -> Misbehave:
    return Misbehave("reset")


def slow_body(seconds: float) -> Misbehave:
    return Misbehave("slow_body", seconds)


def hang(seconds: float = 60.0) -> Misbehave:
    return Misbehave("hang", seconds)


@dataclass
class Receiver:
    script: Script = field(default_factory=always)
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def respond_with(self, script: Script) -> None:
        self.script = script

    def start(self) -> Receiver:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("receiver did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        received = Received(
            path=request.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.read(),
            at=time.time(),
            header_lines=[(k.lower(), v) for k, v in request.headers.items()],
        )
        with self._lock:
            self.requests.append(received)
            count = len(self.requests)
        reply = self.script(count, received)
        if isinstance(reply, Misbehave):
            return await self._misbehave(request, reply)
        status, body, headers, delay = reply
        if delay:
            await asyncio.sleep(delay)
        return web.Response(status=status, body=body, headers=headers)

    async def _misbehave(self, request: web.Request, how: Misbehave) -> web.StreamResponse:
        if how.action == "reset":
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)  # never reaches the client: the connection is gone
        if how.action == "hang":
            await asyncio.sleep(how.seconds)
            return web.Response(status=204)
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        chunk_delay = how.seconds / 10
        for _ in range(10):
            await response.write(b"x")
            await asyncio.sleep(chunk_delay)
        await response.write_eof()
        return response

    def received(self) -> list[Received]:
        with self._lock:
            return list(self.requests)

    def wait_for(
        self, predicate: Callable[[list[Received]], bool], timeout: float = WAIT_BOUND_S
    ) -> list[Received]:
        """Poll until `predicate(requests)` holds; bounded by `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if predicate(got):
                return got
            time.sleep(0.02)
        raise AssertionError(f"timed out; receiver has {len(self.received())} requests")
