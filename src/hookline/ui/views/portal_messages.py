"""The portal's message log (the application's messages, each with its payload, its
deliveries and every attempt), resending, and the event type catalog.

As everywhere in the portal, lookups are within the session's application only.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hookline.operations import messages as message_ops
from hookline.operations.context import OperationContext
from hookline.store.attempts import AttemptFilter
from hookline.ui.portal_access import portal_access, require
from hookline.ui.templating import render
from hookline.ui.views.event_types import example_of

PAGE_SIZE = 50
ATTEMPTS_SHOWN = 100
DESTINATIONS_SHOWN = 100
BASE = "/portal/messages"


async def message_list(request: Request) -> Response:
    access = await portal_access(request)
    db = request.app.state.db
    event_type = request.query_params.get("event_type", "").strip()[:256]
    page = await db.messages.list(
        access.app_id,
        PAGE_SIZE,
        request.query_params.get("after"),
        event_types=[event_type] if event_type else None,
    )
    return render(request, "portal/messages.html", {"page": page, "event_type": event_type})


async def message_page(request: Request) -> Response:
    access = await portal_access(request)
    db = request.app.state.db
    msg = await db.messages.get(access.app_id, request.path_params["msg"])
    attempts = await db.attempts.list_by_message(
        access.app_id, msg.id, ATTEMPTS_SHOWN, None, AttemptFilter()
    )
    # Every endpoint it went to, with its latest delivery, in one query (deleted endpoints,
    # and those of other applications, are not among them).
    sent_to = await db.delivery_log.destinations(access.app_id, msg.id, DESTINATIONS_SHOWN, None)
    context = {
        "msg": msg,
        "attempts": attempts.items,
        "destinations": sent_to.items,
        "urls": {ep.id: ep.url for ep in sent_to.items},
        "can": access.can,
        "done": request.query_params.get("done", ""),
    }
    return render(request, "portal/message.html", context)


async def resend(request: Request) -> Response:
    access = await portal_access(request)
    require(access.can.create_attempts, "resending messages")
    db = request.app.state.db
    msg = await db.messages.get(access.app_id, request.path_params["msg"])
    ep = await db.endpoints.get(access.app_id, request.path_params["ep"])
    ops: OperationContext = request.app.state.operations
    await message_ops.resend_message(ops, access.app_id, msg.id, ep.id)
    return RedirectResponse(f"{BASE}/{msg.id}?done=resent", status_code=303)


async def event_types(request: Request) -> Response:
    await portal_access(request)
    page = await request.app.state.db.event_types.list(PAGE_SIZE, request.query_params.get("after"))
    # The example beside the schema: what a consumer's code will be handed, at a glance.
    examples = {et.name: example_of(et.schemas) for et in page.items}
    return render(request, "portal/event_types.html", {"page": page, "examples": examples})


routes = [
    Route(BASE, message_list, methods=["GET"]),
    Route(BASE + "/{msg}", message_page, methods=["GET"]),
    Route(BASE + "/{msg}/endpoints/{ep}/resend", resend, methods=["POST"]),
    Route("/portal/event-types", event_types, methods=["GET"]),
]
