"""Erasure: removing a message's payload, or an attempt's response body, on request (Svix's
`message.expunge_content` and `message_attempt.expunge_content`)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hookline.api.routes.common import Db, PathKey

router = APIRouter(prefix="/api/v1/app/{app_id}/msg/{msg_id}", tags=["Message"])


@router.delete("/content", status_code=204)
async def expunge_message_content(app_id: PathKey, msg_id: PathKey, db: Db) -> Response:
    """Delete the message's payload, and the response bodies its attempts stored. The message,
    its deliveries and the attempts' metadata stay; the message can no longer be resent, and
    deliveries still waiting fail (failure kind `expunged`) instead of being sent."""
    await db.retention.expunge_message(app_id, msg_id)
    return Response(status_code=204)


@router.delete("/attempt/{attempt_id}/content", status_code=204)
async def expunge_attempt_content(
    app_id: PathKey, msg_id: PathKey, attempt_id: PathKey, db: Db
) -> Response:
    """Delete the response body stored with one attempt."""
    await db.retention.expunge_attempt(app_id, msg_id, attempt_id)
    return Response(status_code=204)
