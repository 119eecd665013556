"""Attempts (the delivery log) and resending a message to an endpoint."""

from __future__ import annotations

from fastapi import APIRouter

from hookline.api import serialize
from hookline.api.models import EmptyOut, ListResponse, MessageAttemptOut
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import DEFAULT_LIMIT, Db, Iterator, Limit, PathKey, QueryKey
from hookline.types import DeliveryStatus

router = APIRouter(prefix="/api/v1/app/{app_id}", tags=["Message Attempt"])


@router.get("/attempt/msg/{msg_id}", response_model=ListResponse[MessageAttemptOut])
async def list_attempts_by_message(
    app_id: PathKey,
    msg_id: PathKey,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: Iterator = None,
    status: DeliveryStatus | None = None,
    endpoint_id: QueryKey = None,
) -> OrjsonResponse:
    page = await db.attempts.list_by_message(
        app_id, msg_id, limit, iterator, status=status, endpoint_id=endpoint_id
    )
    return OrjsonResponse(serialize.page(page, serialize.attempt))


@router.get("/attempt/endpoint/{endpoint_id}", response_model=ListResponse[MessageAttemptOut])
async def list_attempts_by_endpoint(
    app_id: PathKey,
    endpoint_id: PathKey,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: Iterator = None,
    status: DeliveryStatus | None = None,
) -> OrjsonResponse:
    page = await db.attempts.list_by_endpoint(app_id, endpoint_id, limit, iterator, status=status)
    return OrjsonResponse(serialize.page(page, serialize.attempt))


@router.get("/msg/{msg_id}/attempt/{attempt_id}", response_model=MessageAttemptOut)
async def get_attempt(
    app_id: PathKey, msg_id: PathKey, attempt_id: PathKey, db: Db
) -> OrjsonResponse:
    return OrjsonResponse(serialize.attempt(await db.attempts.get(app_id, msg_id, attempt_id)))


@router.post(
    "/msg/{msg_id}/endpoint/{endpoint_id}/resend",
    status_code=202,
    response_model=EmptyOut,
    openapi_extra={"x-errors": [400]},  # the payload was expunged or expired
)
async def resend_message(
    app_id: PathKey, msg_id: PathKey, endpoint_id: PathKey, db: Db
) -> OrjsonResponse:
    """Send the message to the endpoint once more, now (a manual attempt)."""
    await db.deliveries.resend(app_id, msg_id, endpoint_id)
    return OrjsonResponse({}, status_code=202)
