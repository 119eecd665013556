"""What the portal session of a request may reach: its one application, and what the token
it was opened with permits (Svix's capabilities and readOnly, see hookline.capabilities)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request

from hookline.capabilities import Permissions
from hookline.ui.request_state import signed_in


@dataclass(frozen=True, slots=True)
class PortalAccess:
    app_id: str
    can: Permissions


async def portal_access(request: Request) -> PortalAccess:
    """The session's application and permissions. The guard found a live session whose token
    was live; a token that ended since then leaves the page refused (403)."""
    session = signed_in(request)
    if session.app_id is None or session.token_hash is None:
        raise PermissionError("a portal page ran with a session that is not a portal's")
    grant = await request.app.state.db.app_tokens.grant(session.token_hash)
    if grant is None or grant.app_id != session.app_id:
        raise HTTPException(403, "Your access to this portal has ended. Ask for a new link.")
    return PortalAccess(session.app_id, Permissions.of(grant.read_only, grant.capabilities))


def require(allowed: bool, what: str) -> None:
    """Refuse an action the session's token does not permit (a form crafted by hand, too)."""
    if not allowed:
        raise HTTPException(403, f"Your access does not allow {what}.")
