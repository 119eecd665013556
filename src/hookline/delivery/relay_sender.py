"""Sending a relay endpoint's deliveries (`hookline listen`) through the listener's WebSocket
instead of over HTTP: the sibling of DeliveryClient for endpoints of kind `relay`.

The headers and body bytes are exactly what a direct delivery would send (`build_headers`, the
stored payload), so the developer's verification code runs unchanged behind the listener. The
listener's answer becomes the attempt's Outcome as an HTTP answer would; with no listener
connected to this process, the attempt fails with kind `connection` and is retried like any.

The WebSocket itself belongs to the API (api/routes/relay.py): it opens a `RelayChannel` here
with a function that writes a text frame, and hands it the answers it reads.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable

from hookline import relay_frames
from hookline.config import Settings
from hookline.delivery import outcome
from hookline.delivery.client import build_headers
from hookline.recorded_headers import recorded
from hookline.types import DeliveryJob, FailureKind, Outcome

SendText = Callable[[str], Awaitable[None]]


class RelayChannel:
    """One listener's socket, as the worker sees it: frames out, answers back by frame id."""

    def __init__(self, endpoint_id: str, send_text: SendText) -> None:
        self.endpoint_id = endpoint_id
        self._send_text = send_text
        self._waiting: dict[str, asyncio.Future[relay_frames.Answer]] = {}
        self._ids = itertools.count(1)
        self.closed = asyncio.Event()

    async def request(self, frame: relay_frames.Delivery) -> relay_frames.Answer:
        answer: asyncio.Future[relay_frames.Answer] = asyncio.get_running_loop().create_future()
        self._waiting[frame.id] = answer
        try:
            try:
                await self._send_text(relay_frames.encode(frame))
            except Exception as exc:  # whatever the server library raises for a closed socket
                raise ConnectionError(f"the listener's socket is closed ({exc!r})") from exc
            return await answer
        finally:
            self._waiting.pop(frame.id, None)

    def next_id(self) -> str:
        return f"d{next(self._ids)}"

    def answered(self, answer: relay_frames.Answer) -> None:
        """An answer frame arrived; one for no request in flight (late, or made up) is ignored."""
        waiting = self._waiting.get(answer.id)
        if waiting is not None and not waiting.done():
            waiting.set_result(answer)

    def close(self) -> None:
        """The socket is gone: what waits for an answer fails now, with `connection`."""
        self.closed.set()
        for waiting in self._waiting.values():
            if not waiting.done():
                waiting.set_exception(ConnectionError("the listener disconnected"))


class RelaySender:
    """This process's relay channels, by endpoint id. `owner` is the worker's id: the store
    records it as the owner of the relay endpoints whose sockets are held here, so that other
    workers leave their deliveries alone (store.deliveries.claim_due)."""

    def __init__(self, settings: Settings, owner: str) -> None:
        self.settings = settings
        self.owner = owner
        self._channels: dict[str, RelayChannel] = {}

    def open(self, endpoint_id: str, send_text: SendText) -> RelayChannel:
        """Route the endpoint's deliveries to a new socket; one it replaces is closed."""
        channel = RelayChannel(endpoint_id, send_text)
        previous = self._channels.get(endpoint_id)
        self._channels[endpoint_id] = channel
        if previous is not None:
            previous.close()
        return channel

    def is_current(self, channel: RelayChannel) -> bool:
        return self._channels.get(channel.endpoint_id) is channel

    def release(self, channel: RelayChannel) -> None:
        channel.close()
        if self.is_current(channel):
            del self._channels[channel.endpoint_id]

    async def send(self, job: DeliveryJob) -> Outcome:
        if not job.payload:
            return outcome.payload_removed()
        started = time.monotonic()
        channel = self._channels.get(job.endpoint_id)
        sent = None
        try:
            headers = build_headers(job, int(time.time()))
            sent = recorded(headers.items())
            if channel is None:
                return _no_listener(sent)
            frame = relay_frames.Delivery(
                channel.next_id(),
                job.msg_id,
                job.event_type,
                job.attempt_count + 1,
                headers,
                job.payload,
            )
            answer = await asyncio.wait_for(channel.request(frame), self.settings.request_timeout)
        except Exception as exc:  # every failure is an attempt outcome, never a crash
            return outcome.from_exception(exc, _elapsed_ms(started), request_headers=sent)
        return self._outcome(answer, sent)

    def _outcome(self, answer: relay_frames.Answer, sent: tuple[tuple[str, str], ...]) -> Outcome:
        if answer.failure is not None:
            kind = FailureKind(answer.failure)
            return Outcome(
                succeeded=False,
                status_code=0,
                response_body=f"{kind.value}: at the listener's local URL: {answer.error}"[:1024],
                duration_ms=answer.duration_ms,
                failure_kind=kind,
                request_headers=sent,
            )
        lowered = {k.lower(): v for k, v in answer.headers.items()}
        return outcome.from_response(
            answer.status,
            answer.body[: self.settings.response_body_limit],
            answer.duration_ms,
            lowered.get("retry-after"),
            sent,
            recorded(answer.headers.items()),
        )


def _no_listener(sent: tuple[tuple[str, str], ...]) -> Outcome:
    return Outcome(
        succeeded=False,
        status_code=0,
        response_body="connection: no listener is connected to this relay endpoint",
        duration_ms=0,
        failure_kind=FailureKind.CONNECTION,
        request_headers=sent,
    )


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
