"""The listener's loop: hold a WebSocket to the server's relay route, POST each delivery to the
local URL with exactly the headers and bytes it came with, and send the local answer back to
be recorded as the attempt. It reconnects by itself (with a backoff) until told to stop; then
it says `bye`, and the server disables the relay endpoint until the next session of that name.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

from hookline import relay_frames
from hookline.delivery.client import read_at_most
from hookline.relay.forward_url import websocket_url

# What the listener reads of the local answer (the server caps it again to its own limit).
LOCAL_BODY_LIMIT = 64 * 1024
HEARTBEAT_SECONDS = 20.0
HANDSHAKE_SECONDS = 30.0
# Answers in flight when stopping get this long to be sent back before `bye`.
STOP_GRACE_SECONDS = 5.0
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 10.0
# Refusals that cannot change by retrying: the CLI stops and says why.
FATAL_STATUSES = (400, 401, 403, 404, 409, 422)


@dataclass(frozen=True)
class ListenOptions:
    server: str
    token: str
    forward_to: str
    name: str
    app: str | None = None
    event_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Connected:
    ready: relay_frames.Ready


@dataclass(frozen=True)
class Disconnected:
    reason: str
    retry_in: float


@dataclass(frozen=True)
class Forwarded:
    at: float  # time.time()
    msg_id: str
    event_type: str
    attempt: int
    status: int  # 0: no answer (see failure)
    duration_ms: int
    failure: str | None = None
    error: str = ""


Event = Connected | Disconnected | Forwarded


class ListenRefused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def backoff_delays(first: float = BACKOFF_FIRST, most: float = BACKOFF_MAX) -> list[float]:
    """The waits between reconnections after one another's failure; the last repeats."""
    delays, delay = [], first
    while delay < most:
        delays.append(delay)
        delay *= 2
    return [*delays, most]


def handshake_url(options: ListenOptions) -> str:
    query = {"name": options.name}
    if options.app:
        query["app"] = options.app
    if options.event_types:
        query["eventTypes"] = ",".join(options.event_types)
    return f"{websocket_url(options.server)}?{urlencode(query)}"


async def listen(
    options: ListenOptions, report: Callable[[Event], None], stop: asyncio.Event
) -> None:
    """Forward until `stop` is set; raises ListenRefused when the server refuses for good."""
    delays = backoff_delays()
    failures = 0
    local = aiohttp.ClientSession(auto_decompress=False, skip_auto_headers=("Accept-Encoding",))
    remote = aiohttp.ClientSession()
    try:
        while not stop.is_set():
            try:
                async with remote.ws_connect(
                    handshake_url(options),
                    headers={"Authorization": f"Bearer {options.token}"},
                    heartbeat=HEARTBEAT_SECONDS,
                    max_msg_size=0,
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0),
                ) as ws:
                    ready = await _handshake(ws)
                    failures = 0
                    report(Connected(ready))
                    if await _forward_all(ws, ready, options, local, report, stop):
                        return
                    reason = "the server closed the connection"
            except ListenRefused:
                raise
            except aiohttp.WSServerHandshakeError as exc:
                if exc.status == 404:
                    # Not a Hookline server that has the relay (Svix, an older Hookline, or the
                    # wrong base URL): retrying cannot help.
                    raise ListenRefused(
                        404, f"{options.server} has no relay route (/api/v1/relay/listen)"
                    ) from None
                reason = f"the server answered {exc.status} to the WebSocket handshake"
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                reason = str(exc) or type(exc).__name__
            if stop.is_set():
                return
            delay = delays[min(failures, len(delays) - 1)]
            failures += 1
            report(Disconnected(reason, delay))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
    finally:
        await local.close()
        await remote.close()


async def _handshake(ws: aiohttp.ClientWebSocketResponse) -> relay_frames.Ready:
    message = await ws.receive(timeout=HANDSHAKE_SECONDS)
    if message.type is not aiohttp.WSMsgType.TEXT:
        raise aiohttp.ClientError(f"the server closed the connection ({message.extra or ''})")
    frame = _decoded(message.data)
    if isinstance(frame, relay_frames.Ready):
        return frame
    raise aiohttp.ClientError("the server did not start the session")


def _decoded(text: str) -> relay_frames.Ready | relay_frames.Delivery | relay_frames.Bye:
    try:
        frame = relay_frames.decode(text)
    except relay_frames.BadFrame as exc:
        problem = f"the server sent a frame this listener cannot read: {exc}"
        raise aiohttp.ClientError(problem) from None
    if isinstance(frame, relay_frames.Refused):
        if frame.status in FATAL_STATUSES:
            raise ListenRefused(frame.status, frame.detail)
        raise aiohttp.ClientError(f"{frame.status} {frame.code}: {frame.detail}")
    if isinstance(frame, relay_frames.Answer):
        raise aiohttp.ClientError("the server sent an answer frame")
    return frame


async def _forward_all(
    ws: aiohttp.ClientWebSocketResponse,
    ready: relay_frames.Ready,
    options: ListenOptions,
    local: aiohttp.ClientSession,
    report: Callable[[Event], None],
    stop: asyncio.Event,
) -> bool:
    """Forward deliveries until the socket closes (False: reconnect) or `stop` (True)."""
    in_flight: set[asyncio.Task[None]] = set()
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while True:
            receiving = asyncio.ensure_future(ws.receive())
            await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.done():
                receiving.cancel()
                if in_flight:
                    await asyncio.wait(in_flight, timeout=STOP_GRACE_SECONDS)
                with contextlib.suppress(Exception):
                    await ws.send_str(relay_frames.encode(relay_frames.Bye()))
                    await ws.close()
                return True
            message = receiving.result()
            if message.type is not aiohttp.WSMsgType.TEXT:
                return False  # closed, or broken: reconnect
            frame = _decoded(message.data)
            if isinstance(frame, relay_frames.Delivery):
                task = asyncio.create_task(_forward(ws, frame, ready, options, local, report))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
    finally:
        stopping.cancel()
        for task in in_flight:
            task.cancel()


async def _forward(
    ws: aiohttp.ClientWebSocketResponse,
    delivery: relay_frames.Delivery,
    ready: relay_frames.Ready,
    options: ListenOptions,
    local: aiohttp.ClientSession,
    report: Callable[[Event], None],
) -> None:
    started = time.monotonic()
    # A little under the server's own wait, so that the answer (or timeout) is ours to tell.
    timeout = max(0.1, ready.request_timeout - 0.5)
    try:
        async with local.post(
            options.forward_to,
            data=delivery.body,
            headers=delivery.headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            body = await read_at_most(response, LOCAL_BODY_LIMIT)
            answer = relay_frames.Answer(
                delivery.id, response.status, dict(response.headers), body, _elapsed(started)
            )
    except TimeoutError:
        answer = _failed(delivery, "timeout", f"no answer within {timeout:g} s", started)
    except (aiohttp.ClientError, OSError) as exc:
        answer = _failed(delivery, "connection", str(exc) or type(exc).__name__, started)
    with contextlib.suppress(Exception):  # a closed socket: the server retries it
        await ws.send_str(relay_frames.encode(answer))
    report(
        Forwarded(
            time.time(),
            delivery.msg_id,
            delivery.event_type,
            delivery.attempt,
            answer.status,
            answer.duration_ms,
            answer.failure,
            answer.error,
        )
    )


def _failed(
    delivery: relay_frames.Delivery, kind: str, error: str, started: float
) -> relay_frames.Answer:
    return relay_frames.Answer(delivery.id, 0, {}, b"", _elapsed(started), kind, error)


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
