"""Waking workers on other hosts: PostgreSQL LISTEN/NOTIFY, coalesced.

Publishers do not NOTIFY once per message: a burst of publishes in one process sends one
NOTIFY per database round trip at most. Workers LISTEN on a connection of their own and
reconnect by themselves; they also poll, so a lost notification only costs latency.

A publish whose deliveries were all handed to the worker of its process (hookline.handoff)
still notifies, for the long polls of every process, but with the payload `HANDED_OFF`:
workers ignore it, as there is nothing for them to claim.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

log = logging.getLogger("hookline.notify")

CHANNEL = "hookline_due"
HANDED_OFF = "handed-off"
RECONNECT_SECONDS = 1.0


class CoalescingNotifier:
    """Sends `NOTIFY hookline_due` after publishes, never more than one at a time."""

    def __init__(self, send: Callable[[str], object]) -> None:
        self._send = send  # an async callable that emits one NOTIFY with this payload
        self._requested = False
        self._due = False  # some of the requests left deliveries for workers to claim
        self._task: asyncio.Task[None] | None = None

    def request(self, due: bool = True) -> None:
        self._requested = True
        self._due = self._due or due
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._requested:
            payload = "" if self._due else HANDED_OFF
            self._requested = self._due = False
            try:
                await self._send(payload)  # type: ignore[misc]
            except Exception as exc:  # a lost wake-up only delays delivery until the next poll
                log.debug("NOTIFY failed: %s", exc)
                return

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def listen(
    dsn: str, on_notify: Callable[[], None], stop: asyncio.Event, due_only: bool = False
) -> None:
    """Call `on_notify` for every NOTIFY on the channel until `stop` is set (`due_only`: for
    those that may have left deliveries to claim)."""

    def notified(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        if not (due_only and payload == HANDED_OFF):
            on_notify()

    while not stop.is_set():
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            await conn.add_listener(CHANNEL, notified)
            on_notify()  # anything published while we were not listening
            while not stop.is_set() and not conn.is_closed():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=RECONNECT_SECONDS)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            log.warning("LISTEN connection lost (%s); polling meanwhile", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=RECONNECT_SECONDS)
        finally:
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
