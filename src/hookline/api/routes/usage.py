"""Svix's statistics aggregation: background tasks that count attempts per application
(`POST /api/v1/stats/usage/app`) and list what each application's endpoints subscribe to
(`PUT /api/v1/stats/usage/event-types`). Poll `GET /api/v1/background-task/{id}` for the
result."""

from __future__ import annotations

from fastapi import APIRouter

from hookline.api import serialize
from hookline.api.json_body import JsonBodyRoute
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import Ops, to_ms
from hookline.api.task_models import AppUsageStatsIn, AppUsageStatsOut, TaskSummaryOut
from hookline.operations import usage_statistics

router = APIRouter(prefix="/api/v1/stats/usage", tags=["Statistics"], route_class=JsonBodyRoute)


@router.post("/app", response_model=AppUsageStatsOut, status_code=202)
async def aggregate_app_stats(body: AppUsageStatsIn, ops: Ops) -> OrjsonResponse:
    """Start counting the attempts (`messageDestinations`) each application made between
    `since` and `until`, by the hour; `appIds` (ids or uids) limits it to those. The task's
    `data.appStats` lists `{appId, appUid, messageDestinations}`; `unresolvedAppIds` the keys
    that name no application (none resolving: `422`)."""
    since, until = to_ms(body.since), to_ms(body.until)
    assert since is not None and until is not None
    task, unresolved = await usage_statistics.aggregate_app_stats(ops, since, until, body.app_ids)
    return OrjsonResponse(
        {**serialize.task_summary(task), "unresolvedAppIds": unresolved}, status_code=202
    )


@router.put("/event-types", response_model=TaskSummaryOut, status_code=202)
async def aggregate_event_types(ops: Ops) -> OrjsonResponse:
    """Start listing, per application with endpoints, the event types its endpoints filter
    on (`explicitlySubscribedEventTypes`) and whether one takes them all
    (`hasCatchAllEndpoint`): the task's `data.event_types`."""
    task = await usage_statistics.aggregate_event_types(ops)
    return OrjsonResponse(serialize.task_summary(task), status_code=202)
