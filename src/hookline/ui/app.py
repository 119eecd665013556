"""The pages' ASGI app: routes of every view, the guard, templates, static files and error
pages. The process mounts it beside the API (hookline.web_app); the API's middlewares never
see a page request and the guard never sees an API request.

Adding a view: a module in `views/` exporting `routes` (and its template in `templates/`),
listed in VIEWS below; a navigation entry goes in the area's `nav` (areas.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hookline.config import Settings
from hookline.operational import OperationalEvents
from hookline.operations.context import OperationContext
from hookline.operations.errors import InvalidInput
from hookline.store import Database, InvalidKey, NotFound, StoreUnavailable
from hookline.ui.areas import DASHBOARD, Area
from hookline.ui.error_pages import error_page
from hookline.ui.guard import PageGuard
from hookline.ui.portal_area import portal_area
from hookline.ui.sign_in_throttle import SignInThrottle
from hookline.ui.static_files import PREFIX, StaticAssets
from hookline.ui.templating import environment
from hookline.ui.views import (
    applications,
    dead_letters,
    endpoint_actions,
    endpoints,
    event_types,
    messages,
    overview,
    portal_endpoints,
    portal_messages,
    portal_open,
    sign_in,
)

VIEWS = (
    sign_in,
    overview,
    applications,
    endpoints,
    endpoint_actions,
    messages,
    dead_letters,
    event_types,
    portal_open,
    portal_endpoints,
    portal_messages,
)


def create_pages_app(
    settings: Settings,
    db: Database,
    admin_token: str,
    areas: Sequence[Area] | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    operations: OperationContext | None = None,
) -> Starlette:
    """`areas`: by default the dashboard and the portal (its frame ancestors and logo from
    the settings). `operations`: the API's, so that both announce and count alike; without
    one (tests of the pages alone) a context of their own."""
    if not settings.public_url:
        raise ValueError("settings.public_url must be set (hookline serve sets its default)")
    assets = StaticAssets()

    async def redirect_slash(request: Request) -> Response:
        return RedirectResponse(request.url.path.rstrip("/"), status_code=308)

    routes: list[BaseRoute] = [
        Route(PREFIX + "{digest}/{name:path}", assets.serve, methods=["GET", "HEAD"]),
        Route("/ui/", redirect_slash, methods=["GET"]),
    ]
    for view in VIEWS:
        routes.extend(view.routes)
    routes.extend(extra_routes)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                PageGuard,
                areas=areas if areas is not None else (DASHBOARD, portal_area(settings)),
                public_url=settings.public_url,
            )
        ],
        exception_handlers={
            HTTPException: _http_error,
            NotFound: _not_found,
            InvalidKey: _not_found,
            StoreUnavailable: _unavailable,
            InvalidInput: _invalid_input,
        },
    )
    app.state.settings = settings
    app.state.db = db
    app.state.operations = operations or OperationContext(
        settings, db, OperationalEvents(db, settings)
    )
    app.state.admin_token_digest = hashlib.sha256(admin_token.encode()).digest()
    app.state.templates = environment(assets)
    app.state.templates.globals.update(
        portal_branding=settings.portal_branding,
        portal_frame_ancestors=settings.portal_frame_ancestors,
    )
    app.state.assets = assets
    app.state.sign_in_throttle = SignInThrottle()
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_page(request, 404, "Page not found", "There is no page at this address.")
    if exc.status_code == 405:
        return error_page(
            request, 405, "Method not allowed", "This page does not take that request."
        )
    return error_page(request, exc.status_code, "Request refused", str(exc.detail))


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_page(request, 404, "Not found", str(exc))


async def _unavailable(request: Request, exc: Exception) -> Response:
    page = error_page(
        request, 503, "Database unavailable", "Hookline cannot reach its database. Retry shortly."
    )
    page.headers["retry-after"] = "1"
    return page


async def _invalid_input(request: Request, exc: Exception) -> Response:
    """An action's input an operation refused, where the view shows no form for it."""
    assert isinstance(exc, InvalidInput)
    where = f" ({exc.field})" if exc.field else ""
    return error_page(request, 422, "That cannot be done", f"{exc.detail}{where}")
