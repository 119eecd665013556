"""The security headers every page carries, per area (pure).

The Content-Security-Policy allows scripts and styles from Hookline's own origin only: no
inline script, no inline event handler, no `eval` (htmx is told not to evaluate strings and
not to inject its indicator `<style>`, in the `htmx-config` meta tag). `img-src data:` lets
uPlot and the CSS use data-URL images; an area may allow more image origins (the portal's
logo). `frame-ancestors` is the area's own value.
"""

from __future__ import annotations

from hookline.ui.areas import Area


def content_security_policy(frame_ancestors: str, img_sources: tuple[str, ...] = ()) -> str:
    images = " ".join(("'self'", "data:", *img_sources))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "connect-src 'self'",
            f"frame-ancestors {frame_ancestors}",
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
        )
    )


def page_headers(area: Area | None) -> list[tuple[bytes, bytes]]:
    """The headers for a response of `area` (None: outside every area, such as the static
    files: the strictest framing)."""
    frame_ancestors = area.frame_ancestors if area is not None else "'none'"
    img_sources = area.img_sources if area is not None else ()
    csp = content_security_policy(frame_ancestors, img_sources)
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if frame_ancestors == "'none'":
        headers.append((b"x-frame-options", b"DENY"))  # for browsers without CSP level 2
    return headers
