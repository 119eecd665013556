"""Sign-in (the admin token, exchanged for a session cookie) and sign-out (revokes it)."""

from __future__ import annotations

import hashlib
import hmac
import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hookline.store.web_sessions import ADMIN
from hookline.ui.areas import DASHBOARD
from hookline.ui.forms import form_fields
from hookline.ui.request_state import signed_in, web_session
from hookline.ui.session_cookies import clear_cookie_header, is_secure, set_cookie_header
from hookline.ui.sign_in_throttle import SignInThrottle
from hookline.ui.templating import render

HOUR_MS = 3_600_000


def safe_next(target: str | None, prefix: str) -> str:
    """Where to go after sign-in: a path of the area only (never another site: `//host`,
    `/\\host` and absolute URLs all fall back to the area's start)."""
    if not target or not target.startswith(prefix) or target.startswith(("//", "/\\")):
        return prefix
    rest = target[len(prefix) :]
    return target if rest == "" or rest[0] in "/?" else prefix


async def sign_in_page(request: Request) -> Response:
    if web_session(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next"), DASHBOARD.prefix), 303)
    return render(
        request, "sign_in.html", {"next": request.query_params.get("next", ""), "error": ""}
    )


async def sign_in(request: Request) -> Response:
    state = request.app.state
    throttle: SignInThrottle = state.sign_in_throttle
    address = request.client.host if request.client else "unknown"
    fields = await form_fields(request)
    next_path = fields.get("next", "")
    wait = throttle.retry_after(address, time.monotonic())
    if wait > 0:
        page = render(
            request,
            "sign_in.html",
            {
                "next": next_path,
                "error": f"Too many wrong tokens. Try again in {int(wait) + 1} seconds.",
            },
            status=429,
        )
        page.headers["retry-after"] = str(int(wait) + 1)
        return page
    given = hashlib.sha256(fields.get("token", "").strip().encode()).digest()
    if not hmac.compare_digest(given, state.admin_token_digest):
        throttle.failed(address, time.monotonic())
        context = {"next": next_path, "error": "That is not the admin token."}
        return render(request, "sign_in.html", context, status=401)
    throttle.succeeded(address)
    settings = state.settings
    lifetime_ms = int(settings.ui_session_hours * HOUR_MS)
    value, _ = await state.db.web_sessions.start(ADMIN, lifetime_ms)
    response = RedirectResponse(safe_next(next_path, DASHBOARD.prefix), status_code=303)
    secure = is_secure(settings.public_url, request.url.scheme)
    response.headers.append(
        "set-cookie", set_cookie_header(DASHBOARD.cookie, value, lifetime_ms // 1000, secure)
    )
    return response


async def sign_out(request: Request) -> Response:
    session = signed_in(request)
    await request.app.state.db.web_sessions.revoke(session.id_hash)
    response = RedirectResponse(f"{DASHBOARD.sign_in_path}?signed_out=1", status_code=303)
    secure = is_secure(request.app.state.settings.public_url, request.url.scheme)
    response.headers.append("set-cookie", clear_cookie_header(DASHBOARD.cookie, secure))
    return response


routes = [
    Route("/ui/sign-in", sign_in_page, methods=["GET"]),
    Route("/ui/sign-in", sign_in, methods=["POST"]),
    Route("/ui/sign-out", sign_out, methods=["POST"]),
]
