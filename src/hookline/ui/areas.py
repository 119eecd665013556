"""The areas the pages app serves: each has its path prefix, its kind of session and cookie,
its public paths and navigation, and the CSP `frame-ancestors` it sends.

The dashboard is one area; the portal will be another, with its own frame ancestors (from
its setting), so that nothing about one area is hard-coded where the other is handled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    path: str


@dataclass(frozen=True, slots=True)
class Area:
    kind: str  # the `kind` of its sessions (store.web_sessions)
    prefix: str  # "/ui": the area is this path and everything below it
    title: str  # shown in the header and in page titles
    cookie: str  # the name of its session cookie
    sign_in_path: str  # where a request without a live session is sent
    public_paths: frozenset[str]  # reachable without a session
    nav: tuple[NavItem, ...]
    frame_ancestors: str = "'none'"  # CSP frame-ancestors: who may frame the area's pages
    img_sources: tuple[str, ...] = ()  # origins CSP img-src allows beside 'self' and data:
    embeddable_cookie: bool = False  # a cookie sent inside cross-site iframes (see session_cookies)

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    def is_public(self, path: str) -> bool:
        return path in self.public_paths


DASHBOARD = Area(
    kind="admin",
    prefix="/ui",
    title="Hookline",
    cookie="hookline_ui",
    sign_in_path="/ui/sign-in",
    public_paths=frozenset({"/ui/sign-in"}),
    nav=(
        NavItem("Overview", "/ui"),
        NavItem("Applications", "/ui/apps"),
        NavItem("Messages", "/ui/messages"),
        NavItem("Failed deliveries", "/ui/failed"),
        NavItem("Event types", "/ui/event-types"),
    ),
)


def area_for(areas: Sequence[Area], path: str) -> Area | None:
    return next((area for area in areas if area.owns(path)), None)
