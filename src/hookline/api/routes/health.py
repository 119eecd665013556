"""/api/v1/health: liveness and database reachability (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hookline.api.routes.common import Db

router = APIRouter(prefix="/api/v1/health", tags=["Health"])


@router.get("", status_code=204)
async def health(db: Db) -> Response:
    await db.ping()  # StoreUnavailable becomes a 503 with a JSON body
    return Response(status_code=204)
