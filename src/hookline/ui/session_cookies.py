"""The session cookie's attributes (pure): HttpOnly, SameSite=Strict, Path=/, and Secure when
the pages are served over HTTPS (the public URL says so, or the request came over it)."""

from __future__ import annotations

from http.cookies import SimpleCookie


def is_secure(public_url: str, scheme: str) -> bool:
    return public_url.startswith("https://") or scheme == "https"


def set_cookie_header(
    name: str, value: str, max_age: int, secure: bool, embeddable: bool = False
) -> str:
    """`embeddable` (the portal's cookie): over HTTPS `SameSite=None; Secure; Partitioned`,
    so that it is sent inside an iframe on another site (partitioned per top-level site, as
    browsers that block third-party cookies require: CHIPS). `SameSite=None` needs `Secure`,
    which plain http cannot have: there it stays `Strict`, and the portal can be framed only
    by pages of the same site (http://localhost:8000 framing http://localhost:8071 works)."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["httponly"] = True
    morsel["samesite"] = "None" if embeddable and secure else "Strict"
    morsel["path"] = "/"
    morsel["max-age"] = max_age
    if secure:
        morsel["secure"] = True
    header = morsel.OutputString()
    # SimpleCookie knows no Partitioned before Python 3.14.
    return header + "; Partitioned" if embeddable and secure else header


def clear_cookie_header(name: str, secure: bool, embeddable: bool = False) -> str:
    return set_cookie_header(name, "", 0, secure, embeddable)
