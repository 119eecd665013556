"""`--since` / `--until` values: an ISO 8601 time, or a span back from now (`90m`, `6h`, `2d`).
Pure: the current time is passed in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_SPAN = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_time(text: str, now: datetime) -> datetime:
    """A timezone-aware UTC time; a time given without an offset is taken as UTC."""
    value = text.strip()
    span = _SPAN.match(value.lower())
    if span:
        return now - timedelta(**{_UNITS[span.group(2)]: int(span.group(1))})
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is neither an ISO 8601 time (2026-12-01T09:00:00Z) nor a span such as "
            "30m, 6h, 2d"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
