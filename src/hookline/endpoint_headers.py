"""What an endpoint's custom headers may be: the one rule, used by the API when they are set and
by the worker when they are sent.

Names are RFC 9110 tokens; values are RFC 9110 field values restricted to visible ASCII, space
and tab (no obsolete non-ASCII text: it would go out as raw UTF-8 that receivers read
differently), without leading or trailing whitespace (which receivers strip). Refused outright:
headers Hookline sets itself (the Standard Webhooks and Svix signature headers, Content-Type,
Host), headers that would misdescribe the body (Content-Encoding, Content-Length…), and hop-by-hop
headers, which describe the connection rather than the message. A custom User-Agent is honoured:
it replaces Hookline's.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

MAX_HEADERS = 20
MAX_NAME_CHARS = 256
MAX_VALUE_CHARS = 4096

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(r"[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?")

SIGNATURE_HEADERS = frozenset(
    {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "svix-id",
        "svix-timestamp",
        "svix-signature",
    }
)
BODY_HEADERS = frozenset(
    {"content-type", "content-length", "content-encoding", "content-range", "transfer-encoding"}
)
CONNECTION_HEADERS = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "upgrade",
        "expect",
    }
)


# Every name an endpoint may not set.
RESERVED = SIGNATURE_HEADERS | BODY_HEADERS | CONNECTION_HEADERS


def header_problem(name: str, value: str) -> str | None:
    """Why the endpoint may not send `name: value`, or None if it may."""
    if not _TOKEN.fullmatch(name) or len(name) > MAX_NAME_CHARS:
        return (
            f"header name {name!r} must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~, "
            f"at most {MAX_NAME_CHARS} characters)"
        )
    lowered = name.lower()
    if lowered in SIGNATURE_HEADERS:
        return f"header {name!r} is set by Hookline (Standard Webhooks signature headers)"
    if lowered in BODY_HEADERS:
        return f"header {name!r} describes the body, which Hookline sends as signed JSON"
    if lowered in CONNECTION_HEADERS:
        return f"header {name!r} describes the connection (hop-by-hop), not the webhook"
    if len(value) > MAX_VALUE_CHARS:
        return f"header {name!r}: the value is longer than {MAX_VALUE_CHARS} characters"
    if value and not _FIELD_VALUE.fullmatch(value):
        return (
            f"header {name!r}: the value may contain only visible ASCII characters, spaces and "
            "tabs, and may not start or end with a space or tab (RFC 9110 field value)"
        )
    return None


# Svix's sensitive header names: their values are never returned by the API (only their names,
# in `sensitive`), though they are sent with every delivery.
SENSITIVE = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "www-authenticate",
        "proxy-authenticate",
        "x-auth-token",
    }
)


def split_sensitive(headers: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The headers that may be shown, and the names of those that may not (sorted)."""
    shown = {k: v for k, v in headers.items() if k.lower() not in SENSITIVE}
    return shown, sorted(k for k in headers if k.lower() in SENSITIVE)


def patched(
    current: Mapping[str, str], given: Mapping[str, str], removed: Collection[str] = ()
) -> dict[str, str]:
    """`current` with `given` added or replacing a header of the same name, and `removed`
    taken out; names match regardless of case, and a replaced header takes the new spelling."""
    dropped = {name.lower() for name in (*given, *removed)}
    kept = {k: v for k, v in current.items() if k.lower() not in dropped}
    return {**kept, **given}


def header_problems(headers: Mapping[str, str]) -> list[str]:
    """Every problem with a set of custom headers (empty when they are all acceptable)."""
    problems = [p for name, value in headers.items() if (p := header_problem(name, value))]
    seen: dict[str, str] = {}
    for name in headers:
        if (other := seen.setdefault(name.lower(), name)) != name:
            problems.append(
                f"headers {other!r} and {name!r} are the same header (names ignore case)"
            )
    return problems
