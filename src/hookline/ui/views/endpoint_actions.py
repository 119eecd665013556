"""What an operator does to an endpoint from its page: send it an example event, reveal or
rotate its signing secret, disable or enable it, recover its failed deliveries since a time.
Each goes through `operations`; a page that shows a secret is never cached (render sends
no-store) and the secret is never in the endpoint's page until asked for."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hookline.operations import endpoints as endpoint_ops
from hookline.operations import messages as message_ops
from hookline.operations import recovery
from hookline.operations.errors import InvalidInput
from hookline.store.rows import EndpointRow
from hookline.ui.error_pages import error_page
from hookline.ui.forms import form_fields
from hookline.ui.templating import render
from hookline.ui.time_inputs import BadTime, parse_time
from hookline.ui.views.endpoints import endpoint_path


async def _endpoint(request: Request) -> EndpointRow:
    db = request.app.state.db
    app = await db.applications.get(request.path_params["app"])
    return await db.endpoints.get(app.id, request.path_params["endpoint"])  # type: ignore[no-any-return]


async def send_example(request: Request) -> Response:
    ep = await _endpoint(request)
    fields = await form_fields(request)
    event_type = fields.get("event_type", "").strip()
    if not event_type:
        return error_page(
            request, 422, "Choose an event type", "Pick or type the event type to send."
        )
    msg = await message_ops.send_example(request.app.state.operations, ep.app_id, ep.id, event_type)
    return RedirectResponse(f"/ui/apps/{ep.app_id}/messages/{msg.id}?done=sent", 303)


def _secret_answer(request: Request, ep: EndpointRow, key: str, rotated: bool) -> Response:
    """The key as a fragment for htmx (swapped into the page), or as a page of its own."""
    template = "endpoint_secret.html" if request.headers.get("hx-request") else "secret_page.html"
    return render(request, template, {"ep": ep, "key": key, "rotated": rotated})


async def reveal_secret(request: Request) -> Response:
    ep = await _endpoint(request)
    key = await endpoint_ops.endpoint_signing_key(request.app.state.operations, ep.app_id, ep.id)
    return _secret_answer(request, ep, key, rotated=False)


async def rotate_secret(request: Request) -> Response:
    ep = await _endpoint(request)
    key = await endpoint_ops.rotate_endpoint_secret(request.app.state.operations, ep.app_id, ep.id)
    return _secret_answer(request, ep, key, rotated=True)


async def disable(request: Request) -> Response:
    ep = await _endpoint(request)
    await endpoint_ops.set_endpoint_disabled(request.app.state.operations, ep.app_id, ep.id, True)
    return RedirectResponse(endpoint_path(ep) + "?done=disabled", 303)


async def enable(request: Request) -> Response:
    ep = await _endpoint(request)
    await endpoint_ops.set_endpoint_disabled(request.app.state.operations, ep.app_id, ep.id, False)
    return RedirectResponse(endpoint_path(ep) + "?done=enabled", 303)


async def recover(request: Request) -> Response:
    ep = await _endpoint(request)
    fields = await form_fields(request)
    try:
        since = parse_time(fields.get("since"), "Since")
    except BadTime as exc:
        return error_page(request, 400, "Not a time", str(exc))
    if since is None:
        raise InvalidInput("choose the time to recover from", "since")
    task = await recovery.recover_failed_deliveries(
        request.app.state.operations, ep.app_id, ep.id, since
    )
    count = task.data["messagesQueued"]
    return RedirectResponse(endpoint_path(ep) + f"?done=recovered&count={count}", 303)


routes = [
    Route("/ui/apps/{app}/endpoints/{endpoint}/send-example", send_example, methods=["POST"]),
    Route("/ui/apps/{app}/endpoints/{endpoint}/secret", reveal_secret, methods=["POST"]),
    Route("/ui/apps/{app}/endpoints/{endpoint}/rotate-secret", rotate_secret, methods=["POST"]),
    Route("/ui/apps/{app}/endpoints/{endpoint}/disable", disable, methods=["POST"]),
    Route("/ui/apps/{app}/endpoints/{endpoint}/enable", enable, methods=["POST"]),
    Route("/ui/apps/{app}/endpoints/{endpoint}/recover", recover, methods=["POST"]),
]
