"""Opening the portal: the link's page, the exchange of its one-time code for a session,
sign-out, and the branding style sheet.

The link is `/portal/open#code=…`. The fragment never reaches a server or a log; the page's
script (static/js/portal-open.js) posts the code here, and on success replaces the location,
so the code leaves the address bar and the history. A code works once.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from hookline.store.web_sessions import PORTAL
from hookline.ui.portal_area import BRANDING_CSS_PATH, COOKIE, OPEN_PATH, PREFIX
from hookline.ui.request_state import signed_in
from hookline.ui.session_cookies import clear_cookie_header, is_secure, set_cookie_header
from hookline.ui.templating import render
from hookline.ui.views.portal_branding import branding_css

MAX_CODE_CHARS = 128
REFUSED = (
    "This portal link has already been used, or it has expired. A link opens the portal "
    "once: ask for a new one."
)


async def open_page(request: Request) -> Response:
    return render(request, "portal/open.html", {"home": f"{PREFIX}/endpoints"})


async def exchange_code(request: Request) -> Response:
    """`{"code": …}` (JSON, from the page's script) → a portal session cookie."""
    try:
        body = json.loads(await request.body())
        code = body.get("code") if isinstance(body, dict) else None
    except ValueError:
        code = None
    if not isinstance(code, str) or not 0 < len(code) <= MAX_CODE_CHARS:
        return JSONResponse({"error": "This is not a portal link."}, status_code=400)
    db = request.app.state.db
    token = await db.portal_links.consume(code)
    if token is None:
        return JSONResponse({"error": REFUSED}, status_code=410)
    lifetime_ms = token.expires_at - db.clock.now_ms()
    value, _ = await db.web_sessions.start(
        PORTAL, lifetime_ms, app_id=token.app_id, token_hash=token.token_hash
    )
    secure = is_secure(request.app.state.settings.public_url, request.url.scheme)
    response = JSONResponse(
        {"location": f"{PREFIX}/endpoints"}, headers={"cache-control": "no-store"}
    )
    response.headers.append(
        "set-cookie",
        set_cookie_header(COOKIE, value, max(lifetime_ms // 1000, 1), secure, embeddable=True),
    )
    return response


async def sign_out(request: Request) -> Response:
    session = signed_in(request)
    await request.app.state.db.web_sessions.revoke(session.id_hash)
    response = RedirectResponse(f"{OPEN_PATH}?signed_out=1", status_code=303)
    secure = is_secure(request.app.state.settings.public_url, request.url.scheme)
    response.headers.append("set-cookie", clear_cookie_header(COOKIE, secure, embeddable=True))
    return response


async def home(request: Request) -> Response:
    return RedirectResponse(f"{PREFIX}/endpoints", status_code=303)


async def branding(request: Request) -> Response:
    css = branding_css(request.app.state.settings.portal_branding)
    return Response(css, media_type="text/css", headers={"cache-control": "no-cache"})


routes = [
    Route(PREFIX, home, methods=["GET"]),
    Route(OPEN_PATH, open_page, methods=["GET"]),
    Route(OPEN_PATH, exchange_code, methods=["POST"]),
    Route(f"{PREFIX}/sign-out", sign_out, methods=["POST"]),
    Route(BRANDING_CSS_PATH, branding, methods=["GET"]),
]
