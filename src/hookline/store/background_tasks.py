"""Background tasks: the record of every long operation (Svix's `qtask_…`).

A task is written `running` when its operation starts and `finished` (or `failed`) with its
result `data` when it ends. The operation itself runs in the process that started it (see
operations/background.py) and survives nothing: while it runs, that process moves the task's
`heartbeat_at` on; a task still `running` whose heartbeat is older than STALE_AFTER_MS was
left by a process that died, and `fail_abandoned` (run at every start and retention pass)
marks it failed. On PostgreSQL several processes can do so at once: the update is the same.
Tasks that have ended are kept as long as message payloads (HOOKLINE_RETENTION_DAYS); the
retention pass removes older ones (`prune_ended`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hookline import ids
from hookline.store.errors import NotFound
from hookline.store.pagination import Page, fetch_page
from hookline.store.rows import BackgroundTaskRow
from hookline.store.schema import background_tasks

if TYPE_CHECKING:
    from hookline.store.connections import Connections

b = background_tasks
RUNNING, FINISHED, FAILED = "running", "finished", "failed"
HEARTBEAT_MS = 20_000  # how often a running task's process says it still runs
STALE_AFTER_MS = 120_000  # six missed heartbeats: its process is gone
ABANDONED = {"error": "the process running this task stopped before it ended"}


class BackgroundTasks:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def start(
        self, task: str, app_id: str | None = None, data: dict[str, Any] | None = None
    ) -> BackgroundTaskRow:
        """Record a task that starts now, `running`."""
        now = self.db.clock.now_ms()
        row = {
            "id": ids.new_id(ids.TASK, now),
            "task": task,
            "status": RUNNING,
            "app_id": app_id,
            "data": data or {},
            "created_at": now,
            "updated_at": now,
            "heartbeat_at": now,
        }
        async with self.db.write() as conn:
            await conn.execute(b.insert().values(**row))
        return BackgroundTaskRow.from_row(row)

    async def record_finished(
        self, task: str, data: dict[str, Any], app_id: str | None = None
    ) -> BackgroundTaskRow:
        """Record a task that ran within its request and is already done."""
        now = self.db.clock.now_ms()
        row = {
            "id": ids.new_id(ids.TASK, now),
            "task": task,
            "status": FINISHED,
            "app_id": app_id,
            "data": data,
            "created_at": now,
            "updated_at": now,
            "heartbeat_at": now,
        }
        async with self.db.write() as conn:
            await conn.execute(b.insert().values(**row))
        return BackgroundTaskRow.from_row(row)

    async def end(
        self, task_id: str, status: str, data: dict[str, Any]
    ) -> BackgroundTaskRow | None:
        """Record how a running task ended; returns it as it ended. A task already marked
        failed as abandoned (its heartbeat was missed) keeps that answer, since a caller may
        have acted on it: None then."""
        now = self.db.clock.now_ms()
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    b.update()
                    .where(b.c.id == task_id, b.c.status == RUNNING)
                    .values(status=status, data=data, updated_at=now, heartbeat_at=now)
                    .returning(*b.c)
                )
            ).first()
        return None if row is None else BackgroundTaskRow.from_row(row)

    async def heartbeat(self, task_ids: list[str]) -> None:
        if not task_ids:
            return
        async with self.db.write(durable=False) as conn:
            await conn.execute(
                b.update()
                .where(b.c.id.in_(task_ids), b.c.status == RUNNING)
                .values(heartbeat_at=self.db.clock.now_ms())
            )

    async def fail_abandoned(self, now: int | None = None) -> list[BackgroundTaskRow]:
        """Mark failed the running tasks whose process stopped beating; returns them. (Of
        processes doing so at once on PostgreSQL, only one updates each task: the others
        find it no longer running once its lock is released.)"""
        now = self.db.clock.now_ms() if now is None else now
        async with self.db.write() as conn:
            result = await conn.execute(
                b.update()
                .where(b.c.status == RUNNING, b.c.heartbeat_at < now - STALE_AFTER_MS)
                .values(status=FAILED, data=ABANDONED, updated_at=now)
                .returning(*b.c)
            )
            return [BackgroundTaskRow.from_row(row) for row in result]

    async def prune_ended(self, before_ms: int, batch: int) -> int:
        """Delete at most `batch` tasks that ended (finished or failed) and started before
        `before_ms`, oldest first; returns how many. Found through (status, id): ids sort by
        start time. A task still running is never removed, however old."""
        total = 0
        boundary = ids.lowest_id(ids.TASK, before_ms)
        for status in (FINISHED, FAILED):
            if total >= batch:
                break
            oldest = (
                sa.select(b.c.id)
                .where(b.c.status == status, b.c.id < boundary)
                .order_by(b.c.id)
                .limit(batch - total)
            )
            if self.db.dialect != "sqlite":
                oldest = oldest.with_for_update(skip_locked=True)
            async with self.db.write(durable=False) as conn:
                result = await conn.execute(
                    b.delete().where(b.c.id.in_(oldest.scalar_subquery())).returning(b.c.id)
                )
                total += len(result.all())
        return total

    async def get(self, task_id: str) -> BackgroundTaskRow:
        async with self.db.read() as conn:
            row = (await conn.execute(sa.select(b).where(b.c.id == task_id))).first()
        if row is None:
            raise NotFound("background task", task_id)
        return BackgroundTaskRow.from_row(row)

    async def list(
        self,
        limit: int,
        iterator: str | None,
        status: str | None = None,
        task: str | None = None,
        descending: bool = True,
    ) -> Page[BackgroundTaskRow]:
        """Tasks by id (their start time), newest first unless `descending` is False."""
        query = sa.select(b)
        if status is not None:
            query = query.where(b.c.status == status)
        if task is not None:
            query = query.where(b.c.task == task)
        async with self.db.read() as conn:
            return await fetch_page(
                conn, query, b.c.id, limit, iterator, descending, BackgroundTaskRow.from_row
            )
