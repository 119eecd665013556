"""Messages: the search (`/ui/messages`: by message id or eventId, event type, channel,
delivery status, time window; keyset-paginated by message id), a message's page (payload, its
delivery to each endpoint, every attempt with what the receiver answered) and resending."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hookline.operations import messages as message_ops
from hookline.store import NotFound
from hookline.store.attempts import AttemptFilter
from hookline.ui.error_pages import error_page
from hookline.ui.forms import form_fields
from hookline.ui.message_search import STATUSES, SearchProblem, read_search
from hookline.ui.templating import render
from hookline.ui.time_inputs import time_input_value

PAGE_SIZE = 50
APPS_OFFERED = 100  # in the application field's suggestions
DESTINATIONS_SHOWN = 100
ATTEMPTS_SHOWN = 50


async def message_search(request: Request) -> Response:
    db = request.app.state.db
    try:
        search = read_search(request.query_params)
    except SearchProblem as exc:
        return error_page(request, 400, "Cannot search for that", str(exc))
    if search.key:
        if search.app:
            try:
                found = await db.messages.get(search.app, search.key)
            except NotFound:
                found = None
        elif search.key_is_message_id:
            found = await db.messages.find(search.key)
        else:
            found = None
        if found is not None:
            return RedirectResponse(f"/ui/apps/{found.app_id}/messages/{found.id}", 303)
    app = await db.applications.get(search.app) if search.app else None
    page = None
    if app is not None and not search.key:
        page = await db.messages.list(
            app.id,
            PAGE_SIZE,
            search.after,
            event_types=[search.event_type] if search.event_type else None,
            channel=search.channel or None,
            before_ms=search.until_ms,
            after_ms=None if search.since_ms is None else search.since_ms - 1,
            status=None if search.status is None else int(search.status),
        )
    apps = await db.applications.search("", APPS_OFFERED, None)
    context = {
        "search": search,
        "app": app,
        "page": page,
        "apps": apps.items,
        "statuses": STATUSES,
        "since_value": time_input_value(search.since_ms),
        "until_value": time_input_value(search.until_ms),
    }
    return render(request, "messages.html", context)


async def message_page(request: Request) -> Response:
    db = request.app.state.db
    app = await db.applications.get(request.path_params["app"])
    msg = await db.messages.get(app.id, request.path_params["msg"])
    sent_to = await db.delivery_log.destinations(app.id, msg.id, DESTINATIONS_SHOWN, None)
    attempts = await db.attempts.list_by_message(
        app.id, msg.id, ATTEMPTS_SHOWN, request.query_params.get("after") or None, AttemptFilter()
    )
    context = {
        "app": app,
        "msg": msg,
        "destinations": sent_to.items,
        "attempts": attempts,
        "urls": {ep.id: ep.url for ep in sent_to.items},
    }
    return render(request, "message.html", context)


async def resend(request: Request) -> Response:
    db = request.app.state.db
    ops = request.app.state.operations
    app = await db.applications.get(request.path_params["app"])
    msg = await db.messages.get(app.id, request.path_params["msg"])
    endpoint = (await form_fields(request)).get("endpoint", "")
    if endpoint:
        await message_ops.resend_message(ops, app.id, msg.id, endpoint)
        count = 1
    else:
        count = await message_ops.resend_message_to_all(ops, app.id, msg.id)
    return RedirectResponse(
        f"/ui/apps/{app.id}/messages/{msg.id}?done=resent&count={count}", status_code=303
    )


routes = [
    Route("/ui/messages", message_search, methods=["GET"]),
    Route("/ui/apps/{app}/messages/{msg}", message_page, methods=["GET"]),
    Route("/ui/apps/{app}/messages/{msg}/resend", resend, methods=["POST"]),
]
