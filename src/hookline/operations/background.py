"""Running long operations as background tasks, in this process.

`start_background_task` records the task `running`, answers at once, and runs the work as an
asyncio task of this process; when the work returns its result `data` the task is `finished`,
when it raises, `failed` (with the error). Nothing survives the process: on shutdown the work
still running is cancelled and its task marked failed, and the tasks of a process that died
are marked failed by the next start or retention pass (store.background_tasks). Operations
that finish within their request (recover, replay) record a finished task instead
(`record_finished_task`). Every task that ends is announced to the operator as
`background_task.finished` (operational webhooks), failed ones too, as in Svix.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from hookline.operational import OperationalEvents
from hookline.store import Database
from hookline.store.background_tasks import FAILED, FINISHED, HEARTBEAT_MS
from hookline.store.rows import BackgroundTaskRow

log = logging.getLogger("hookline.operations")

Work = Callable[[], Awaitable[dict[str, Any]]]
SHUTDOWN = {"error": "the server stopped before this task ended"}


class BackgroundRunner:
    """This process's running background tasks, kept referenced (asyncio only keeps weak
    references to tasks) and beating so that other processes see they still run."""

    def __init__(self, db: Database, operational: OperationalEvents) -> None:
        self.db = db
        self.operational = operational
        self._running: dict[str, asyncio.Task[None]] = {}
        self._beat: asyncio.Task[None] | None = None

    def run(self, task: BackgroundTaskRow, work: Work) -> None:
        self._running[task.id] = asyncio.create_task(self._run(task.id, work))
        if self._beat is None or self._beat.done():
            self._beat = asyncio.create_task(self._heartbeat())

    async def _run(self, task_id: str, work: Work) -> None:
        try:
            data = await work()
        except asyncio.CancelledError:
            await self._record_end(task_id, FAILED, SHUTDOWN)
            raise
        except Exception as exc:
            log.exception("background task %s failed", task_id)
            await self._record_end(task_id, FAILED, {"error": str(exc) or type(exc).__name__})
        else:
            await self._record_end(task_id, FINISHED, data)
        finally:
            self._running.pop(task_id, None)

    async def _record_end(self, task_id: str, status: str, data: dict[str, Any]) -> None:
        try:
            ended = await self.db.background_tasks.end(task_id, status, data)
        except Exception:
            # Left running, it is marked failed (and announced) once its heartbeat is missed.
            log.exception("could not record the end of background task %s", task_id)
            return
        if ended is not None:  # None: marked failed as abandoned meanwhile, announced then
            await self.operational.task_ended(ended)

    async def _heartbeat(self) -> None:
        while self._running:
            await asyncio.sleep(HEARTBEAT_MS / 1000)
            with contextlib.suppress(Exception):  # a missed beat is made up by the next
                await self.db.background_tasks.heartbeat(list(self._running))

    async def wait(self) -> None:
        """Until every task running now has ended (tests and an orderly shutdown)."""
        await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def shutdown(self) -> None:
        """Cancel what still runs; each records itself failed."""
        for running in list(self._running.values()):
            running.cancel()
        await self.wait()
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat


async def start_background_task(
    runner: BackgroundRunner, task: str, work: Work, app_id: str | None = None
) -> BackgroundTaskRow:
    """Record `task` running and run `work` in this process; returns the task as it starts."""
    row = await runner.db.background_tasks.start(task, app_id)
    runner.run(row, work)
    return row


async def record_finished_task(
    runner: BackgroundRunner, task: str, data: dict[str, Any], app_id: str | None = None
) -> BackgroundTaskRow:
    """Record an operation that was done within its request as a finished task, and
    announce it."""
    row = await runner.db.background_tasks.record_finished(task, data, app_id)
    await runner.operational.task_ended(row)
    return row
