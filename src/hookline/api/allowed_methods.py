"""`405 Method Not Allowed` with an `Allow` header that lists every method the path accepts,
and `OPTIONS` answered on every path.

Starlette answers a 405 from the first route whose path matched, so `Allow` named only that
route's methods (`Allow: GET` on a path that also takes POST). The methods of every route
whose path matches are gathered here instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute

# Answered for every path that exists (api/errors.py); not an operation in the document.
ALWAYS_ALLOWED = ("OPTIONS",)


def allowed_methods(routes: Iterable[BaseRoute], path: str) -> list[str]:
    """The methods some route accepts at `path` (none if no route has that path).

    Only the most specific routes count: those matching with the fewest path parameters. A
    path such as Svix's `…/msg/bulk-expunge` names a resource of its own; `…/msg/{msg_id}`
    matches it too, but only by taking `bulk-expunge` for a message key."""
    by_parameters: dict[int, set[str]] = {}
    # Included routers are flattened into the routes as they are served (prefix and all).
    for route in iter_route_contexts(list(routes)):
        found = getattr(route, "methods", None)
        regex = getattr(route, "path_regex", None)
        if found and regex is not None and regex.match(path):
            parameters = str(getattr(route, "path", "")).count("{")
            by_parameters.setdefault(parameters, set()).update(found)
    methods = by_parameters[min(by_parameters)] if by_parameters else set()
    if methods:
        methods.update(ALWAYS_ALLOWED)
    return sorted(methods)
