"""Pieces every route module uses: the store handle, pagination parameters, JSON answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request
from pydantic import StringConstraints

from hookline import ids
from hookline.api.models import KEY_PATTERN, Channel, IsoDateTime, Tag
from hookline.operations.context import OperationContext
from hookline.store import Database
from hookline.store.pagination import BACKWARDS, DEFAULT_LIMIT, MAX_LIMIT


async def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


Db = Annotated[Database, Depends(get_db)]


async def get_operations(request: Request) -> OperationContext:
    return request.app.state.operations  # type: ignore[no-any-return]


# What the operations (hookline.operations) run with: this process's settings, store, events.
Ops = Annotated[OperationContext, Depends(get_operations)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def _cursor(key_pattern: str, what: str) -> Any:
    """A list's `iterator`: a key of that list to continue after, or `~` and a key to walk
    backwards from (see store.pagination). Anything else is not a cursor Hookline issued and is
    refused, rather than answered with an empty page."""
    pattern = f"^{re.escape(BACKWARDS)}?{key_pattern.removeprefix('^').removesuffix('$')}$"
    return Annotated[
        str | None,
        Query(
            max_length=300,
            pattern=pattern,
            description=f"`iterator` or `prevIterator` of a previous page ({what}).",
        ),
    ]


AppIterator = _cursor(ids.pattern(ids.APPLICATION), "an application id")
EndpointIterator = _cursor(ids.pattern(ids.ENDPOINT), "an endpoint id")
MessageIterator = _cursor(ids.pattern(ids.MESSAGE), "a message id")
AttemptIterator = _cursor(ids.pattern(ids.ATTEMPT), "an attempt id")
TaskIterator = _cursor(ids.pattern(ids.TASK), "a background task id")
EventTypeIterator = _cursor(KEY_PATTERN, "an event type name")
Order = Annotated[Literal["ascending", "descending"] | None, Query()]
# An id, a uid or an event type name. Validated because a PUT (or a publish that creates its
# application) stores the key as a uid, and because PostgreSQL refuses NUL characters.
PathKey = Annotated[str, Path(min_length=1, max_length=256, pattern=KEY_PATTERN)]
QueryKey = Annotated[str | None, Query(max_length=256, pattern=KEY_PATTERN)]
# Keys joined with commas, as the SDK sends list parameters.
KeyList = Annotated[str, StringConstraints(max_length=25_000, pattern=r"^[a-zA-Z0-9\-_.,]*$")]
EventTypes = Annotated[list[KeyList] | None, Query()]
ChannelFilter = Annotated[Channel | None, Query()]
# `before` / `after`: ISO 8601 date-times, as the SDK sends them (see models.IsoDateTime).
Time = Annotated[IsoDateTime | None, Query()]


# Svix's `tag` filter: only messages carrying that tag (or the attempts of those messages).
TagFilter = Annotated[Tag | None, Query(description="Only messages carrying this tag.")]


def event_type_list(values: list[str] | None) -> list[str] | None:
    """The SDK sends list parameters comma-joined; accept both that and repeated parameters."""
    return [t for item in values or [] for t in item.split(",") if t] or None


def to_ms(value: datetime | None) -> int | None:
    """Milliseconds since the epoch; a time without an offset is UTC (the SDK sends naive
    datetimes as they are), never the server's local time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


__all__ = [
    "DEFAULT_LIMIT",
    "AppIterator",
    "AttemptIterator",
    "ChannelFilter",
    "Db",
    "EndpointIterator",
    "EventTypeIterator",
    "EventTypes",
    "KeyList",
    "Limit",
    "MessageIterator",
    "Ops",
    "Order",
    "PathKey",
    "QueryKey",
    "TagFilter",
    "TaskIterator",
    "Time",
    "event_type_list",
    "to_ms",
]
