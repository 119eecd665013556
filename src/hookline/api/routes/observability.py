"""/metrics, /healthz and /readyz on the API's port (outside /api/, not in the OpenAPI).

/metrics needs the admin token or `HOOKLINE_METRICS_TOKEN` here (it tells how busy every
tenant is); the probes answer anyone, as orchestrators call them without credentials.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from hookline.api.auth import token_digest
from hookline.api.responses import error
from hookline.observability.http import liveness_response, metrics_response, readiness_response
from hookline.observability.process import Observability

router = APIRouter(include_in_schema=False)


def _may_scrape(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return False
    digest = token_digest(token)
    state = request.app.state
    allowed = [state.admin_token_digest]
    if state.settings.metrics_token:
        allowed.append(token_digest(state.settings.metrics_token))
    # Every digest is compared, so the time taken does not tell which token nearly matched.
    return any([hmac.compare_digest(digest, a) for a in allowed])  # noqa: C419


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    obs: Observability = request.app.state.observability
    if obs.exporter is None:
        return error(404, "not_found", "metrics are disabled (HOOKLINE_METRICS_ENABLED)")
    if not _may_scrape(request):
        return error(401, "authentication_failed", "/metrics needs the admin or metrics token")
    return await metrics_response(obs.exporter)


@router.get("/healthz")
async def healthz() -> Response:
    return liveness_response()


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    obs: Observability = request.app.state.observability
    return await readiness_response(obs.readiness)
