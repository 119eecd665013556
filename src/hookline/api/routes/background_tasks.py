"""/api/v1/background-task: the long operations Hookline ran or runs, and their results."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from hookline import ids
from hookline.api import serialize
from hookline.api.models import ListResponse
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import DEFAULT_LIMIT, Db, Limit, Order, TaskIterator
from hookline.api.task_models import BackgroundTaskOut, TaskStatus

router = APIRouter(prefix="/api/v1/background-task", tags=["Background Task"])

TaskId = Annotated[str, Path(pattern=ids.pattern(ids.TASK))]
# Every BackgroundTaskType of Svix's: filtering by one Hookline never runs lists nothing.
TaskFilter = Literal[
    "endpoint.replay",
    "endpoint.recover",
    "application.stats",
    "message.broadcast",
    "sdk.generate",
    "event-type.aggregate",
    "application.purge_content",
    "endpoint.bulk-replay",
]


@router.get("", response_model=ListResponse[BackgroundTaskOut])
async def list_background_tasks(
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: TaskIterator = None,
    order: Order = None,
    status: Annotated[TaskStatus | None, Query()] = None,
    task: Annotated[TaskFilter | None, Query()] = None,
) -> OrjsonResponse:
    """Background tasks, newest first unless `order=ascending`; `status` and `task` keep
    those of that status or kind."""
    page = await db.background_tasks.list(
        limit, iterator, status=status, task=task, descending=order != "ascending"
    )
    return OrjsonResponse(serialize.page(page, serialize.background_task))


@router.get("/{task_id}", response_model=BackgroundTaskOut)
async def get_background_task(task_id: TaskId, db: Db) -> OrjsonResponse:
    """One background task, with its result `data` once it has ended."""
    return OrjsonResponse(serialize.background_task(await db.background_tasks.get(task_id)))
