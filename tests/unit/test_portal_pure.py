"""The portal's pure parts: its settings, capabilities, the cookie, the form and branding."""

from __future__ import annotations

import pytest

from hookline.capabilities import Permissions
from hookline.config import ConfigError, load_settings
from hookline.operations.errors import InvalidInput
from hookline.portal_settings import (
    PortalBranding,
    PortalSettingError,
    parse_accent_colour,
    parse_frame_ancestors,
    parse_logo_url,
    parse_theme,
)
from hookline.ui.portal_forms import parse_headers, parse_list
from hookline.ui.security_headers import content_security_policy
from hookline.ui.session_cookies import set_cookie_header
from hookline.ui.views.portal_branding import branding_css, text_colour_on


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "'self'"),
        ("'none'", "'none'"),
        ("none", "'none'"),
        ("https://app.example.com", "https://app.example.com"),
        (
            "https://A.example.com/, https://b.example.com:8443",
            "https://a.example.com https://b.example.com:8443",
        ),
        ("'self' https://*.example.com", "'self' https://*.example.com"),
        ("http://127.0.0.1:8000 http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
    ids=[
        "empty",
        "none-quoted",
        "none-bare",
        "one",
        "two-normalised",
        "self-and-wildcard",
        "dedup",
    ],
)
def test_frame_ancestors(raw: str, expected: str) -> None:
    assert parse_frame_ancestors(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "'none' https://a.example.com",
        "https://a.example.com/path",
        "https://a.example.com; script-src *",
        "*",
        "javascript:alert(1)",
        "https://a.example.com:99999",
    ],
    ids=["none-with-origin", "path", "injection", "star", "javascript", "port"],
)
def test_frame_ancestors_refused(raw: str) -> None:
    with pytest.raises(PortalSettingError):
        parse_frame_ancestors(raw)


def test_branding_values_are_checked() -> None:
    assert parse_accent_colour("#0B6E4F") == "#0b6e4f"
    assert parse_accent_colour("") == ""
    for bad in ("red", "#12345", "#fff; background: url(x)", "rgb(1,2,3)"):
        with pytest.raises(PortalSettingError):
            parse_accent_colour(bad)
    assert parse_logo_url("https://cdn.example.com/logo.svg") == "https://cdn.example.com/logo.svg"
    assert parse_logo_url("data:image/png;base64,iVBORw0KGgo=").startswith("data:image/png")
    for bad in (
        "http://cdn.example.com/logo.png",
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "https://cdn.example.com/a'b.png",
    ):
        with pytest.raises(PortalSettingError):
            parse_logo_url(bad)
    assert parse_theme("") == "auto" and parse_theme("DARK") == "dark"
    with pytest.raises(PortalSettingError):
        parse_theme("sepia")


def test_settings_read_the_portal_variables() -> None:
    settings = load_settings(
        {
            "HOOKLINE_PORTAL_FRAME_ANCESTORS": "https://app.example.com",
            "HOOKLINE_PORTAL_NAME": "  Acme   webhooks ",
            "HOOKLINE_PORTAL_LOGO_URL": "https://cdn.example.com/logo.svg",
            "HOOKLINE_PORTAL_ACCENT_COLOR": "#0b6e4f",
            "HOOKLINE_PORTAL_THEME": "light",
        }
    )
    assert settings.portal_frame_ancestors == "https://app.example.com"
    assert settings.portal_branding == PortalBranding(
        "Acme webhooks", "https://cdn.example.com/logo.svg", "#0b6e4f", "light"
    )
    assert settings.portal_branding.logo_source() == "https://cdn.example.com"
    assert load_settings({}).portal_frame_ancestors == "'self'"
    with pytest.raises(ConfigError, match="HOOKLINE_PORTAL_ACCENT_COLOR"):
        load_settings({"HOOKLINE_PORTAL_ACCENT_COLOR": "blue"})


def test_the_logo_origin_is_allowed_by_img_src() -> None:
    csp = content_security_policy("'self'", ("https://cdn.example.com",))
    assert "img-src 'self' data: https://cdn.example.com;" in csp


@pytest.mark.parametrize(
    ("read_only", "capabilities", "expected"),
    [
        (False, None, (True, True, True, True)),
        (True, None, (True, False, False, False)),
        (False, ("ViewBase",), (False, False, False, False)),
        (False, ("ViewBase", "ViewEndpointSecret"), (True, False, False, False)),
        (False, ("ViewBase", "ManageEndpointSecret"), (True, True, False, False)),
        (False, ("ViewBase", "ManageEndpoint"), (True, True, True, False)),
        (False, ("ViewBase", "CreateAttempts"), (False, False, False, True)),
        (False, ("ViewBase", "ManageTransformations"), (False, False, False, False)),
    ],
    ids=[
        "all",
        "read-only",
        "view",
        "view-secret",
        "manage-secret",
        "manage",
        "attempts",
        "transformations",
    ],
)
def test_permissions(
    read_only: bool, capabilities: tuple[str, ...] | None, expected: tuple[bool, ...]
) -> None:
    can = Permissions.of(read_only, capabilities)
    assert (
        can.view_secret,
        can.rotate_secret,
        can.manage_endpoints,
        can.create_attempts,
    ) == expected


def test_the_portal_cookie() -> None:
    over_https = set_cookie_header("hookline_portal", "v", 60, secure=True, embeddable=True)
    assert "SameSite=None" in over_https and "Secure" in over_https
    assert over_https.endswith("; Partitioned") and "HttpOnly" in over_https
    over_http = set_cookie_header("hookline_portal", "v", 60, secure=False, embeddable=True)
    assert "SameSite=Strict" in over_http and "Secure" not in over_http
    assert "Partitioned" not in over_http
    dashboard = set_cookie_header("hookline_ui", "v", 60, secure=True)
    assert "SameSite=Strict" in dashboard and "Partitioned" not in dashboard


def test_the_endpoint_form() -> None:
    assert parse_list(" a, b\nc,a ,", "x") == ["a", "b", "c"]
    assert parse_list("  ", "x") is None
    assert parse_headers("X-Team: billing\n\nX-Empty:") == {"X-Team": "billing", "X-Empty": ""}
    for bad in ("no colon here", "Bad Name: x", ": x"):
        with pytest.raises(InvalidInput):
            parse_headers(bad)


def test_branding_css() -> None:
    assert text_colour_on("#ffee00") == "#000000"
    assert text_colour_on("#0b3d91") == "#ffffff"
    css = branding_css(PortalBranding(accent_colour="#0b3d91"))
    assert "background: #0b3d91" in css and "color: #ffffff" in css
    assert "background" not in branding_css(PortalBranding())
