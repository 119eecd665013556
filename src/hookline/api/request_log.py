"""Per request: the access log line (method, route template, status, duration), if
HOOKLINE_ACCESS_LOG is on, and the publish request's duration for the metrics."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hookline.observability.metrics import record_publish_request

log = logging.getLogger("hookline.access")
PUBLISH_ROUTE = "/api/v1/app/{app_id}/msg"


def route_template(scope: Scope) -> str:
    """The matched route's path template (bounded), never the raw path (ids, uids)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "(unmatched)"


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the app raises before responding

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            duration = time.perf_counter() - started
            route = route_template(scope)
            method = scope["method"]
            if route == PUBLISH_ROUTE and method == "POST":
                record_publish_request(duration)
            if log.isEnabledFor(logging.INFO):
                ms = round(duration * 1000, 1)
                log.info(
                    "%s %s %d %.1f ms",
                    method,
                    route,
                    status,
                    ms,
                    extra={"method": method, "route": route, "status": status, "duration_ms": ms},
                )
