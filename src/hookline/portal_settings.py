"""Parsing and checking the portal's settings (pure): who may frame it, and its branding.

Values end up in response headers (CSP) and in a style sheet, so each is checked against a
strict shape: nothing that could close a CSP directive (`;`), start a new header or break out
of a CSS declaration gets through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

THEMES = ("auto", "light", "dark")
# An origin as CSP's frame-ancestors takes it: scheme, host (optionally `*.` for its
# subdomains) and port; no path.
_ORIGIN = re.compile(
    r"^(?P<scheme>https?)://(?P<host>(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])"
    r"(?P<port>:[0-9]{1,5})?$"
)
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$")
MAX_NAME_CHARS = 80
MAX_LOGO_CHARS = 64 * 1024


class PortalSettingError(ValueError):
    """A portal setting has a value Hookline cannot use (the message names the variable)."""


def parse_frame_ancestors(raw: str, name: str = "HOOKLINE_PORTAL_FRAME_ANCESTORS") -> str:
    """Space- or comma-separated origins (`https://app.example.com`, `https://*.example.com`),
    `'self'`, or `'none'` alone, as the CSP `frame-ancestors` value. Empty: `'self'`."""
    parts = [p for p in re.split(r"[\s,]+", raw.strip()) if p]
    if not parts:
        return "'self'"
    if "'none'" in parts or "none" in parts:
        if len(parts) > 1:
            raise PortalSettingError(f"{name}: 'none' cannot be combined with origins")
        return "'none'"
    sources = []
    for part in parts:
        if part in ("'self'", "self"):
            sources.append("'self'")
            continue
        origin = part.lower().rstrip("/")
        match = _ORIGIN.match(origin)
        if match is None:
            raise PortalSettingError(
                f"{name}: {part!r} is not an origin (scheme://host[:port], no path), "
                "'self' or 'none'"
            )
        if match["port"] and not 0 < int(match["port"][1:]) < 65536:
            raise PortalSettingError(f"{name}: {part!r} has a port out of range")
        sources.append(origin)
    return " ".join(dict.fromkeys(sources))


def parse_accent_colour(raw: str, name: str = "HOOKLINE_PORTAL_ACCENT_COLOR") -> str:
    """A CSS hex colour (`#3355ff` or `#35f`); empty: the default accent."""
    value = raw.strip()
    if value and not _HEX_COLOUR.match(value):
        raise PortalSettingError(f"{name} must be a hex colour such as #3355ff, got {raw!r}")
    return value.lower()


def parse_logo_url(raw: str, name: str = "HOOKLINE_PORTAL_LOGO_URL") -> str:
    """An https:// URL, or a base64 `data:image/…` URL; empty: no logo."""
    value = raw.strip()
    if not value:
        return ""
    if len(value) > MAX_LOGO_CHARS:
        raise PortalSettingError(f"{name} is longer than {MAX_LOGO_CHARS} characters")
    if value.startswith("data:"):
        if not _DATA_IMAGE.match(value):
            raise PortalSettingError(
                f"{name}: a data: URL must be a base64 image (png, jpeg, gif, webp or svg+xml)"
            )
        return value
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise PortalSettingError(f"{name} is not a valid URL") from exc
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise PortalSettingError(f"{name} must be an https:// URL or a data:image URL")
    if any(c in value for c in " \"'();\\<>"):
        raise PortalSettingError(f"{name} contains characters a URL may not have unescaped")
    return value


def parse_theme(raw: str, name: str = "HOOKLINE_PORTAL_THEME") -> str:
    value = raw.strip().lower() or "auto"
    if value not in THEMES:
        raise PortalSettingError(f"{name} must be one of {', '.join(THEMES)}, got {raw!r}")
    return value


def parse_name(raw: str, name: str = "HOOKLINE_PORTAL_NAME") -> str:
    value = " ".join(raw.split())
    if len(value) > MAX_NAME_CHARS:
        raise PortalSettingError(f"{name} is longer than {MAX_NAME_CHARS} characters")
    return value


@dataclass(frozen=True, slots=True)
class PortalBranding:
    name: str = ""  # empty: the application's name
    logo_url: str = ""
    accent_colour: str = ""
    theme: str = "auto"

    def logo_source(self) -> str | None:
        """What CSP img-src must allow for the logo: its origin (data: is always allowed)."""
        if not self.logo_url or self.logo_url.startswith("data:"):
            return None
        parts = urlsplit(self.logo_url)
        return f"{parts.scheme}://{parts.netloc}".lower()
