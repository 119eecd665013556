"""The session cookie's attributes (pure): HttpOnly, SameSite=Strict, Path=/, and Secure when
the pages are served over HTTPS (the public URL says so, or the request came over it)."""

from __future__ import annotations

from http.cookies import SimpleCookie


def is_secure(public_url: str, scheme: str) -> bool:
    return public_url.startswith("https://") or scheme == "https"


def set_cookie_header(name: str, value: str, max_age: int, secure: bool) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    morsel["path"] = "/"
    morsel["max-age"] = max_age
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


def clear_cookie_header(name: str, secure: bool) -> str:
    return set_cookie_header(name, "", 0, secure)
