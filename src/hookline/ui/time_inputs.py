"""Times typed into the pages' filters: `<input type="datetime-local">` values, read as UTC
(the pages show every exact time in UTC too). Pure."""

from __future__ import annotations

from datetime import UTC, datetime


class BadTime(ValueError):
    """A time field that is not a date and time."""


def parse_time(text: str | None, field: str) -> int | None:
    """Milliseconds since the epoch of `2026-12-01T13:30` (seconds optional; a bare date
    means its midnight), or None for an empty field."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise BadTime(f"{field}: “{text}” is not a date and time (YYYY-MM-DDTHH:MM, UTC)") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return int(at.timestamp() * 1000)


def time_input_value(at_ms: int | None) -> str:
    """What a datetime-local input shows for `at_ms` (UTC, to the minute)."""
    if at_ms is None:
        return ""
    return datetime.fromtimestamp(at_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M")
