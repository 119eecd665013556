"""The pages' one middleware: for every request it finds the area, loads the session, keeps
out requests without one, checks CSRF on state-changing requests, and adds the area's
security headers to every answer, error pages included.

Order of the checks, for a request inside an area:
1. the session cookie of the area is looked up (live sessions of the area's kind only);
2. a state-changing method (POST, PUT, PATCH, DELETE) must come from the public URL's origin
   (`csrf.same_origin`): sign-in is checked here too;
3. outside the area's public paths, a request without a live session is sent to sign-in
   (a page load: 303 to the sign-in page; htmx: 401 with `HX-Redirect`; a state change: 403);
4. a state-changing request must carry the session's CSRF token, in the `X-CSRF-Token`
   header (htmx: set by hookline.js from the `csrf-token` meta tag) or in the
   `csrf_token` field of a urlencoded form (read here, then handed on unchanged).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hookline.store import StoreUnavailable
from hookline.store.rows import WebSessionRow
from hookline.ui import csrf
from hookline.ui.areas import Area, area_for
from hookline.ui.error_pages import error_page
from hookline.ui.request_state import set_state
from hookline.ui.security_headers import page_headers
from hookline.ui.session_cookies import clear_cookie_header, is_secure

log = logging.getLogger("hookline.ui")
FORM_TYPE = "application/x-www-form-urlencoded"
# A form the pages send is a few fields; anything bigger is not one of theirs.
MAX_FORM_BYTES = 64 * 1024


class PageGuard:
    def __init__(
        self,
        app: ASGIApp,
        areas: Sequence[Area],
        public_url: str,
        max_form_bytes: int = MAX_FORM_BYTES,
    ) -> None:
        self.app = app
        self.areas = tuple(areas)
        self.public_url = public_url
        self.allowed_origin = csrf.origin_of(public_url)
        self.max_form_bytes = max_form_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        area = area_for(self.areas, scope["path"])
        extra = page_headers(area)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                added = [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        set_state(scope, area, None)
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            if area is None:
                await self.app(scope, receive, send_tracked)
            else:
                await self._guard(area, scope, receive, send_tracked)
        except Exception:
            # Here rather than in Starlette's outermost handler, so the error page carries the
            # security headers too.
            log.exception("error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            page = error_page(
                Request(scope), 500, "Something went wrong", "The error is in Hookline's log."
            )
            await page(scope, receive, send_with_headers)

    async def _guard(self, area: Area, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        headers = Headers(scope=scope)
        unsafe = scope["method"] not in csrf.SAFE_METHODS
        cookie = request.cookies.get(area.cookie)
        session: WebSessionRow | None = None
        if cookie:
            try:
                session = await scope["app"].state.db.web_sessions.find(cookie, area.kind)
            except StoreUnavailable:
                await _unavailable(request)(scope, receive, send)
                return
        set_state(scope, area, session)
        if unsafe and not csrf.same_origin(headers, self.allowed_origin):
            page = error_page(
                request,
                403,
                "Request refused",
                "This form was sent from another site, or without the headers that show where "
                f"it came from. Open Hookline at {self.public_url} and try again.",
            )
            await page(scope, receive, send)
            return
        if area.is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        if session is None:
            await self._sign_in_first(area, request, bool(cookie), unsafe)(scope, receive, send)
            return
        if unsafe:
            token = headers.get(csrf.HEADER)
            if token is None and headers.get("content-type", "").startswith(FORM_TYPE):
                body = await _read_body(receive, self.max_form_bytes)
                if body is None:
                    await error_page(request, 413, "Form too large", "")(scope, receive, send)
                    return
                token = dict(parse_qsl(body.decode("utf-8", "replace"))).get(csrf.FORM_FIELD)
                receive = _replay(body, receive)
            if not csrf.token_matches(token, session.csrf_token):
                page = error_page(
                    request,
                    403,
                    "Request refused",
                    "This form has no valid security token (it may come from an old tab, or "
                    "from another site). Reload the page and try again.",
                )
                await page(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _sign_in_first(
        self, area: Area, request: Request, had_cookie: bool, unsafe: bool
    ) -> Response:
        secure = is_secure(self.public_url, request.url.scheme)
        if unsafe:
            response: Response = error_page(
                request, 403, "Signed out", "Your session has ended. Sign in again, then retry."
            )
        elif request.headers.get("hx-request"):
            response = Response(status_code=401, headers={"hx-redirect": area.sign_in_path})
        else:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            location = f"{area.sign_in_path}?next={quote(target, safe='')}"
            response = RedirectResponse(location, status_code=303)
        if had_cookie:
            response.headers.append(
                "set-cookie", clear_cookie_header(area.cookie, secure, area.embeddable_cookie)
            )
        return response


def _unavailable(request: Request) -> Response:
    page = error_page(
        request, 503, "Database unavailable", "Hookline cannot reach its database. Retry shortly."
    )
    page.headers["retry-after"] = "1"
    return page


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        body += chunk
        if len(body) > limit:
            return None
        if not message.get("more_body"):
            return body


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
