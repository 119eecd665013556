"""The endpoint form of the dashboard (create and edit): its fields read into the operations'
`EndpointInput`, and an endpoint's settings written back into fields. Pure.

Lists (event types, channels) are comma- or line-separated; headers are one `Name: value` a
line. A problem is an InvalidInput naming the form's field, shown beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from hookline.endpoint_headers import header_problems
from hookline.operations.endpoints import EndpointInput
from hookline.operations.errors import InvalidInput
from hookline.store.rows import EndpointRow
from hookline.types import EndpointTls

# The operations' field names (as the API spells them) → the form's.
FORM_FIELD = {
    "url": "url",
    "uid": "uid",
    "description": "description",
    "filterTypes": "event_types",
    "channels": "channels",
    "headers": "headers",
    "rateLimit": "throttle_rate",
    "throttleRate": "throttle_rate",
    "tls.client_cert": "tls_client_cert",
    "tls.client_key": "tls_client_key",
    "tls.ca_cert": "tls_ca_cert",
    "keepMessagesWhileDisabled": "while_disabled",
}
# "While disabled": what becomes of messages published while the endpoint is disabled.
WHILE_DISABLED: dict[str, bool | None] = {"": None, "keep": True, "skip": False}
_SPLIT = re.compile(r"[,\n]")
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def split_list(text: str) -> list[str] | None:
    """Items of a comma- or line-separated list; None (no filter) for an empty one."""
    items = [item.strip() for item in _SPLIT.split(text)]
    kept = list(dict.fromkeys(item for item in items if item))
    return kept or None


def parse_headers(text: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _HEADER_NAME.match(name):
            raise InvalidInput(f"line {number}: write each header as “Name: value”", "headers")
        headers[name] = value.strip()
    if problems := header_problems(headers):  # the API's rule, the same function
        raise InvalidInput("; ".join(problems), "headers")
    return headers


def _optional_int(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput("a whole number of messages per second, 1 or more", field)
    return int(text)


def endpoint_input(fields: Mapping[str, str], creating: bool) -> EndpointInput:
    """The settings the form gives. TLS settings left empty keep what is stored (the key is
    never shown, so an empty key field cannot mean "remove it"); `tls_clear` removes them."""
    url = fields.get("url", "").strip()
    if not url:
        raise InvalidInput("the URL to deliver to is required", "url")
    tls: EndpointTls | None = None
    given_tls = {
        name: fields.get(f"tls_{name}", "").strip() or None
        for name in ("client_cert", "client_key", "ca_cert")
    }
    if fields.get("tls_clear"):
        tls = None
    elif any(given_tls.values()):
        tls = EndpointTls(**given_tls)
    while_disabled = fields.get("while_disabled", "")
    if while_disabled not in WHILE_DISABLED:
        raise InvalidInput("choose what becomes of messages while disabled", "while_disabled")
    settings = {
        "url": url,
        "description": fields.get("description", "").strip(),
        "event_types": split_list(fields.get("event_types", "")),
        "channels": split_list(fields.get("channels", "")),
        "headers": parse_headers(fields.get("headers", "")),
        "throttle_rate": _optional_int(fields.get("throttle_rate", ""), "throttle_rate"),
        "fifo": fields.get("fifo") == "on",
        "keep_messages_while_disabled": WHILE_DISABLED[while_disabled],
    }
    if creating:
        settings["uid"] = fields.get("uid", "").strip() or None
    if tls is not None or fields.get("tls_clear"):
        return EndpointInput(**settings, tls=tls)  # type: ignore[arg-type]
    return EndpointInput(**settings)  # type: ignore[arg-type]


def form_values(ep: EndpointRow | None) -> dict[str, str]:
    """The form's fields filled from a stored endpoint (empty for a new one)."""
    if ep is None:
        return {}
    return {
        "url": ep.url,
        "uid": ep.uid or "",
        "description": ep.description,
        "event_types": ", ".join(ep.event_types or ()),
        "channels": ", ".join(ep.channels or ()),
        "headers": "\n".join(f"{name}: {value}" for name, value in ep.headers.items()),
        "throttle_rate": str(ep.throttle_rate or ""),
        "fifo": "on" if ep.fifo else "",
        "while_disabled": next(
            key for key, value in WHILE_DISABLED.items() if value is ep.keep_messages_while_disabled
        ),
    }


def field_errors(exc: InvalidInput) -> dict[str, str]:
    """The error beside its form field (or `_form` above the form for any other field)."""
    name = FORM_FIELD.get(exc.field or "", exc.field if exc.field in FORM_FIELD.values() else "")
    return {name or "_form": exc.detail}
