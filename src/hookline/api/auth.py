"""Bearer-token authentication."""

from __future__ import annotations

import hmac

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from hookline.api.errors import ApiError
from hookline.api.responses import error


async def require_admin(request: Request) -> None:
    """FastAPI dependency: the request must carry the admin token."""
    problem = _token_problem(
        request.headers.get("authorization", ""), request.app.state.admin_token
    )
    if problem:
        raise ApiError(401, problem)


class AdminTokenRequired:
    """ASGI middleware that refuses unauthenticated calls to /api/v1 (health aside) with a 401.

    FastAPI reads and parses a request body before it runs dependencies, so `require_admin`
    alone would answer a stranger's malformed body with a validation report; this runs first.
    """

    def __init__(self, app: ASGIApp, public: tuple[str, ...] = ("/api/v1/health",)) -> None:
        self.app = app
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/api/") and path not in self.public:
            header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
            expected: str = scope["app"].state.admin_token
            problem = _token_problem(header.decode("latin-1"), expected)
            if problem:
                await error(401, "authentication_failed", problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _token_problem(header: str, expected: str) -> str | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return "missing bearer token in the Authorization header"
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return "invalid token"
    return None
