"""What an application token may do: a pure function of the method, the path and the grant.

An allow-list on paths, checked before routing: a route that is not listed here (including
any route added later) is for the admin token only, so forgetting to think about a new route
fails closed. Application tokens may

* read their application, its endpoints, messages and attempts, its delivery statistics
  (`/api/v1/stats/app/{app}/…`), and the event type catalogue (shared by all applications,
  needed to pick filters);
* manage their application's endpoints (create, change, delete, secrets, TLS settings) and ask
  for re-sends;
* read their application's messages as a stream (`/events`, `/poller/{endpoint}`), and keep
  a consumer's cursor (`…/consumer/{consumer}`, `…/seek`);

and nothing else: not other applications, not listing or changing applications, not event type
writes, not publishing (a message must come from the publisher, or receivers could be sent
correctly signed webhooks that the publisher never wrote), not issuing tokens.

Svix's capabilities narrow a token further when it is issued with a list of them. A token
issued for one polling endpoint (`pollingEndpoint`, a Hookline extension) may do only this:
read that endpoint (by its id) and its consumers, and seek them.

Which application a request is for is decided by what its key *resolves to*, not by how it is
spelled: the caller (the `Authenticate` middleware) looks the path's key up (`app_key`) and
passes the resolved id, and a token passes only where that is its own application's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hookline.capabilities import (
    CREATE_ATTEMPTS,
    MANAGE_ENDPOINT,
    MANAGE_SECRET,
    VIEW,
    VIEW_SECRET,
)

ADMIN_ONLY = "this route needs the admin token"

_APP_PATH = re.compile(r"^/api/v1/app/(?P<app>[^/]+)(?P<rest>/.*)?$")
# Svix's statistics routes name the application after a `/stats` prefix.
_STATS_PATH = re.compile(r"^/api/v1/stats/app/(?P<app>[^/]+)(?P<rest>/attempt|/ep/[^/]+/attempt)$")
_SECRET = re.compile(r"^/endpoint/[^/]+/secret$")
_ROTATE = re.compile(r"^/endpoint/[^/]+/secret/rotate$")
_ENDPOINT_ATTEMPTS = re.compile(
    r"^/endpoint/[^/]+/(recover|replay-missing|bulk-replay|send-example)$"
)
_RESEND = re.compile(r"^/msg/[^/]+/endpoint/[^/]+/resend$")
_POLLER = re.compile(r"^/poller/(?P<sink>[^/]+)(/consumer/[^/]+)?$")
_SEEK = re.compile(r"^/poller/(?P<sink>[^/]+)/consumer/[^/]+/seek$")
_SAFE = ("GET", "HEAD")


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    detail: str


def _needed(method: str, rest: str) -> frozenset[str] | None:
    """Capabilities of which one is needed for `rest` under the application; None: admin."""
    safe = method in _SAFE
    if rest == "":
        return VIEW if safe else None
    if rest == "/endpoint" or rest.startswith("/endpoint/"):
        if _SECRET.match(rest):
            return VIEW_SECRET if safe else None
        if _ROTATE.match(rest):
            return MANAGE_SECRET if method == "POST" else None
        if safe:
            return VIEW
        if _ENDPOINT_ATTEMPTS.match(rest):
            return CREATE_ATTEMPTS if method == "POST" else None
        return MANAGE_ENDPOINT
    if rest == "/msg" or rest.startswith("/msg/"):
        if safe:
            return VIEW
        return CREATE_ATTEMPTS if method == "POST" and _RESEND.match(rest) else None
    if rest.startswith("/attempt/"):
        return VIEW if safe else None
    if rest == "/events" or _POLLER.match(rest):
        return VIEW if safe else None
    if _SEEK.match(rest):
        return VIEW if method == "POST" else None
    return None


def _polled(method: str, rest: str) -> str | None:
    """The polling endpoint key a poller request reads (or seeks), or None."""
    found = _POLLER.match(rest) if method in _SAFE else _SEEK.match(rest)
    return None if found is None or method not in (*_SAFE, "POST") else found["sink"]


def app_key(path: str) -> str | None:
    """The application key (id or uid) in an /api/v1/app/{key}… path, or None."""
    match = _APP_PATH.match(path) or _STATS_PATH.match(path)
    return None if match is None else match["app"]


def with_app_id(path: str, key: str, app_id: str) -> str:
    """The path with its application key (see `app_key`) replaced by the resolved id."""
    prefix = "/api/v1/stats/app/" if _STATS_PATH.match(path) else "/api/v1/app/"
    return prefix + app_id + path[len(prefix + key) :]


def refusal(
    method: str,
    path: str,
    app_id: str,
    resolved_app_id: str | None,
    read_only: bool,
    capabilities: tuple[str, ...] | None,
    polling_endpoint_id: str | None = None,
) -> Refusal | None:
    """Why an application token for `app_id` may not make this request, or None if it may.
    `resolved_app_id` is the id of the application the path's key names (None if it names
    none, or if the path is not under an application). `polling_endpoint_id`: the token may
    only read that polling endpoint."""
    method = method.upper()
    if polling_endpoint_id is not None:
        refused = _polling_refusal(method, path, app_id, resolved_app_id, polling_endpoint_id)
        if refused is None and read_only and method not in _SAFE and "/poller/" in path:
            return Refusal(403, "this token is read-only")
        return refused
    if path == "/api/v1/auth/logout":
        return None if method == "POST" else Refusal(403, ADMIN_ONLY)
    if path == "/api/v1/event-type" or path.startswith("/api/v1/event-type/"):
        return None if method in _SAFE else Refusal(403, ADMIN_ONLY)
    stats = _STATS_PATH.match(path)
    match = _APP_PATH.match(path) or stats
    if match is None:
        return Refusal(403, ADMIN_ONLY)
    if resolved_app_id is None or resolved_app_id != app_id:
        # The same answer whether or not that application exists: nothing is revealed.
        return Refusal(403, f"this token only grants access to application {app_id}")
    if stats is not None:
        needed: frozenset[str] | None = VIEW if method in _SAFE else None
    else:
        needed = _needed(method, match["rest"] or "")
    if needed is None:
        return Refusal(403, ADMIN_ONLY)
    if read_only and method not in _SAFE:
        return Refusal(403, "this token is read-only")
    if capabilities is not None and not needed & set(capabilities):
        wanted = " or ".join(sorted(needed))
        return Refusal(403, f"this token lacks the capability for this route ({wanted})")
    return None


def _polling_refusal(
    method: str, path: str, app_id: str, resolved_app_id: str | None, endpoint_id: str
) -> Refusal | None:
    """A token limited to one polling endpoint: that endpoint (named by its id), nothing else."""
    if path == "/api/v1/auth/logout":
        return None if method == "POST" else Refusal(403, ADMIN_ONLY)
    match = _APP_PATH.match(path)
    if match is None or resolved_app_id != app_id:
        return Refusal(403, f"this token only grants access to polling endpoint {endpoint_id}")
    if _polled(method, match["rest"] or "") != endpoint_id:
        return Refusal(403, f"this token only grants access to polling endpoint {endpoint_id}")
    return None
