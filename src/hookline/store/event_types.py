"""Event types: names such as `invoice.paid` that endpoints subscribe to."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.store.coalesced_reads import CoalescedLookup
from hookline.store.errors import Conflict, NotFound
from hookline.store.pagination import Page, fetch_page
from hookline.store.rows import EventTypeRow
from hookline.store.schema import event_types

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = event_types
FIELDS = (
    "description",
    "archived",
    "deprecated",
    "schemas",
    "group_name",
    "feature_flags",
    "validate",
)


class EventTypes:
    def __init__(self, db: Connections) -> None:
        self.db = db
        # Every publish asks for its event type's state: concurrent asks share one query.
        self._states: CoalescedLookup[str, tuple[bool, int]] = CoalescedLookup(
            self._validation_states
        )

    async def create(self, name: str, fields: dict[str, Any]) -> EventTypeRow:
        async def work(conn: AsyncConnection) -> EventTypeRow:
            exists = (await conn.execute(sa.select(t.c.name).where(t.c.name == name))).first()
            if exists is not None:
                raise Conflict(f"event type {name!r} already exists")
            now = self.db.clock.now_ms()
            row = {"name": name, **_defaults(fields), "created_at": now, "updated_at": now}
            await conn.execute(t.insert().values(**row))
            return EventTypeRow.from_row(row)

        return await self.db.transaction(work, f"event type {name!r} already exists")

    async def get(self, name: str) -> EventTypeRow:
        async with self.db.read() as conn:
            row = (await conn.execute(sa.select(t).where(t.c.name == name))).first()
        if row is None:
            raise NotFound("event type", name)
        return EventTypeRow.from_row(row)

    async def validation_state(self, name: str) -> tuple[bool, int] | None:
        """(`validate`, `updated_at`) of the event type, None if there is none: enough for a
        publish to tell whether the validator it holds is still the event type's."""
        return await self._states.get(name)

    async def _validation_states(self, names: list[str]) -> dict[str, tuple[bool, int]]:
        query = sa.select(t.c.name, t.c.validate, t.c.updated_at).where(t.c.name.in_(names))
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return {row.name: (bool(row.validate), int(row.updated_at)) for row in rows}

    async def set_retry_schedule(self, name: str, schedule: Sequence[float] | None) -> EventTypeRow:
        """Give the event type's messages their own retry schedule (None: the server's)."""
        async with self.db.write() as conn:
            changed = await conn.execute(
                t.update()
                .where(t.c.name == name)
                .values(
                    retry_schedule=None if schedule is None else list(schedule),
                    updated_at=self.db.clock.now_ms(),
                )
                .returning(*t.c)
            )
            row = changed.first()
        if row is None:
            raise NotFound("event type", name)
        return EventTypeRow.from_row(row)

    async def list(
        self,
        limit: int,
        iterator: str | None,
        include_archived: bool = False,
        descending: bool = False,
    ) -> Page[EventTypeRow]:
        query = sa.select(t)
        if not include_archived:
            query = query.where(t.c.archived.is_(False))
        async with self.db.read() as conn:
            return await fetch_page(
                conn, query, t.c.name, limit, iterator, descending, EventTypeRow.from_row
            )

    async def upsert(self, name: str, fields: dict[str, Any]) -> tuple[EventTypeRow, bool]:
        """PUT: replace an event type's fields, creating it if needed. Returns (row, created)."""

        async def work(conn: AsyncConnection) -> tuple[EventTypeRow, bool]:
            now = self.db.clock.now_ms()
            exists = (await conn.execute(sa.select(t.c.name).where(t.c.name == name))).first()
            if exists is None:
                row = {"name": name, **_defaults(fields), "created_at": now, "updated_at": now}
                await conn.execute(t.insert().values(**row))
                return EventTypeRow.from_row(row), True
            await conn.execute(
                t.update().where(t.c.name == name).values(**_defaults(fields), updated_at=now)
            )
            updated = (await conn.execute(sa.select(t).where(t.c.name == name))).one()
            return EventTypeRow.from_row(updated), False

        return await self.db.transaction(work)

    async def patch(self, name: str, changes: dict[str, Any]) -> EventTypeRow:
        async with self.db.write() as conn:
            result = await conn.execute(
                t.update()
                .where(t.c.name == name)
                .values(**changes, updated_at=self.db.clock.now_ms())
            )
            if result.rowcount == 0:
                raise NotFound("event type", name)
            return EventTypeRow.from_row(
                (await conn.execute(sa.select(t).where(t.c.name == name))).one()
            )

    async def archive(self, name: str, expunge: bool = False) -> None:
        """DELETE archives an event type (as Svix does); `expunge` removes it for good."""
        async with self.db.write() as conn:
            if expunge:
                result = await conn.execute(t.delete().where(t.c.name == name))
            else:
                result = await conn.execute(
                    t.update()
                    .where(t.c.name == name)
                    .values(archived=True, updated_at=self.db.clock.now_ms())
                )
            if result.rowcount == 0:
                raise NotFound("event type", name)

    async def import_catalog(
        self, imported: dict[str, dict[str, Any]], replace_all: bool
    ) -> builtins.list[str]:
        """Create or replace each event type of `imported` (name → fields), unarchived, in
        one transaction (retry schedules are kept); with `replace_all`, archive every other
        one. Returns the names archived."""

        async def work(conn: AsyncConnection) -> builtins.list[str]:
            now = self.db.clock.now_ms()
            names = list(imported)
            existing = set(
                (await conn.execute(sa.select(t.c.name).where(t.c.name.in_(names)))).scalars()
            )
            for name, fields in imported.items():
                values = {**_defaults(fields), "archived": False}
                if name in existing:
                    values.pop("validate")  # kept, as the retry schedule is
                    await conn.execute(
                        t.update().where(t.c.name == name).values(**values, updated_at=now)
                    )
                else:
                    await conn.execute(
                        t.insert().values(name=name, **values, created_at=now, updated_at=now)
                    )
            if not replace_all:
                return []
            archived = await conn.execute(
                t.update()
                .where(t.c.archived.is_(False), t.c.name.not_in(names))
                .values(archived=True, updated_at=now)
                .returning(t.c.name)
            )
            return sorted(archived.scalars())

        return await self.db.transaction(work)


def _defaults(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": fields.get("description") or "",
        "archived": bool(fields.get("archived") or False),
        "deprecated": bool(fields.get("deprecated") or False),
        "schemas": fields.get("schemas"),
        "group_name": fields.get("group_name"),
        "feature_flags": fields.get("feature_flags"),
        "validate": bool(fields.get("validate") or False),
    }
