"""The portal's branding style sheet (pure). The accent colour was checked at start
(portal_settings.parse_accent_colour), so it is a hex colour and nothing else.

The accent colours the primary buttons and a bar above the header; links keep the theme's
colour, which is chosen to be readable on both backgrounds (an accent need not be). The
buttons' text is black or white, whichever contrasts more with the accent.
"""

from __future__ import annotations

from hookline.portal_settings import PortalBranding


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def text_colour_on(hex_colour: str) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio on `hex_colour`."""
    lum = relative_luminance(hex_colour)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


# In a frame the page is as tall as its content, so the height it reports can shrink too.
FRAMED = "body { min-height: 0; }\n"


def branding_css(branding: PortalBranding) -> str:
    if not branding.accent_colour:
        return FRAMED
    colour = branding.accent_colour
    text = text_colour_on(colour)
    return FRAMED + (
        f".button-primary, .button-primary:hover {{ background: {colour}; "
        f"border-color: {colour}; color: {text}; }}\n"
        f".topbar {{ border-top: 4px solid {colour}; }}\n"
    )
