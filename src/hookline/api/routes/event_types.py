"""/api/v1/event-type: the catalogue of event names endpoints subscribe to."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from hookline.api import serialize
from hookline.api.json_body import JsonBodyRoute
from hookline.api.models import (
    EventTypeIn,
    EventTypeOut,
    EventTypePatch,
    EventTypeUpsertIn,
    ListResponse,
    RetryScheduleIn,
    RetryScheduleOut,
)
from hookline.api.openapi import created
from hookline.api.openapi_import_models import EventTypeImportOpenApiIn, EventTypeImportOpenApiOut
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import (
    DEFAULT_LIMIT,
    Db,
    EventTypeIterator,
    Limit,
    Ops,
    Order,
    PathKey,
)
from hookline.operations import event_types
from hookline.operations.event_types import EventTypeInput
from hookline.store.rows import EventTypeRow

router = APIRouter(prefix="/api/v1/event-type", tags=["Event Type"], route_class=JsonBodyRoute)


@router.get("", response_model=ListResponse[EventTypeOut])
async def list_event_types(
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: EventTypeIterator = None,
    order: Order = None,
    include_archived: bool = False,
    with_content: bool = True,
) -> OrjsonResponse:
    """By name. `with_content=false` (what the SDK sends unless told otherwise) leaves the
    schemas out (`null`), as Svix does."""
    page = await db.event_types.list(
        limit, iterator, include_archived=include_archived, descending=order == "descending"
    )

    def convert(row: EventTypeRow) -> dict[str, Any]:
        out = serialize.event_type(row)
        if not with_content:
            out["schemas"] = None
        return out

    return OrjsonResponse(serialize.page(page, convert))


@router.post("", response_model=EventTypeOut, status_code=201)
async def create_event_type(body: EventTypeIn, ops: Ops) -> OrjsonResponse:
    row = await event_types.create_event_type(ops, body.name, _input(body))
    return OrjsonResponse(serialize.event_type(row), status_code=201)


@router.get("/{event_type_name}", response_model=EventTypeOut)
async def get_event_type(event_type_name: PathKey, db: Db) -> OrjsonResponse:
    return OrjsonResponse(serialize.event_type(await db.event_types.get(event_type_name)))


@router.put("/{event_type_name}", response_model=EventTypeOut, responses=created(EventTypeOut))
async def upsert_event_type(
    event_type_name: PathKey, body: EventTypeUpsertIn, ops: Ops
) -> OrjsonResponse:
    row, created = await event_types.replace_event_type(ops, event_type_name, _input(body))
    return OrjsonResponse(serialize.event_type(row), status_code=201 if created else 200)


@router.patch("/{event_type_name}", response_model=EventTypeOut)
async def patch_event_type(
    event_type_name: PathKey, body: EventTypePatch, ops: Ops
) -> OrjsonResponse:
    row = await event_types.update_event_type(ops, event_type_name, _input(body))
    return OrjsonResponse(serialize.event_type(row))


@router.delete("/{event_type_name}", status_code=204)
async def delete_event_type(event_type_name: PathKey, ops: Ops, expunge: bool = False) -> Response:
    await event_types.archive_event_type(ops, event_type_name, expunge=expunge)
    return Response(status_code=204)


def _input(body: EventTypeIn | EventTypeUpsertIn | EventTypePatch) -> EventTypeInput:
    given = body.model_dump(exclude_unset=True, exclude={"name"})
    if "validate_payloads" in given:
        given["validate"] = given.pop("validate_payloads")
    return EventTypeInput(**given)


def _schedule(schedule: tuple[float, ...] | None) -> dict[str, Any]:
    return {"retrySchedule": None if schedule is None else [int(s) for s in schedule]}


@router.get("/{event_type_name}/retry-schedule", response_model=RetryScheduleOut)
async def get_retry_schedule(event_type_name: PathKey, ops: Ops) -> OrjsonResponse:
    """The seconds before each retry of this type's messages; `null`: the server's
    schedule (HOOKLINE_RETRY_SCHEDULE)."""
    return OrjsonResponse(
        _schedule(await event_types.event_type_retry_schedule(ops, event_type_name))
    )


@router.put("/{event_type_name}/retry-schedule", response_model=RetryScheduleOut)
async def update_retry_schedule(
    event_type_name: PathKey, body: RetryScheduleIn, ops: Ops
) -> OrjsonResponse:
    """Give this type's messages their own retry schedule (`null`: the server's again). It
    applies to every retry scheduled from now on, including those of messages already
    published."""
    schedule = await event_types.set_event_type_retry_schedule(
        ops, event_type_name, body.retry_schedule
    )
    return OrjsonResponse(_schedule(schedule))


@router.post("/import/openapi", response_model=EventTypeImportOpenApiOut)
async def import_openapi(body: EventTypeImportOpenApiIn, ops: Ops) -> OrjsonResponse:
    """Create or replace an event type per entry of an OpenAPI document's `webhooks`: the
    name is the entry's key, the schema the request body's JSON schema with its `$ref`s
    written out. `replaceAll` archives the event types the document does not have;
    `dryRun` changes nothing."""
    result = await event_types.import_openapi(
        ops, body.spec, body.spec_raw, bool(body.dry_run), bool(body.replace_all)
    )
    return OrjsonResponse(
        {
            "data": {
                "modified": result.modified,
                "to_modify": [
                    {
                        "name": e.name,
                        "description": e.description,
                        "schemas": e.schemas,
                        "deprecated": e.deprecated,
                        "groupName": e.group_name,
                        "featureFlags": e.feature_flags,
                    }
                    for e in result.event_types
                ],
                "archived": result.archived,
            }
        }
    )
