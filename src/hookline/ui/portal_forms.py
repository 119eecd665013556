"""Reading the portal's endpoint form (pure): comma- or line-separated lists, and headers
as `Name: value` lines."""

from __future__ import annotations

import re

from hookline.operations.endpoints import EndpointInput
from hookline.operations.errors import InvalidInput

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
MAX_ITEMS = 100


def parse_list(raw: str, field: str) -> list[str] | None:
    """`a, b` or one per line → ["a", "b"]; nothing given → None (no filter)."""
    items = [item.strip() for item in re.split(r"[,\n]", raw) if item.strip()]
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} entries", field)
    return list(dict.fromkeys(items)) or None


def parse_headers(raw: str, field: str = "headers") -> dict[str, str]:
    headers: dict[str, str] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not _HEADER_NAME.match(name):
            raise InvalidInput(f"line {number} is not a header (Name: value)", field)
        headers[name] = value
    if len(headers) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} headers", field)
    return headers


def endpoint_input(fields: dict[str, str]) -> EndpointInput:
    url = fields.get("url", "").strip()
    if not url:
        raise InvalidInput("enter the URL that receives the webhooks", "url")
    return EndpointInput(
        url=url,
        description=fields.get("description", "").strip(),
        event_types=parse_list(fields.get("event_types", ""), "event_types"),
        channels=parse_list(fields.get("channels", ""), "channels"),
        headers=parse_headers(fields.get("headers", "")),
    )
