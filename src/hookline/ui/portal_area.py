"""The portal's area (`/portal`): one application's customer, signed in by a portal link.

Its frame ancestors and the logo's image origin come from the settings, so the area is built
per process (`portal_area`) rather than being a constant like the dashboard's.
"""

from __future__ import annotations

from hookline.config import Settings
from hookline.ui.areas import Area, NavItem

PREFIX = "/portal"
OPEN_PATH = "/portal/open"
BRANDING_CSS_PATH = "/portal/branding.css"
COOKIE = "hookline_portal"
NAV = (
    NavItem("Endpoints", "/portal/endpoints"),
    NavItem("Messages", "/portal/messages"),
    NavItem("Event types", "/portal/event-types"),
)


def portal_area(settings: Settings) -> Area:
    logo = settings.portal_branding.logo_source()
    return Area(
        kind="portal",
        prefix=PREFIX,
        title=settings.portal_branding.name or "Webhooks",
        cookie=COOKIE,
        sign_in_path=OPEN_PATH,
        public_paths=frozenset({OPEN_PATH, BRANDING_CSS_PATH}),
        nav=NAV,
        frame_ancestors=settings.portal_frame_ancestors,
        img_sources=(logo,) if logo else (),
        embeddable_cookie=True,
    )
