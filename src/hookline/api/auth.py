"""Bearer-token authentication."""

from __future__ import annotations

import hmac

from fastapi import Request

from hookline.api.errors import ApiError


def require_admin(request: Request) -> None:
    """FastAPI dependency: the request must carry the admin token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "missing bearer token in the Authorization header")
    expected: str = request.app.state.admin_token
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise ApiError(401, "invalid token")
