"""The link between `hookline serve` and its worker child (serve_layout: two processes).

A UNIX datagram socket pair, one end in each process:
- parent → child, wake-ups. In one process a publish wakes the worker directly; with the
  worker in a child, a publish on SQLite would otherwise wait for the worker's next poll
  (HOOKLINE_POLL_INTERVAL, half a second by default). The parent sends one byte per
  committed publish batch. A send never blocks: when the buffer is full, wake-ups are
  already waiting and this one is dropped, which loses nothing.
- child → parent, reports: every REPORT_SECONDS the child says how long ago its worker loop
  last turned, how many deliveries it has in flight and what its store work cannot do, so
  that the API's /api/v1/health and /readyz stay truthful about the worker beside them. A
  child that stops reporting ages like a stuck loop: not ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

REPORT_SECONDS = 1.0
WAKE = b"w"


def link_pair() -> tuple[socket.socket, socket.socket]:
    """(the parent's end, the child's end); the child's end is inheritable."""
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    parent.setblocking(False)
    child.set_inheritable(True)
    return parent, child


@dataclass
class ChildReport:
    """The latest report, with the parent's time.monotonic() when it arrived."""

    received_at: float | None = None
    beat_age: float | None = None  # None: the worker loop has not turned yet
    in_flight: int = 0
    problems: list[str] = field(default_factory=list)

    def last_beat(self) -> float | None:
        """The child's last loop turn on the parent's clock (for the heartbeat check)."""
        if self.received_at is None or self.beat_age is None:
            return None
        return self.received_at - self.beat_age


class ParentEnd:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.report = ChildReport()

    def wake(self) -> None:
        # Full: wake-ups are already waiting; closed: the child is stopping.
        with contextlib.suppress(OSError):
            self._sock.send(WAKE)

    def listen(self) -> None:
        """Read the child's reports in the running loop."""
        asyncio.get_running_loop().add_reader(self._sock, self._readable)

    def _readable(self) -> None:
        for data in _drain(self._sock):
            try:
                body = orjson.loads(data)
                report = ChildReport(
                    time.monotonic(),
                    body["beat_age"],
                    int(body["in_flight"]),
                    [str(p) for p in body["problems"]],
                )
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                continue
            self.report = report

    def close(self) -> None:
        with contextlib.suppress(ValueError, RuntimeError):
            asyncio.get_running_loop().remove_reader(self._sock)
        self._sock.close()


class ChildEnd:
    def __init__(self, fd: int) -> None:
        self._sock = socket.socket(fileno=fd)
        self._sock.setblocking(False)

    def listen_for_wakes(self, on_wake: Callable[[], None]) -> None:
        """Call `on_wake` (in the running loop) whenever the parent sends."""

        def readable() -> None:
            if _drain(self._sock):  # one wake-up for everything already sent
                on_wake()

        asyncio.get_running_loop().add_reader(self._sock, readable)

    async def report_until(
        self,
        stop: asyncio.Event,
        last_beat: Callable[[], float | None],
        in_flight: Callable[[], int],
        problems: Callable[[float], list[str]],
    ) -> None:
        while not stop.is_set():
            now = time.monotonic()
            beat = last_beat()
            body = {
                "beat_age": None if beat is None else max(0.0, now - beat),
                "in_flight": in_flight(),
                "problems": problems(now),
            }
            with contextlib.suppress(OSError):  # the parent is gone or slow: next time
                self._sock.send(orjson.dumps(body))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), REPORT_SECONDS)

    def close(self) -> None:
        with contextlib.suppress(ValueError, RuntimeError):
            asyncio.get_running_loop().remove_reader(self._sock)
        self._sock.close()


def _drain(sock: socket.socket) -> list[bytes]:
    """Every datagram waiting on `sock`; a closed peer stops the reading for good."""
    received: list[bytes] = []
    while True:
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return received
        except OSError:
            data = b""
        if not data:  # the other end is closed: nothing more will come
            with contextlib.suppress(ValueError, RuntimeError):
                asyncio.get_running_loop().remove_reader(sock)
            return received
        received.append(data)
