"""Redirects are relative: a `Location` never names a host.

Starlette answers `/api/v1/app/` with a redirect to `/api/v1/app`, and writes the target as an
absolute URL built from the request's Host header, so `Host: evil.example` gets a redirect to
evil.example. Hookline's only redirects are those: this middleware keeps their path and query
and drops the scheme and host, which the client already knows.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def relative_location(location: str) -> str:
    """`http://any.host/a/b?c=d` → `/a/b?c=d`. The path always starts with exactly one slash:
    `//host/…` would be read by the client as another host."""
    parts = urlsplit(location)
    path = "/" + parts.path.lstrip("/")
    return f"{path}?{parts.query}" if parts.query else path


class RelativeRedirects:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = MutableHeaders(scope=message)
                if "location" in headers:
                    headers["location"] = relative_location(headers["location"])
            await send(message)

        await self.app(scope, receive, send_relative)
