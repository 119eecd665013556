"""Failed deliveries (`/ui/failed`): the dead letters of every application, filterable by
application, endpoint and publication time, and their bulk recover, which first shows what it
would send again (a confirmation step) and then recovers each endpoint through `operations`."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hookline.operations import recovery
from hookline.store.dead_letters import DeadLetterFilter
from hookline.ui.error_pages import error_page
from hookline.ui.forms import form_fields
from hookline.ui.templating import render
from hookline.ui.time_inputs import BadTime, parse_time, time_input_value

PAGE_SIZE = 50
RECOVER_AT_MOST = 200  # endpoints in one bulk recover (the confirmation lists them all)
MAX_FIELD_CHARS = 256


def read_filter(params: Mapping[str, str]) -> DeadLetterFilter:
    """The filter of the form (the list's query string, or the recover form's fields)."""
    app = params.get("app", "").strip()[:MAX_FIELD_CHARS] or None
    endpoint = params.get("endpoint", "").strip()[:MAX_FIELD_CHARS] or None
    since = parse_time(params.get("since"), "From")
    until = parse_time(params.get("until"), "Until")
    if endpoint and not app:
        raise BadTime("choose the endpoint's application too")
    return DeadLetterFilter(app=app, endpoint=endpoint, since_ms=since, until_ms=until)


def filter_fields(f: DeadLetterFilter) -> dict[str, str]:
    return {
        "app": f.app or "",
        "endpoint": f.endpoint or "",
        "since": time_input_value(f.since_ms),
        "until": time_input_value(f.until_ms),
    }


async def failed_list(request: Request) -> Response:
    try:
        f = read_filter(request.query_params)
    except BadTime as exc:
        return error_page(request, 400, "Cannot filter by that", str(exc))
    db = request.app.state.db
    page = await db.dead_letters.search(f, PAGE_SIZE, request.query_params.get("after") or None)
    context = {"filter": f, "fields": filter_fields(f), "page": page}
    return render(request, "dead_letters.html", context)


async def bulk_recover(request: Request) -> Response:
    fields = await form_fields(request)
    try:
        f = read_filter(fields)
    except BadTime as exc:
        return error_page(request, 400, "Cannot filter by that", str(exc))
    db = request.app.state.db
    targets = await db.dead_letters.endpoints(f, RECOVER_AT_MOST)
    if fields.get("confirm") != "yes":
        context = {"filter": f, "fields": filter_fields(f), "targets": targets}
        return render(request, "dead_letters_confirm.html", context)
    recovered = 0
    for target in targets:
        task = await recovery.recover_failed_deliveries(
            request.app.state.operations,
            target.app_id,
            target.endpoint_id,
            f.since_ms or 0,
            f.until_ms,
        )
        recovered += task.data["messagesQueued"]
    return RedirectResponse(f"/ui/failed?done=recovered&count={recovered}", status_code=303)


routes = [
    Route("/ui/failed", failed_list, methods=["GET"]),
    Route("/ui/failed/recover", bulk_recover, methods=["POST"]),
]
