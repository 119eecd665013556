"""/api/v1/auth: application tokens (Svix's app-portal access), their expiry, and logout."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Body, Depends, Request, Response

from hookline.api.auth import caller, require_admin
from hookline.api.errors import ApiError
from hookline.api.json_body import JsonBodyRoute
from hookline.api.models import ApplicationTokenExpireIn, AppPortalAccessIn, AppPortalAccessOut
from hookline.api.responses import NO_STORE, OrjsonResponse
from hookline.api.routes.common import Db, PathKey
from hookline.store import NotFound
from hookline.store.lookups import refuse_id_shaped

router = APIRouter(prefix="/api/v1/auth", tags=["Authentication"], route_class=JsonBodyRoute)

DEFAULT_EXPIRY_SECONDS = 7 * 24 * 3600  # as Svix; also the longest allowed
T = TypeVar("T")
OptionalBody = Annotated[T | None, Body()]  # curl users may leave the body out


@router.post(
    "/app-portal-access/{app_id}",
    response_model=AppPortalAccessOut,
    dependencies=[Depends(require_admin)],
)
async def app_portal_access(
    app_id: PathKey, request: Request, db: Db, body: OptionalBody[AppPortalAccessIn] = None
) -> OrjsonResponse:
    """A token for one application, valid for `expiry` seconds (1 hour to 7 days; default 7
    days). Only its hash is stored: this answer is the one chance to read it."""
    body = body or AppPortalAccessIn()
    if body.capabilities is not None and "ViewBase" not in body.capabilities:
        raise ApiError(422, "capabilities must include ViewBase", field="capabilities")
    try:
        await db.applications.get(app_id)
    except NotFound:
        if body.application is None:
            raise
        # Ids are assigned by Hookline: only a uid can name a new application.
        refuse_id_shaped(app_id, "uid", ("path", "app_id"))
        # As Svix: create the application (with the path as its uid) if it does not exist.
        await db.applications.create(
            {**body.application.model_dump(), "uid": app_id}, get_if_exists=True
        )
    polling_endpoint = None
    if body.polling_endpoint is not None:
        polling_endpoint = await db.endpoints.get(app_id, body.polling_endpoint)
    token, row = await db.app_tokens.issue(
        app_id,
        expiry_ms=(body.expiry or DEFAULT_EXPIRY_SECONDS) * 1000,
        read_only=bool(body.read_only),
        capabilities=list(body.capabilities) if body.capabilities is not None else None,
        session_id=body.session_id,
        polling_endpoint_id=polling_endpoint.id if polling_endpoint else None,
    )
    public_url = request.app.state.settings.public_url
    if polling_endpoint is not None:
        # Such a token opens no portal: its link is the polling endpoint's API address.
        url = f"{public_url}/api/v1/app/{polling_endpoint.app_id}/poller/{polling_endpoint.id}"
        return OrjsonResponse({"url": url, "token": token}, headers=NO_STORE)
    # The link opens the portal once: it carries a one-time code (not the token) in the
    # fragment, which browsers never send to servers or write to logs; the portal's page
    # posts it and removes it from the address bar. Its origin is HOOKLINE_PUBLIC_URL, never
    # the request's Host: a forged Host would send the code there.
    code = await db.portal_links.create(row)
    url = f"{public_url}/portal/open#code={code}"
    return OrjsonResponse({"url": url, "token": token}, headers=NO_STORE)


@router.post("/app/{app_id}/expire-all", status_code=204, dependencies=[Depends(require_admin)])
async def expire_all(
    app_id: PathKey, db: Db, body: OptionalBody[ApplicationTokenExpireIn] = None
) -> Response:
    """End the application's tokens now, or in `expiry` seconds; only those of `sessionIds`
    if given."""
    body = body or ApplicationTokenExpireIn()
    await db.app_tokens.expire_all(app_id, (body.expiry or 0) * 1000, body.session_ids)
    return Response(status_code=204)


@router.post("/logout", status_code=204)
async def logout(request: Request, db: Db) -> Response:
    """Revoke the application token this request carries."""
    grant = caller(request).grant
    if grant is None:
        raise ApiError(403, "only application tokens can log out; the admin token stays valid")
    await db.app_tokens.revoke(grant.token_hash)
    return Response(status_code=204)
