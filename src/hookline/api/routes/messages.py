"""/api/v1/app/{app_id}/msg: publishing events and reading them back."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request

from hookline.api import serialize
from hookline.api.errors import ApiError
from hookline.api.models import Channel, ListResponse, MessageIn, MessageOut
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import DEFAULT_LIMIT, Db, Iterator, KeyList, Limit, PathKey
from hookline.readiness import FailureWatch, report_failure, report_success
from hookline.store import Conflict, NotFound, StoreUnavailable

log = logging.getLogger("hookline.api")

router = APIRouter(prefix="/api/v1/app/{app_id}/msg", tags=["Message"])


def _ms(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        # A time without offset is UTC (the SDK sends naive datetimes as they are), never the
        # server's local time, which also cannot represent the first hours of year 1.
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


@router.post("", response_model=MessageOut, status_code=202)
async def create_message(
    app_id: PathKey, body: MessageIn, db: Db, request: Request, with_content: bool = True
) -> OrjsonResponse:
    """Store the message and its deliveries, then answer 202: it will not be lost."""
    try:
        payload = orjson.dumps(body.payload)
    except orjson.JSONEncodeError as exc:
        raise ApiError(422, f"payload cannot be encoded as JSON: {exc}", field="payload") from exc
    publishes: FailureWatch = request.app.state.publishes
    try:
        row = await db.messages.publish(
            app_id,
            body.event_type,
            payload,
            event_id=body.event_id,
            channels=body.channels,
            tags=body.tags,
            create_app=body.application.model_dump() if body.application else None,
        )
    except (NotFound, Conflict, ApiError):
        raise  # the caller's mistake, answered as such: the store works
    except StoreUnavailable as exc:
        report_failure(publishes, time.monotonic(), exc, log)
        raise  # 503: retry later
    except Exception as exc:
        # The caller gets its 500; the operator gets a line per interval and a health
        # route that says why, instead of one traceback per request.
        report_failure(publishes, time.monotonic(), exc, log, with_traceback=True)
        raise ApiError(500, "internal server error", code="internal_error") from exc
    report_success(publishes, time.monotonic(), log)
    return OrjsonResponse(serialize.message(row, with_content), status_code=202)


@router.get("", response_model=ListResponse)
async def list_messages(
    app_id: PathKey,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: Iterator = None,
    event_types: Annotated[list[KeyList] | None, Query()] = None,
    channel: Annotated[Channel | None, Query()] = None,
    before: datetime | None = None,
    after: datetime | None = None,
    with_content: bool = True,
) -> OrjsonResponse:
    # The SDK sends list parameters comma-joined; accept both that and repeated parameters.
    types = [t for item in event_types or [] for t in item.split(",") if t] or None
    page = await db.messages.list(
        app_id,
        limit,
        iterator,
        event_types=types,
        channel=channel,
        before_ms=_ms(before),
        after_ms=_ms(after),
    )
    return OrjsonResponse(serialize.page(page, lambda m: serialize.message(m, with_content)))


@router.get("/{msg_id}", response_model=MessageOut)
async def get_message(
    app_id: PathKey, msg_id: PathKey, db: Db, with_content: bool = True
) -> OrjsonResponse:
    return OrjsonResponse(serialize.message(await db.messages.get(app_id, msg_id), with_content))
