"""The webhook receiver every row delivers to, and the client that reads what it saw.

Run as its own process (`python -m bench.receiver --port P`): an aiohttp low-level server on
uvloop that answers 204 to every POST and records, per delivery, the `webhook-id` header and
the arrival time (`time.time()`, the same clock the benchmark uses for publish times).

A delivery is identified by (path, webhook-id): fan-out sends one message id to many paths,
and a retried delivery arrives twice with the same pair. Control API (paths start with `/_`):

- `GET  /_stats`    → total POSTs, unique deliveries, unique ids, first/last new arrival times
- `POST /_window`   `{"start": t0, "end": t1}` → unique deliveries that arrived in [t0, t1]
- `POST /_arrivals` `["msg_…", …]` → first arrival time of each webhook-id (null if unseen)
- `GET  /_sample`   → headers and body of the last delivery (to check its signature)
- `GET  /_counts`   → how many times each delivery arrived, `{"<path> <webhook-id>": n}`
- `POST /_reset`    → forget everything
- `POST /_fail/…`   → 500, always, and records nothing: an endpoint that never succeeds
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import bisect
import signal
import sys
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from bench.procs import Child, free_port


class Recorder:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.total = 0
        self.seen: set[str] = set()
        self.counts: dict[str, int] = {}
        self.first_seen: dict[str, float] = {}
        # Arrival time of each new unique delivery, in arrival order, for windowed rates.
        self.arrivals = array("d")
        self.sample: tuple[str, Any, bytes] | None = None

    def record(self, path: str, webhook_id: str, headers: Any, body: bytes) -> None:
        now = time.time()
        self.total += 1
        key = f"{path} {webhook_id}"
        self.counts[key] = self.counts.get(key, 0) + 1
        if key not in self.seen:
            self.seen.add(key)
            self.arrivals.append(now)
            if webhook_id not in self.first_seen:
                self.first_seen[webhook_id] = now
        self.sample = (path, headers, body)

    def stats(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "unique": len(self.seen),
            "unique_ids": len(self.first_seen),
            "first_at": self.arrivals[0] if self.arrivals else None,
            "last_new_at": self.arrivals[-1] if self.arrivals else None,
        }

    def window(self, start: float, end: float) -> int:
        return bisect.bisect_right(self.arrivals, end) - bisect.bisect_left(self.arrivals, start)


NO_CONTENT = 204
FAILING = 500


def make_handler(recorder: Recorder) -> Any:
    def json_response(data: Any) -> web.Response:
        return web.Response(body=orjson.dumps(data), content_type="application/json")

    async def control(request: web.BaseRequest) -> web.Response:
        path = request.path
        if path == "/_stats":
            return json_response(recorder.stats())
        if path == "/_reset" and request.method == "POST":
            recorder.reset()
            return web.Response(status=NO_CONTENT)
        if path == "/_window" and request.method == "POST":
            span = orjson.loads(await request.read())
            return json_response({"count": recorder.window(span["start"], span["end"])})
        if path == "/_arrivals" and request.method == "POST":
            ids = orjson.loads(await request.read())
            return json_response({i: recorder.first_seen.get(i) for i in ids})
        if path == "/_counts":
            return json_response(recorder.counts)
        if path == "/_sample":
            if recorder.sample is None:
                return json_response(None)
            sample_path, headers, body = recorder.sample
            return json_response(
                {
                    "path": sample_path,
                    "headers": {str(k): v for k, v in headers.items()},
                    "body_b64": base64.b64encode(body).decode(),
                }
            )
        return web.Response(status=404)

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        if request.path.startswith("/_fail/"):
            await request.read()
            return web.Response(status=FAILING)
        if request.path.startswith("/_"):
            return await control(request)
        # Read the body so keep-alive connections stay in sync, and as a real receiver would.
        body = await request.read()
        recorder.record(request.path, request.headers.get("webhook-id", ""), request.headers, body)
        # `?delay_ms=N`: answer N ms later, so that deliveries stay in flight for a while
        # (reliability's clock-jumps: what a worker with a wrong clock could take over).
        delay_ms = request.query.get("delay_ms")
        if delay_ms is not None and delay_ms.isdigit():
            await asyncio.sleep(int(delay_ms) / 1000)
        return web.Response(status=NO_CONTENT)

    return handle


async def serve(host: str, port: int, max_seconds: float) -> None:
    recorder = Recorder()
    server = web.Server(make_handler(recorder), access_log=None)
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(server, host, port, backlog=4096)
    stop = asyncio.Event()

    def stop_on(signum: signal.Signals) -> None:
        # Said in the log: a receiver that stopped in the middle of a run (seen once in a
        # quick soak, exit status 0) was stopped by a signal from outside, not by itself.
        print(f"receiver: {signum.name} received, stopping", flush=True)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop_on, signum)
    print(f"receiver listening on {host}:{port}", flush=True)
    try:
        # The lifetime bound makes a forgotten receiver stop by itself.
        await asyncio.wait_for(stop.wait(), timeout=max_seconds)
    except TimeoutError:
        print("receiver: lifetime bound reached, stopping", flush=True)
    finally:
        listener.close()
        await server.shutdown(1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, default=4 * 3600)
    args = parser.parse_args()
    import uvloop

    uvloop.run(serve(args.host, args.port, args.max_seconds))


@dataclass(frozen=True)
class Stats:
    total: int
    unique: int
    unique_ids: int
    first_at: float | None
    last_new_at: float | None

    @property
    def duplicates(self) -> int:
        return self.total - self.unique


class DeliveriesTimeout(TimeoutError):
    pass


class ReceiverClient:
    """Talks to the receiver's control API from the benchmark process."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ReceiverClient:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=4),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "use `async with ReceiverClient(...)`"
        return self._session

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    async def ready(self) -> bool:
        try:
            async with self.session.get(self.url("/_stats")) as resp:
                return resp.status == 200
        except aiohttp.ClientError:
            return False

    async def reset(self) -> None:
        async with self.session.post(self.url("/_reset")) as resp:
            resp.raise_for_status()

    async def stats(self) -> Stats:
        async with self.session.get(self.url("/_stats")) as resp:
            resp.raise_for_status()
            return Stats(**orjson.loads(await resp.read()))

    async def window(self, start: float, end: float) -> int:
        body = orjson.dumps({"start": start, "end": end})
        async with self.session.post(self.url("/_window"), data=body) as resp:
            resp.raise_for_status()
            return int(orjson.loads(await resp.read())["count"])

    async def arrivals(self, ids: list[str]) -> dict[str, float | None]:
        async with self.session.post(self.url("/_arrivals"), data=orjson.dumps(ids)) as resp:
            resp.raise_for_status()
            return dict(orjson.loads(await resp.read()))

    async def counts(self) -> dict[str, int]:
        """How many times each (path, webhook-id) arrived."""
        async with self.session.get(self.url("/_counts")) as resp:
            resp.raise_for_status()
            return dict(orjson.loads(await resp.read()))

    async def sample(self) -> dict[str, Any] | None:
        async with self.session.get(self.url("/_sample")) as resp:
            resp.raise_for_status()
            result: dict[str, Any] | None = orjson.loads(await resp.read())
            return result

    async def wait_for(
        self,
        unique: int,
        limit_s: float,
        watch: list[Any] | None = None,
        stall_s: float | None = None,
        poll: float = 0.05,
    ) -> Stats:
        """Poll until `unique` deliveries arrived; `watch` children must stay alive meanwhile.
        Gives up after `limit_s`, or once nothing new arrived for `stall_s` seconds."""
        deadline = time.monotonic() + limit_s
        progress_at, last_unique = time.monotonic(), -1
        while True:
            stats = await self.stats()
            if stats.unique >= unique:
                return stats
            if stats.unique != last_unique:
                progress_at, last_unique = time.monotonic(), stats.unique
            elif stall_s is not None and time.monotonic() - progress_at > stall_s:
                raise DeliveriesTimeout(
                    f"stalled: {stats.unique:,} of {unique:,} deliveries arrived, "
                    f"none in the last {stall_s:.0f} s"
                )
            try:
                for child in watch or []:
                    child.check_alive()
            except Exception:
                # A child that finished its work may exit between two polls: look once more.
                stats = await self.stats()
                if stats.unique >= unique:
                    return stats
                raise
            if time.monotonic() >= deadline:
                raise DeliveriesTimeout(
                    f"only {stats.unique:,} of {unique:,} deliveries arrived in {limit_s:.0f} s"
                )
            await asyncio.sleep(poll)


async def start_receiver(log_dir: Path) -> tuple[Child, ReceiverClient, str]:
    """The receiver as its own process, with a client already talking to it."""
    port = free_port()
    child = Child(
        "receiver", [sys.executable, "-m", "bench.receiver", "--port", str(port)], log_dir
    ).start()
    url = f"http://127.0.0.1:{port}"
    client = ReceiverClient(url)
    await client.__aenter__()
    deadline = time.monotonic() + 30
    while not await client.ready():
        child.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"receiver did not start: {child.log_tail()}")
        await asyncio.sleep(0.05)
    return child, client, url


if __name__ == "__main__":
    main()
