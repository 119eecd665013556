"""Deliveries by state, and recovering an endpoint (Svix's "message attempt" listings of
destinations and messages, and `endpoint.recover`)."""

from __future__ import annotations

from fastapi import APIRouter

from hookline.api import serialize
from hookline.api.json_body import JsonBodyRoute
from hookline.api.models import (
    EndpointMessageOut,
    ListResponse,
    MessageEndpointOut,
    RecoverIn,
    RecoverOut,
    ReplayIn,
    ReplayOut,
)
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import (
    DEFAULT_LIMIT,
    ChannelFilter,
    Db,
    EndpointIterator,
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
from hookline.api.task_models import BulkReplayIn, BulkReplayOut
from hookline.operations.recovery import (
    bulk_replay_messages,
    recover_failed_deliveries,
    replay_missing_messages,
)
from hookline.store.bulk_replay import BulkReplayFilter
from hookline.types import DeliveryStatus

router = APIRouter(
    prefix="/api/v1/app/{app_id}", tags=["Message Attempt"], route_class=JsonBodyRoute
)


@router.get("/msg/{msg_id}/endpoint", response_model=ListResponse[MessageEndpointOut])
async def list_attempted_destinations(
    app_id: PathKey,
    msg_id: PathKey,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: EndpointIterator = None,
) -> OrjsonResponse:
    """The endpoints a message was sent to, by endpoint id, each with the state of its
    delivery there (`status`, `statusText`, `nextAttempt`)."""
    page = await db.delivery_log.destinations(app_id, msg_id, limit, iterator)
    return OrjsonResponse(serialize.page(page, serialize.message_endpoint))


@router.get("/endpoint/{endpoint_id}/msg", response_model=ListResponse[EndpointMessageOut])
async def list_attempted_messages(
    app_id: PathKey,
    endpoint_id: PathKey,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: MessageIterator = None,
    status: DeliveryStatus | None = None,
    event_types: EventTypes = None,
    channel: ChannelFilter = None,
    tag: TagFilter = None,
    before: Time = None,
    after: Time = None,
    with_content: bool = True,
    expanded_statuses: bool = True,  # no delivery is ever Canceled (4): both answer the same
) -> OrjsonResponse:
    """The messages sent to an endpoint, newest first, each with the state of its delivery;
    `status=2` lists those that failed for good. `before` / `after` bound the publish time
    (exclusive)."""
    page = await db.delivery_log.messages(
        app_id,
        endpoint_id,
        limit,
        iterator,
        status=status,
        event_types=event_type_list(event_types),
        channel=channel,
        tag=tag,
        before_ms=to_ms(before),
        after_ms=to_ms(after),
        with_content=with_content,
    )
    return OrjsonResponse(
        serialize.page(page, lambda row: serialize.endpoint_message(row, with_content))
    )


@router.post("/endpoint/{endpoint_id}/recover", response_model=RecoverOut, status_code=202)
async def recover_endpoint(
    app_id: PathKey, endpoint_id: PathKey, body: RecoverIn, ops: Ops
) -> OrjsonResponse:
    """Send again every message whose delivery to this endpoint failed for good, of those
    published since `since` (and before `until`), at most HOOKLINE_RECOVER_RATE per second.
    An `until` not after `since` is an empty window: nothing is queued."""
    since, until = to_ms(body.since), to_ms(body.until)
    assert since is not None
    task = await recover_failed_deliveries(ops, app_id, endpoint_id, since, until)
    return OrjsonResponse(serialize.background_task(task), status_code=202)


@router.post("/endpoint/{endpoint_id}/replay-missing", response_model=ReplayOut, status_code=202)
async def replay_missing(
    app_id: PathKey, endpoint_id: PathKey, body: ReplayIn, ops: Ops
) -> OrjsonResponse:
    """Send the endpoint every message published since `since` (and before `until`) that it
    never got a delivery of and that its filters accept: published before it existed, or while
    it was disabled. At most HOOKLINE_RECOVER_RATE per second; messages already sent to it are
    not sent again."""
    since, until = to_ms(body.since), to_ms(body.until)
    assert since is not None
    task = await replay_missing_messages(ops, app_id, endpoint_id, since, until)
    return OrjsonResponse(serialize.background_task(task), status_code=202)


@router.post("/endpoint/{endpoint_id}/bulk-replay", response_model=BulkReplayOut, status_code=202)
async def bulk_replay(
    app_id: PathKey, endpoint_id: PathKey, body: BulkReplayIn, ops: Ops
) -> OrjsonResponse:
    """Send the endpoint once more every message it was sent, delivered or failed, published
    since `since` (and before `until`), of those that pass the filters: the message's
    `eventTypes`, `channel` and `tag`, the `status` of its latest delivery to the endpoint and
    the `statusCodeClass` of its latest attempt there (0: no HTTP response). A background task:
    it answers `running`; `background_task.get` gives `data.messagesQueued` once it has
    finished. At most HOOKLINE_RECOVER_RATE per second, oldest first."""
    since = to_ms(body.since)
    assert since is not None
    keep = BulkReplayFilter(
        since_ms=since,
        until_ms=to_ms(body.until),
        event_types=body.event_types,
        channel=body.channel,
        tag=body.tag,
        status=None if body.status is None else int(body.status),
        status_code_class=None if body.status_code_class is None else int(body.status_code_class),
    )
    task = await bulk_replay_messages(ops, app_id, endpoint_id, keep)
    return OrjsonResponse(serialize.background_task(task), status_code=202)
