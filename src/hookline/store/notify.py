"""Waking workers on other hosts: PostgreSQL LISTEN/NOTIFY, coalesced.

Publishers do not NOTIFY once per message: a burst of publishes in one process sends one
NOTIFY per database round trip at most. Workers LISTEN on a connection of their own and
reconnect by themselves; they also poll, so a lost notification only costs latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

log = logging.getLogger("hookline.notify")

CHANNEL = "hookline_due"
RECONNECT_SECONDS = 1.0


class CoalescingNotifier:
    """Sends `NOTIFY hookline_due` after publishes, never more than one at a time."""

    def __init__(self, send: Callable[[], object]) -> None:
        self._send = send  # an async callable that emits one NOTIFY
        self._requested = False
        self._task: asyncio.Task[None] | None = None

    def request(self) -> None:
        self._requested = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._requested:
            self._requested = False
            try:
                await self._send()  # type: ignore[misc]
            except Exception as exc:  # a lost wake-up only delays delivery until the next poll
                log.debug("NOTIFY failed: %s", exc)
                return

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def listen(dsn: str, on_notify: Callable[[], None], stop: asyncio.Event) -> None:
    """Call `on_notify` for every NOTIFY on the channel until `stop` is set."""
    while not stop.is_set():
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            await conn.add_listener(CHANNEL, lambda *_: on_notify())
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
