"""Bearer-token authentication: the admin token, and application tokens limited to one
application (see app_token_scope for what those may do).

The server keeps only the SHA-256 of the admin token, and the store only the SHA-256 of each
application token; both are compared as digests, the admin token in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from hookline.api import app_token_scope
from hookline.api.errors import ApiError
from hookline.api.responses import OrjsonResponse, error
from hookline.store import StoreUnavailable
from hookline.store.app_tokens import TOKEN_PREFIX, AppToken

CALLER = "hookline.caller"  # the scope key the middleware leaves for the routes


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a request: the admin (grant None) or the holder of an application token."""

    grant: AppToken | None = None

    @property
    def is_admin(self) -> bool:
        return self.grant is None


ADMIN = Caller()


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _bearer(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class Authenticate:
    """ASGI middleware: every /api/ request but the public ones needs a valid token, and an
    application token only passes on its own application's routes. Answers 401 (no or bad
    token), 403 (outside the token's scope) or 503 (cannot look the token up) itself.

    It runs before FastAPI reads and parses the body, so strangers' bodies are never read and
    a malformed body from a stranger gets a 401, not a validation report.
    """

    def __init__(self, app: ASGIApp, public: tuple[str, ...] = ("/api/v1/health",)) -> None:
        self.app = app
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope)
        if scope["type"] != "http" or not path.startswith("/api/") or path in self.public:
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        token = _bearer(header.decode("latin-1"))
        if token is None:
            message = "missing bearer token in the Authorization header"
            await error(401, "authentication_failed", message)(scope, receive, send)
            return
        state = scope["app"].state
        if hmac.compare_digest(token_digest(token), state.admin_token_digest):
            scope[CALLER] = ADMIN
            await self.app(scope, receive, send)
            return
        grant = None
        if token.startswith(TOKEN_PREFIX):
            try:
                grant = await state.db.app_tokens.find(token)
            except StoreUnavailable:
                await _unavailable()(scope, receive, send)
                return
        if grant is None:
            await error(401, "authentication_failed", "invalid token")(scope, receive, send)
            return
        key = app_token_scope.app_key(path)
        resolved = None
        if key == grant.app_id:
            resolved = key  # an id-shaped key names only the application with that id
        elif key is not None:
            try:
                resolved = await state.db.applications.resolve(key)
            except StoreUnavailable:
                await _unavailable()(scope, receive, send)
                return
        refused = app_token_scope.refusal(
            scope["method"],
            path,
            grant.app_id,
            resolved,
            grant.read_only,
            grant.capabilities,
            grant.polling_endpoint_id,
        )
        if refused is not None:
            await error(refused.status, "forbidden", refused.detail)(scope, receive, send)
            return
        if key is not None and resolved is not None and key != resolved:
            # The route looks the key up again: give it the id that was checked, so that a uid
            # moved to another application in between cannot take the request there.
            scope = _with_app_id(scope, key, resolved)
        scope[CALLER] = Caller(grant)
        await self.app(scope, receive, send)


def _unavailable() -> OrjsonResponse:
    detail = "the database is unavailable; retry later"
    return error(503, "service_unavailable", detail, headers={"Retry-After": "1"})


def route_path(scope: Scope) -> str:
    """The path below the prefix the API is mounted at (`root_path`; see embed.py), as the
    routes see it: `/webhooks/api/v1/app` under `/webhooks` is `/api/v1/app`."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root + "/"):
        return path[len(root) :]
    return path


def _with_app_id(scope: Scope, key: str, app_id: str) -> dict[str, Any]:
    below = route_path(scope)
    mount = scope["path"][: len(scope["path"]) - len(below)]
    path = mount + app_token_scope.with_app_id(below, key, app_id)
    return {**scope, "path": path, "raw_path": quote(path).encode()}


def caller(request: Request) -> Caller:
    found = request.scope.get(CALLER)
    if not isinstance(found, Caller):
        # Only if the middleware is missing: fail closed.
        raise ApiError(401, "missing bearer token in the Authorization header")
    return found


async def require_caller(request: Request) -> None:
    """FastAPI dependency: the request was authenticated (by `Authenticate`)."""
    caller(request)


async def require_admin(request: Request) -> None:
    """FastAPI dependency for admin-only routes (the middleware refuses app tokens there
    already; this is the second lock)."""
    if not caller(request).is_admin:
        raise ApiError(403, app_token_scope.ADMIN_ONLY)
