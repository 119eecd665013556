"""/api/v1/app/{app_id}/msg: publishing events and reading them back."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hookline.api import serialize
from hookline.api.json_body import JsonBodyRoute
from hookline.api.models import (
    ListResponse,
    MessageIn,
    MessageOut,
    MessagePrecheckIn,
    MessagePrecheckOut,
)
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import (
    DEFAULT_LIMIT,
    ChannelFilter,
    Db,
    EventTypes,
    Limit,
    MessageIterator,
    Ops,
    PathKey,
    TagFilter,
    Time,
    event_type_list,
    to_ms,
)
from hookline.observability import tracing
from hookline.operations import messages
from hookline.operations.applications import ApplicationInput
from hookline.operations.context import OperationContext
from hookline.operations.messages import publish_message
from hookline.store.rows import MessageRow

router = APIRouter(prefix="/api/v1/app/{app_id}/msg", tags=["Message"], route_class=JsonBodyRoute)


@router.post("", response_model=MessageOut, status_code=202)
async def create_message(
    app_id: PathKey, body: MessageIn, ops: Ops, request: Request, with_content: bool = True
) -> OrjsonResponse:
    """Store the message and its deliveries, then answer 202: it will not be lost."""
    incoming = request.headers.get("traceparent") if tracing.enabled() else None
    row = await publish(ops, app_id, body, incoming)
    return OrjsonResponse(serialize.message(row, with_content), status_code=202)


async def publish(
    ops: OperationContext, app_id: str, body: MessageIn, incoming_trace: str | None = None
) -> MessageRow:
    """Publish a message as the API takes it: the route's work, and in-process publishing's
    (embed.py), so that both accept exactly the same messages."""
    attributes = {"hookline.app": app_id}
    with tracing.span("hookline.publish", incoming_trace, "SERVER", attributes) as span:
        row = await publish_message(
            ops,
            app_id,
            body.event_type,
            body.payload,
            event_id=body.event_id,
            channels=body.channels,
            create_app=ApplicationInput(**body.application.model_dump())
            if body.application
            else None,
            trace_context=tracing.current_traceparent(),
            tags=body.tags,
            deliver_at_ms=to_ms(body.deliver_at),
            payload_keep=messages.payload_keep_ms(
                body.payload_retention_period,
                body.payload_retention_hours,
                ops.settings.retention_days,
            ),
        )
        tracing.set_attributes(
            span, {"hookline.msg_id": row.id, "hookline.event_type": body.event_type}
        )
    return row


@router.post("/precheck/active", response_model=MessagePrecheckOut)
async def precheck_message(app_id: PathKey, body: MessagePrecheckIn, ops: Ops) -> OrjsonResponse:
    """Would a message of this event type, on these channels, reach any enabled endpoint?
    The same routing as publishing; nothing is stored."""
    active = await messages.precheck_message(ops, app_id, body.event_type, body.channels)
    return OrjsonResponse({"active": active})


@router.get("", response_model=ListResponse[MessageOut])
async def list_messages(
    app_id: PathKey,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: MessageIterator = None,
    event_types: EventTypes = None,
    channel: ChannelFilter = None,
    tag: TagFilter = None,
    before: Time = None,
    after: Time = None,
    with_content: bool = True,
) -> OrjsonResponse:
    """Newest first. `before` / `after` bound the publish time (both exclusive: a range whose
    `before` is not later than its `after` is empty)."""
    page = await db.messages.list(
        app_id,
        limit,
        iterator,
        event_types=event_type_list(event_types),
        channel=channel,
        tag=tag,
        before_ms=to_ms(before),
        after_ms=to_ms(after),
    )
    return OrjsonResponse(serialize.page(page, lambda m: serialize.message(m, with_content)))


@router.get("/{msg_id}", response_model=MessageOut)
async def get_message(
    app_id: PathKey, msg_id: PathKey, db: Db, with_content: bool = True
) -> OrjsonResponse:
    return OrjsonResponse(serialize.message(await db.messages.get(app_id, msg_id), with_content))
