"""Bodies of the background task routes and of the operations that start one (Svix's
BackgroundTaskOut, ExpungeAllContentsOut, BulkExpungeContents*, AppUsageStats*,
AggregateEventTypesOut, BulkReplayIn and its ReplayOut)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from hookline.api.models import (
    NOT_BOOL,
    ApiModel,
    Channel,
    EventTypeName,
    IsoDateTime,
    Key,
    OutModel,
    StatusCodeClass,
    Tag,
)
from hookline.types import DeliveryStatus

TaskStatus = Literal["running", "finished", "failed"]
# Svix's BackgroundTaskType values that Hookline runs.
TaskType = Literal[
    "endpoint.recover",
    "endpoint.replay",
    "application.purge_content",
    "application.stats",
    "event-type.aggregate",
    "endpoint.bulk-replay",
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


class BulkReplayIn(ApiModel):
    """Which of the messages sent to the endpoint a bulk replay sends again."""

    since: IsoDateTime
    until: IsoDateTime | None = None
    event_types: list[EventTypeName] | None = Field(default=None, max_length=100)
    channel: Channel | None = None
    tag: Tag | None = None
    # Of the message's latest delivery to the endpoint (Svix's MessageStatus).
    status: Annotated[DeliveryStatus, NOT_BOOL] | None = None
    # Of the message's latest attempt there (0: no HTTP response).
    status_code_class: Annotated[StatusCodeClass, NOT_BOOL] | None = None


class BulkReplayOut(OutModel):
    """Svix's ReplayOut for `endpoint.bulk-replay`, plus Hookline's `data` (`{}` while it
    runs: poll `GET /api/v1/background-task/{id}` for its result)."""

    id: str
    status: TaskStatus
    task: Literal["endpoint.bulk-replay"]
    updated_at: datetime
    data: dict[str, Any]
