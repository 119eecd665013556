"""Attempts (the delivery log) and resending a message to an endpoint."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from hookline.api import serialize
from hookline.api.models import EmptyOut, ListResponse, MessageAttemptOut, StatusCodeClass
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import (
    DEFAULT_LIMIT,
    AttemptIterator,
    ChannelFilter,
    Db,
    EventTypes,
    Limit,
    Ops,
    PathKey,
    QueryKey,
    TagFilter,
    Time,
    event_type_list,
    to_ms,
)
from hookline.operations import messages
from hookline.store.attempts import AttemptFilter
from hookline.store.pagination import Page
from hookline.store.rows import AttemptRow
from hookline.types import DeliveryStatus

router = APIRouter(prefix="/api/v1/app/{app_id}", tags=["Message Attempt"])


# Hookline never cancels an attempt, so no attempt has status 4 (Canceled) to show or hide:
# either value of `expanded_statuses` answers the same.
ExpandedStatuses = Annotated[bool, Query()]


def _answer(page: Page[AttemptRow], with_content: bool, with_msg: bool) -> OrjsonResponse:
    def convert(row: AttemptRow) -> dict[str, Any]:
        out = serialize.attempt(row)
        if not with_content:
            out["response"] = ""  # the response body is the attempt's content
        if with_msg and row.msg is not None:
            out["msg"] = serialize.attempt_message(row.msg)
        return out

    return OrjsonResponse(serialize.page(page, convert))


@router.get("/attempt/msg/{msg_id}", response_model=ListResponse[MessageAttemptOut])
async def list_attempts_by_message(
    app_id: PathKey,
    msg_id: PathKey,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: AttemptIterator = None,
    status: DeliveryStatus | None = None,
    status_code_class: StatusCodeClass | None = None,
    endpoint_id: QueryKey = None,
    event_types: EventTypes = None,
    channel: ChannelFilter = None,
    tag: TagFilter = None,
    before: Time = None,
    after: Time = None,
    with_content: bool = True,
    expanded_statuses: ExpandedStatuses = True,
) -> OrjsonResponse:
    """The message's attempts, newest first. `before` / `after` bound the attempt's time
    (exclusive); `event_types` and `channel` are the message's. `with_content=false` (what the
    v2 SDK sends unless told otherwise) leaves the response bodies out (`""`)."""
    criteria = AttemptFilter(
        status=status,
        status_code_class=None if status_code_class is None else int(status_code_class),
        before_ms=to_ms(before),
        after_ms=to_ms(after),
        event_types=event_type_list(event_types),
        channel=channel,
        tag=tag,
        endpoint=endpoint_id,
    )
    page = await db.attempts.list_by_message(app_id, msg_id, limit, iterator, criteria)
    return _answer(page, with_content, with_msg=False)


@router.get("/attempt/endpoint/{endpoint_id}", response_model=ListResponse[MessageAttemptOut])
async def list_attempts_by_endpoint(
    app_id: PathKey,
    endpoint_id: PathKey,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: AttemptIterator = None,
    status: DeliveryStatus | None = None,
    status_code_class: StatusCodeClass | None = None,
    event_types: EventTypes = None,
    channel: ChannelFilter = None,
    tag: TagFilter = None,
    before: Time = None,
    after: Time = None,
    with_content: bool = True,
    with_msg: bool = False,
    expanded_statuses: ExpandedStatuses = True,
) -> OrjsonResponse:
    """The endpoint's attempts, newest first, with the same filters as a message's attempts;
    `with_msg=true` adds each attempt's message (`msg`, without its payload)."""
    criteria = AttemptFilter(
        status=status,
        status_code_class=None if status_code_class is None else int(status_code_class),
        before_ms=to_ms(before),
        after_ms=to_ms(after),
        event_types=event_type_list(event_types),
        channel=channel,
        tag=tag,
        with_msg=with_msg,
    )
    page = await db.attempts.list_by_endpoint(app_id, endpoint_id, limit, iterator, criteria)
    return _answer(page, with_content, with_msg)


@router.get("/msg/{msg_id}/attempt/{attempt_id}", response_model=MessageAttemptOut)
async def get_attempt(
    app_id: PathKey,
    msg_id: PathKey,
    attempt_id: PathKey,
    db: Db,
    expanded_statuses: ExpandedStatuses = True,
) -> OrjsonResponse:
    return OrjsonResponse(serialize.attempt(await db.attempts.get(app_id, msg_id, attempt_id)))


@router.post(
    "/msg/{msg_id}/endpoint/{endpoint_id}/resend",
    status_code=202,
    response_model=EmptyOut,
    openapi_extra={"x-errors": [400]},  # the payload was expunged or expired
)
async def resend_message(
    app_id: PathKey, msg_id: PathKey, endpoint_id: PathKey, ops: Ops
) -> OrjsonResponse:
    """Send the message to the endpoint once more, now (a manual attempt)."""
    await messages.resend_message(ops, app_id, msg_id, endpoint_id)
    return OrjsonResponse({}, status_code=202)
