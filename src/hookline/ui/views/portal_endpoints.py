"""The portal's endpoints: list, add, edit (URL, description, filters, headers), the signing
secret (shown on a click, rotated), an example message, disable and enable.

Every object is looked up within the session's application (`access.app_id`), by the same
store functions and `store/lookups` rules as the REST API: a key of another application's
endpoint finds nothing here (404). Every change goes through `operations/`, after the
session's permissions (capabilities, readOnly) allow it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hookline.operations import endpoints as endpoint_ops
from hookline.operations import messages as message_ops
from hookline.operations.context import OperationContext
from hookline.operations.errors import InvalidInput
from hookline.store import Conflict, InvalidKey
from hookline.store.attempts import AttemptFilter
from hookline.ui.forms import form_fields
from hookline.ui.portal_access import PortalAccess, portal_access, require
from hookline.ui.portal_forms import endpoint_input
from hookline.ui.templating import render

PAGE_SIZE = 50
RECENT_ATTEMPTS = 20
CATALOG_LIMIT = 250
BASE = "/portal/endpoints"


def _ops(request: Request) -> OperationContext:
    ops: OperationContext = request.app.state.operations
    return ops


async def _catalog(request: Request) -> list[Any]:
    page = await request.app.state.db.event_types.list(CATALOG_LIMIT, None)
    return list(page.items)


async def endpoint_list(request: Request) -> Response:
    access = await portal_access(request)
    db = request.app.state.db
    page = await db.endpoints.list(access.app_id, PAGE_SIZE, request.query_params.get("after"))
    latest = await db.attempts.latest_by_endpoint(access.app_id, [ep.id for ep in page.items])
    context = {"page": page, "latest": latest, "can": access.can}
    return render(request, "portal/endpoints.html", context)


async def _form_page(
    request: Request,
    access: PortalAccess,
    fields: dict[str, str],
    endpoint: Any = None,
    error: InvalidInput | None = None,
) -> Response:
    context = {
        "fields": fields,
        "endpoint": endpoint,
        "error": error,
        "catalog": await _catalog(request),
        "can": access.can,
    }
    return render(request, "portal/endpoint_form.html", context, 422 if error else 200)


def _fields_of(endpoint: Any) -> dict[str, str]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": ", ".join(endpoint.event_types or ()),
        "channels": ", ".join(endpoint.channels or ()),
        "headers": "\n".join(f"{k}: {v}" for k, v in endpoint.headers.items()),
    }


async def new_endpoint_page(request: Request) -> Response:
    access = await portal_access(request)
    require(access.can.manage_endpoints, "adding endpoints")
    return await _form_page(request, access, {})


async def create_endpoint(request: Request) -> Response:
    access = await portal_access(request)
    require(access.can.manage_endpoints, "adding endpoints")
    fields = await form_fields(request)
    try:
        row = await endpoint_ops.create_endpoint(
            _ops(request), access.app_id, endpoint_input(fields)
        )
    except (InvalidInput, InvalidKey, Conflict) as exc:
        return await _form_page(request, access, fields, error=_invalid(exc))
    return RedirectResponse(f"{BASE}/{row.id}?done=created", status_code=303)


async def edit_endpoint_page(request: Request) -> Response:
    access = await portal_access(request)
    require(access.can.manage_endpoints, "changing endpoints")
    ep = await request.app.state.db.endpoints.get(access.app_id, request.path_params["ep"])
    return await _form_page(request, access, _fields_of(ep), ep)


async def update_endpoint(request: Request) -> Response:
    access = await portal_access(request)
    require(access.can.manage_endpoints, "changing endpoints")
    ep = await request.app.state.db.endpoints.get(access.app_id, request.path_params["ep"])
    fields = await form_fields(request)
    try:
        await endpoint_ops.update_endpoint(
            _ops(request), access.app_id, ep.id, endpoint_input(fields)
        )
    except (InvalidInput, InvalidKey, Conflict) as exc:
        return await _form_page(request, access, fields, ep, error=_invalid(exc))
    return RedirectResponse(f"{BASE}/{ep.id}?done=saved", status_code=303)


def _invalid(exc: Exception) -> InvalidInput:
    return exc if isinstance(exc, InvalidInput) else InvalidInput(str(exc))


async def endpoint_page(request: Request) -> Response:
    access = await portal_access(request)
    db = request.app.state.db
    ep = await db.endpoints.get(access.app_id, request.path_params["ep"])
    reveal = request.query_params.get("reveal") == "secret" and access.can.view_secret
    secret = (
        await endpoint_ops.endpoint_signing_key(_ops(request), access.app_id, ep.id)
        if reveal
        else None
    )
    attempts = await db.attempts.list_by_endpoint(
        access.app_id, ep.id, RECENT_ATTEMPTS, None, AttemptFilter(with_msg=True)
    )
    context = {
        "ep": ep,
        "secret": secret,
        "attempts": attempts.items,
        "catalog": await _catalog(request),
        "can": access.can,
        "done": request.query_params.get("done", ""),
        "error": request.query_params.get("error", ""),
    }
    return render(request, "portal/endpoint.html", context)


async def rotate_secret(request: Request) -> Response:
    access = await portal_access(request)
    require(access.can.rotate_secret, "rotating the signing secret")
    ep = await request.app.state.db.endpoints.get(access.app_id, request.path_params["ep"])
    await endpoint_ops.rotate_endpoint_secret(_ops(request), access.app_id, ep.id)
    after = "&reveal=secret" if access.can.view_secret else ""
    return RedirectResponse(f"{BASE}/{ep.id}?done=rotated{after}", status_code=303)


async def send_example(request: Request) -> Response:
    access = await portal_access(request)
    require(access.can.create_attempts, "sending messages")
    ep = await request.app.state.db.endpoints.get(access.app_id, request.path_params["ep"])
    event_type = (await form_fields(request)).get("event_type", "").strip()
    if not event_type:
        return RedirectResponse(f"{BASE}/{ep.id}?error=no-event-type", status_code=303)
    try:
        await message_ops.send_example(_ops(request), access.app_id, ep.id, event_type)
    except InvalidInput:
        return RedirectResponse(f"{BASE}/{ep.id}?error=example", status_code=303)
    return RedirectResponse(f"{BASE}/{ep.id}?done=sent", status_code=303)


async def _switch(request: Request, disabled: bool) -> Response:
    access = await portal_access(request)
    require(access.can.manage_endpoints, "disabling or enabling endpoints")
    ep = await request.app.state.db.endpoints.get(access.app_id, request.path_params["ep"])
    await endpoint_ops.set_endpoint_disabled(_ops(request), access.app_id, ep.id, disabled)
    done = "disabled" if disabled else "enabled"
    return RedirectResponse(f"{BASE}/{ep.id}?done={done}", status_code=303)


async def disable_endpoint(request: Request) -> Response:
    return await _switch(request, True)


async def enable_endpoint(request: Request) -> Response:
    return await _switch(request, False)


routes = [
    Route(BASE, endpoint_list, methods=["GET"]),
    Route(BASE, create_endpoint, methods=["POST"]),
    Route(f"{BASE}/new", new_endpoint_page, methods=["GET"]),
    Route(BASE + "/{ep}", endpoint_page, methods=["GET"]),
    Route(BASE + "/{ep}", update_endpoint, methods=["POST"]),
    Route(BASE + "/{ep}/edit", edit_endpoint_page, methods=["GET"]),
    Route(BASE + "/{ep}/rotate-secret", rotate_secret, methods=["POST"]),
    Route(BASE + "/{ep}/send-example", send_example, methods=["POST"]),
    Route(BASE + "/{ep}/disable", disable_endpoint, methods=["POST"]),
    Route(BASE + "/{ep}/enable", enable_endpoint, methods=["POST"]),
]
