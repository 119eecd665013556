"""What the guard leaves in a request's scope for the views: its area and its session."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Scope

from hookline.store.rows import WebSessionRow
from hookline.ui.areas import Area

AREA = "hookline.area"
SESSION = "hookline.web_session"


def area_of(request: Request) -> Area | None:
    return request.scope.get(AREA)


def web_session(request: Request) -> WebSessionRow | None:
    return request.scope.get(SESSION)


def signed_in(request: Request) -> WebSessionRow:
    """The request's session, for views outside the public paths (the guard let no request
    without one through: a missing session here is a bug, so fail closed)."""
    session = web_session(request)
    if session is None:
        raise PermissionError("a page outside the public paths ran without a session")
    return session


def set_state(scope: Scope, area: Area | None, session: WebSessionRow | None) -> None:
    scope[AREA] = area
    scope[SESSION] = session
