"""Cross-site request forgery checks (pure): a state-changing request from a page must come
from the server's own origin and carry its session's CSRF token.

The origin is checked first and from the headers alone: `Origin` must be the public URL's
origin (browsers send it on every POST); when a browser leaves it out, `Sec-Fetch-Site` must
say `same-origin`. A request with neither is refused: every browser the pages support sends
one of them, and nothing else has a reason to post to the pages.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(headers: Mapping[str, str], allowed_origin: str) -> bool:
    origin = headers.get("origin")
    if origin is not None:
        return origin.lower() == allowed_origin
    return headers.get("sec-fetch-site") == "same-origin"


def token_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
