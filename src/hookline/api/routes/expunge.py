"""Erasure: removing a message's payload, or an attempt's response body, on request (Svix's
`message.expunge_content` and `message_attempt.expunge_content`), and the content of many
messages at once (`message.bulk_expunge_content`, `message.expunge_all_contents`)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hookline.api import serialize
from hookline.api.json_body import JsonBodyRoute
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import Db, Ops, PathKey
from hookline.api.task_models import BulkExpungeContentsIn, BulkExpungeContentsOut, TaskSummaryOut
from hookline.operations import expunge

router = APIRouter(prefix="/api/v1/app/{app_id}/msg", tags=["Message"], route_class=JsonBodyRoute)


@router.delete("/{msg_id}/content", status_code=204)
async def expunge_message_content(app_id: PathKey, msg_id: PathKey, db: Db) -> Response:
    """Delete the message's payload, and the response bodies its attempts stored. The message,
    its deliveries and the attempts' metadata stay; the message can no longer be resent, and
    deliveries still waiting fail (failure kind `expunged`) instead of being sent."""
    await db.retention.expunge_message(app_id, msg_id)
    return Response(status_code=204)


@router.delete("/{msg_id}/attempt/{attempt_id}/content", status_code=204)
async def expunge_attempt_content(
    app_id: PathKey, msg_id: PathKey, attempt_id: PathKey, db: Db
) -> Response:
    """Delete the response body stored with one attempt."""
    await db.retention.expunge_attempt(app_id, msg_id, attempt_id)
    return Response(status_code=204)


@router.post("/bulk-expunge", response_model=BulkExpungeContentsOut)
async def bulk_expunge_content(
    app_id: PathKey, body: BulkExpungeContentsIn, ops: Ops
) -> OrjsonResponse:
    """Delete the content of the messages named in `ids` (ids or eventIds, at most 1000), as
    `DELETE …/content` does for one; per key, `expunged` or `not-found`."""
    results = await expunge.expunge_messages(ops, app_id, body.ids or [])
    return OrjsonResponse({"results": results})


@router.post("/expunge-all-contents", response_model=TaskSummaryOut, status_code=202)
async def expunge_all_contents(app_id: PathKey, ops: Ops) -> OrjsonResponse:
    """Start deleting the content of every message the application published so far: a
    background task (`application.purge_content`) whose `data.messagesPurged` counts the
    payloads removed."""
    task = await expunge.expunge_all_contents(ops, app_id)
    return OrjsonResponse(serialize.task_summary(task), status_code=202)
