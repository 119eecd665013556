"""What an attempt keeps of the HTTP headers it sent and received. Pure functions.

Every header is kept in order, repeats included (a receiver may send several `Set-Cookie`), as
`(name, value)` pairs, except that:
- the values of credentials are replaced by `REDACTED`: `Authorization`, `Cookie`,
  `Set-Cookie`, `Proxy-Authorization` and the like, and any name that reads like one (it holds
  "auth", "token", "secret", "password", "api-key", "session" or "cookie"), whoever sent it;
- at most `MAX_HEADERS` headers and `MAX_BYTES` characters (each header counted as its line
  on the wire) are kept: the first header that does not fit and all after it are dropped,
  and one last pair named `DROPPED` says how many;
- text that cannot be stored as JSON text (bytes that are not UTF-8, NUL) is replaced.

Run on the worker's path for every attempt: a name's verdict is cached, and nothing is copied
twice.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from hookline.endpoint_headers import SENSITIVE

Headers = tuple[tuple[str, str], ...]

REDACTED = "[redacted]"
# Not an HTTP token, so never the name of a real header.
DROPPED = "…"
MAX_HEADERS = 64
MAX_BYTES = 8192

# Credentials by name: the endpoint headers Svix calls sensitive (their values are never
# returned by the API), so that what the API hides no page shows, and the cookies.
SECRET_NAMES = SENSITIVE | {"cookie", "set-cookie"}
_SECRET_LIKE = re.compile(r"auth|token|secret|passw|api[-_]?key|session|cookie|credential")


@functools.lru_cache(maxsize=2048)
def is_secret(name: str) -> bool:
    """Whether the value of header `name` is a credential, never to be stored."""
    lowered = name.lower()
    return lowered in SECRET_NAMES or _SECRET_LIKE.search(lowered) is not None


def _storable(text: str) -> str:
    """`text` as valid UTF-8 without NUL (PostgreSQL's text and JSONB refuse both)."""
    if not text.isascii():
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def recorded(headers: Iterable[tuple[str, str]]) -> Headers:
    """The headers as an attempt keeps them (see the module's description)."""
    kept: list[tuple[str, str]] = []
    used = 0
    dropped = dropped_chars = 0
    for name, value in headers:
        size = len(name) + len(value) + 4  # "name: value\r\n"
        if dropped or len(kept) >= MAX_HEADERS or used + size > MAX_BYTES:
            dropped += 1
            dropped_chars += size
            continue
        used += size
        if is_secret(name):
            value = REDACTED
        elif not value.isascii() or "\x00" in value:  # rare: checked inline, cheaply
            value = _storable(value)
        if not name.isascii():  # an HTTP token is ASCII; the parser may pass other bytes
            name = _storable(name)
        kept.append((name, value))
    if dropped:
        kept.append((DROPPED, f"{dropped} more headers ({dropped_chars} characters) not kept"))
    return tuple(kept)
