"""/api/v1/health: liveness, database reachability and readiness (no authentication).

204 (Svix's answer) while the database answers and nothing this process must do has been
failing for more than a few seconds; otherwise 503 with the cause: the database is away, or
the worker in this process cannot claim or record, or publishes fail (see readiness.py).
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response

from hookline.api.errors import ApiError
from hookline.api.routes.common import Db
from hookline.readiness import FailureWatches

router = APIRouter(prefix="/api/v1/health", tags=["Health"])


@router.get("", status_code=204)
async def health(db: Db, request: Request) -> Response:
    await db.ping()  # StoreUnavailable becomes a 503 with a JSON body
    failures: FailureWatches = request.app.state.failures
    problems = failures.problems(time.monotonic())
    if problems:
        raise ApiError(503, "; ".join(problems), code="not_ready")
    return Response(status_code=204)
