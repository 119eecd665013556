"""Waking long polls when a message is published: at once for this process's publishes, and
on PostgreSQL for other processes' too, through the publish NOTIFY that wakes the workers
(notify.py). A waiter never polls the database meanwhile; a lost wake-up only means it is
answered when its wait ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

# Runs the LISTEN loop (notify.listen) until its event is set, calling back on each NOTIFY.
Listener = Callable[[Callable[[], None], asyncio.Event], Coroutine[Any, Any, None]]


class PublishWakeups:
    def __init__(self, listener: Listener | None) -> None:
        self._listener = listener  # None: publishes come from this process only (SQLite)
        self._published = asyncio.Event()
        self._stop = asyncio.Event()
        self._listening: asyncio.Task[None] | None = None
        # Set when the process shuts down: long polls answer what they have, without waiting.
        self.stopping = False

    def fire(self) -> None:
        """A publish committed: wake every waiter, and start a new generation."""
        published, self._published = self._published, asyncio.Event()
        published.set()

    def stop_waiting(self) -> None:
        """The process is shutting down: wake every waiter, and let no one wait again (a
        graceful shutdown waits for the requests in flight)."""
        self.stopping = True
        self.fire()

    def next_publish(self) -> asyncio.Event:
        """An event set by the next publish. Take it *before* reading, then wait on it if the
        read found nothing: a publish in between is not missed."""
        if self._listener is not None and self._listening is None:
            # Started by the first long poll, so a process nobody long-polls holds no
            # extra connection.
            self._listening = asyncio.get_running_loop().create_task(
                self._listener(self.fire, self._stop)
            )
        return self._published

    async def close(self) -> None:
        self._stop.set()
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
