"""An endpoint's page (`/ui/apps/{app}/endpoints/{endpoint}`): its attempt chart (from the
statistics aggregates), recent attempts and settings; and the endpoint form, to create one
from the application's page or to edit one. The actions are in endpoint_actions.py."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hookline.operations import endpoints as endpoint_ops
from hookline.operations.errors import InvalidInput
from hookline.store.attempts import AttemptFilter
from hookline.store.rows import ApplicationRow, EndpointRow
from hookline.ui.endpoint_form import endpoint_input, field_errors, form_values
from hookline.ui.forms import form_fields
from hookline.ui.templating import render
from hookline.ui.time_inputs import time_input_value
from hookline.ui.views.overview import SPANS, summarise, window_ending

ATTEMPTS_SHOWN = 25
EVENT_TYPES_OFFERED = 100  # in the "send an example" list; any other name may be typed


def endpoint_path(ep: EndpointRow) -> str:
    return f"/ui/apps/{ep.app_id}/endpoints/{ep.id}"


async def endpoint_page(request: Request) -> Response:
    db = request.app.state.db
    app = await db.applications.get(request.path_params["app"])
    ep = await db.endpoints.get(app.id, request.path_params["endpoint"])
    span = SPANS.get(request.query_params.get("span", "day"), SPANS["day"])
    now = db.clock.now_ms()
    summary = summarise(await db.statistics.series(app.id, window_ending(span, now), ep.id))
    iterator = request.query_params.get("after") or None
    attempts = await db.attempts.list_by_endpoint(
        app.id, ep.id, ATTEMPTS_SHOWN, iterator, AttemptFilter(with_msg=True)
    )
    event_types = await db.event_types.list(EVENT_TYPES_OFFERED, None)
    context = {
        "app": app,
        "ep": ep,
        "span": span,
        "spans": SPANS.values(),
        "summary": summary,
        "attempts": attempts,
        "event_types": event_types.items,
        "circuit_open": not ep.disabled and ep.circuit_until is not None and ep.circuit_until > now,
        "recover_since": time_input_value(now - 24 * 3_600_000),
    }
    return render(request, "endpoint.html", context)


def _form_page(
    request: Request,
    app: ApplicationRow,
    ep: EndpointRow | None,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> Response:
    context: dict[str, Any] = {"app": app, "ep": ep, "values": values, "errors": errors or {}}
    return render(request, "endpoint_form.html", context, status=422 if errors else 200)


async def new_endpoint_form(request: Request) -> Response:
    app = await request.app.state.db.applications.get(request.path_params["app"])
    return _form_page(request, app, None, {})


async def create_endpoint(request: Request) -> Response:
    state = request.app.state
    app = await state.db.applications.get(request.path_params["app"])
    fields = await form_fields(request)
    try:
        ep = await endpoint_ops.create_endpoint(
            state.operations, app.id, endpoint_input(fields, creating=True)
        )
    except InvalidInput as exc:
        return _form_page(request, app, None, fields, field_errors(exc))
    return RedirectResponse(endpoint_path(ep) + "?done=created", status_code=303)


async def edit_endpoint_form(request: Request) -> Response:
    db = request.app.state.db
    app = await db.applications.get(request.path_params["app"])
    ep = await db.endpoints.get(app.id, request.path_params["endpoint"])
    return _form_page(request, app, ep, form_values(ep))


async def update_endpoint(request: Request) -> Response:
    state = request.app.state
    app = await state.db.applications.get(request.path_params["app"])
    ep = await state.db.endpoints.get(app.id, request.path_params["endpoint"])
    fields = await form_fields(request)
    try:
        ep = await endpoint_ops.update_endpoint(
            state.operations, app.id, ep.id, endpoint_input(fields, creating=False)
        )
    except InvalidInput as exc:
        return _form_page(request, app, ep, fields, field_errors(exc))
    return RedirectResponse(endpoint_path(ep) + "?done=saved", status_code=303)


routes = [
    Route("/ui/apps/{app}/endpoints/new", new_endpoint_form, methods=["GET"]),
    Route("/ui/apps/{app}/endpoints", create_endpoint, methods=["POST"]),
    Route("/ui/apps/{app}/endpoints/{endpoint}", endpoint_page, methods=["GET"]),
    Route("/ui/apps/{app}/endpoints/{endpoint}/edit", edit_endpoint_form, methods=["GET"]),
    Route("/ui/apps/{app}/endpoints/{endpoint}/edit", update_endpoint, methods=["POST"]),
]
