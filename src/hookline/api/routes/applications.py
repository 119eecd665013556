"""/api/v1/app: applications (tenants)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hookline.api import serialize
from hookline.api.json_body import JsonBodyRoute
from hookline.api.models import ApplicationIn, ApplicationOut, ApplicationPatch, ListResponse
from hookline.api.openapi import created, existing
from hookline.api.responses import OrjsonResponse
from hookline.api.routes.common import DEFAULT_LIMIT, AppIterator, Db, Limit, Ops, Order, PathKey
from hookline.operations import applications
from hookline.operations.applications import ApplicationInput

router = APIRouter(prefix="/api/v1/app", tags=["Application"], route_class=JsonBodyRoute)


@router.get("", response_model=ListResponse[ApplicationOut])
async def list_applications(
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    iterator: AppIterator = None,
    order: Order = None,
    exclude_apps_with_no_endpoints: bool = False,
    exclude_apps_with_disabled_endpoints: bool = False,
    exclude_apps_with_svix_play_endpoints: bool = False,
) -> OrjsonResponse:
    """`exclude_apps_with_disabled_endpoints` leaves out applications whose endpoints are all
    disabled. Hookline has no Svix Play endpoints, so the last filter leaves out nothing."""
    page = await db.applications.list(
        limit,
        iterator,
        descending=order == "descending",
        without_endpoints=not exclude_apps_with_no_endpoints,
        only_disabled_endpoints=not exclude_apps_with_disabled_endpoints,
    )
    return OrjsonResponse(serialize.page(page, serialize.application))


@router.post("", response_model=ApplicationOut, status_code=201, responses=existing(ApplicationOut))
async def create_application(
    body: ApplicationIn, ops: Ops, get_if_exists: bool = False
) -> OrjsonResponse:
    row, created = await applications.create_application(ops, _input(body), get_if_exists)
    return OrjsonResponse(serialize.application(row), status_code=201 if created else 200)


@router.get("/{app_id}", response_model=ApplicationOut)
async def get_application(app_id: PathKey, db: Db) -> OrjsonResponse:
    return OrjsonResponse(serialize.application(await db.applications.get(app_id)))


@router.put("/{app_id}", response_model=ApplicationOut, responses=created(ApplicationOut))
async def upsert_application(app_id: PathKey, body: ApplicationIn, ops: Ops) -> OrjsonResponse:
    row, created = await applications.replace_application(ops, app_id, _input(body))
    return OrjsonResponse(serialize.application(row), status_code=201 if created else 200)


@router.patch("/{app_id}", response_model=ApplicationOut)
async def patch_application(app_id: PathKey, body: ApplicationPatch, ops: Ops) -> OrjsonResponse:
    row = await applications.update_application(ops, app_id, _input(body))
    return OrjsonResponse(serialize.application(row))


@router.delete(
    "/{app_id}",
    status_code=204,
    # The operational webhooks' internal application cannot be deleted.
    openapi_extra={"x-errors": [409]},
)
async def delete_application(app_id: PathKey, ops: Ops) -> Response:
    await applications.delete_application(ops, app_id)
    return Response(status_code=204)


def _input(body: ApplicationIn | ApplicationPatch) -> ApplicationInput:
    return ApplicationInput(**body.model_dump(exclude_unset=True))
