"""Pieces every route module uses: the store handle, pagination parameters, JSON answers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from hookline.store import Database
from hookline.store.pagination import DEFAULT_LIMIT, MAX_LIMIT


def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


Db = Annotated[Database, Depends(get_db)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Iterator = Annotated[str | None, Query(max_length=300)]
Order = Annotated[Literal["ascending", "descending"] | None, Query()]
PathKey = Annotated[str, "id or uid"]

__all__ = ["DEFAULT_LIMIT", "Db", "Iterator", "Limit", "Order"]
