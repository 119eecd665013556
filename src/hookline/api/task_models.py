"""Bodies of the background task routes and of the operations that start one (Svix's
BackgroundTaskOut, ExpungeAllContentsOut, BulkExpungeContents*, AppUsageStats*,
AggregateEventTypesOut)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from hookline.api.models import ApiModel, IsoDateTime, Key, OutModel

TaskStatus = Literal["running", "finished", "failed"]
# Svix's BackgroundTaskType values that Hookline runs.
TaskType = Literal[
    "endpoint.recover",
    "endpoint.replay",
    "application.purge_content",
    "application.stats",
    "event-type.aggregate",
]
MAX_BULK_EXPUNGE = 1000


class BackgroundTaskOut(OutModel):
    """A long operation: what it is, how it stands, and its result (`data`, `{}` while
    running; `{"error": …}` when it failed)."""

    id: str
    status: TaskStatus
    task: TaskType
    updated_at: datetime
    data: dict[str, Any]


class TaskSummaryOut(OutModel):
    """What an operation that starts a task answers (Svix's ExpungeAllContentsOut,
    AggregateEventTypesOut): poll `GET /api/v1/background-task/{id}` for its result."""

    id: str
    status: TaskStatus
    task: TaskType
    updated_at: datetime


class BulkExpungeContentsIn(ApiModel):
    ids: list[Key] | None = Field(default=None, max_length=MAX_BULK_EXPUNGE)


class BulkExpungeContentsOut(OutModel):
    """Per key given (message id or eventId): `expunged`, or `not-found`."""

    results: dict[str, Literal["expunged", "not-found"]]


class AppUsageStatsIn(ApiModel):
    since: IsoDateTime
    until: IsoDateTime
    app_ids: list[Key] | None = Field(default=None, max_length=1000)


class AppUsageStatsOut(TaskSummaryOut):
    """The task, and the given application ids or uids that name no application."""

    unresolved_app_ids: list[str]
