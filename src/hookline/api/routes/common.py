"""Pieces every route module uses: the store handle, pagination parameters, JSON answers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
from pydantic import StringConstraints

from hookline.api.models import KEY_PATTERN
from hookline.store import Database
from hookline.store.pagination import DEFAULT_LIMIT, MAX_LIMIT


async def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


Db = Annotated[Database, Depends(get_db)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
# A key to continue after, or `~` and a key to walk backwards from (see store.pagination).
Iterator = Annotated[str | None, Query(max_length=300, pattern=r"^~?[a-zA-Z0-9\-_.]+$")]
Order = Annotated[Literal["ascending", "descending"] | None, Query()]
# An id, a uid or an event type name. Validated because a PUT (or a publish that creates its
# application) stores the key as a uid, and because PostgreSQL refuses NUL characters.
PathKey = Annotated[str, Path(min_length=1, max_length=256, pattern=KEY_PATTERN)]
QueryKey = Annotated[str | None, Query(max_length=256, pattern=KEY_PATTERN)]
# Keys joined with commas, as the SDK sends list parameters.
KeyList = Annotated[str, StringConstraints(max_length=25_000, pattern=r"^[a-zA-Z0-9\-_.,]*$")]

__all__ = ["DEFAULT_LIMIT", "Db", "Iterator", "Limit", "KeyList", "Order", "PathKey", "QueryKey"]
