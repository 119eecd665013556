"""The process's one ASGI app: the pages (`/ui`, `/portal`, their `/assets/`) beside the
REST API (everything else). Each request goes to exactly one of them, so the API's
middlewares (token auth, idempotency, body limits) never run for a page and the pages'
guard (sessions, CSRF, security headers) never runs for the API. The lifespan (the worker)
is the API's.

A path that starts with several slashes is read as if it had one: the Svix JavaScript SDK
appends `/api/v1/…` to its `serverUrl` as given, so `serverUrl: "https://hooks.example/"`
asks for `//api/v1/…`. Only the leading run is collapsed, before routing and before any
middleware sees the path, so the token checks and the routes see the same path.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

PAGE_PREFIXES = ("/ui", "/portal", "/assets/")


def is_page_path(path: str, prefixes: Sequence[str] = PAGE_PREFIXES) -> bool:
    for prefix in prefixes:
        if prefix.endswith("/"):
            if path.startswith(prefix):
                return True
        elif path == prefix or path.startswith(prefix + "/"):
            return True
    return False


def single_leading_slash(path: str) -> str:
    """`//api/v1/app` → `/api/v1/app`; any other path unchanged."""
    return "/" + path.lstrip("/") if path.startswith("//") else path


class PagesBesideApi:
    def __init__(self, api: ASGIApp, pages: ASGIApp) -> None:
        self.api = api
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"].startswith("//"):
            scope = dict(scope, path=single_leading_slash(scope["path"]))
            if raw := scope.get("raw_path"):
                scope["raw_path"] = b"/" + raw.lstrip(b"/")
        if scope["type"] == "http" and is_page_path(scope["path"]):
            await self.pages(scope, receive, send)
        else:
            await self.api(scope, receive, send)
