"""Applications (tenants). Addressed by id (`app_…`) or by the caller's `uid`; a key with the
shape of an id is only ever an id (see `lookups`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.store.errors import Conflict, NotFound
from hookline.store.lookups import by_key, refuse_id_shaped
from hookline.store.pagination import Page, fetch_page
from hookline.store.rows import ApplicationRow
from hookline.store.schema import applications, attempt_stats, attempts, endpoints, messages

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = applications
UID_TAKEN = "an application with that uid already exists"


async def resolve_app_id(conn: AsyncConnection, id_or_uid: str) -> str:
    row = (await _select(conn, id_or_uid, t.c.id)).first()
    if row is None:
        raise NotFound("application", id_or_uid)
    return str(row.id)


async def _select(conn: AsyncConnection, id_or_uid: str, *columns: Any) -> sa.CursorResult[Any]:
    query = sa.select(*(columns or (t,))).where(by_key(t.c.id, t.c.uid, id_or_uid))
    return await conn.execute(query)


async def insert_application(
    conn: AsyncConnection, fields: dict[str, Any], now: int
) -> ApplicationRow:
    refuse_id_shaped(fields.get("uid"), "uid", ("body", "uid"))
    row = {
        "id": ids.new_id(ids.APPLICATION, now),
        "uid": fields.get("uid"),
        "name": fields["name"],
        "throttle_rate": fields.get("throttle_rate"),
        "metadata": fields.get("metadata") or {},
        "created_at": now,
        "updated_at": now,
        "next_send_at": None,
    }
    await conn.execute(t.insert().values(**row))
    return ApplicationRow.from_row(row)


def _like_escaped(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (with `\\` as the escape character)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _read(conn: AsyncConnection, app_id: str) -> ApplicationRow:
    return ApplicationRow.from_row((await conn.execute(sa.select(t).where(t.c.id == app_id))).one())


class Applications:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def create(
        self, fields: dict[str, Any], get_if_exists: bool = False
    ) -> tuple[ApplicationRow, bool]:
        """Returns (row, created); with `get_if_exists`, an application with that uid is
        returned as it is instead of being a conflict."""
        uid = fields.get("uid")

        async def work(conn: AsyncConnection) -> tuple[ApplicationRow, bool]:
            if uid is not None:
                existing = (await conn.execute(sa.select(t).where(t.c.uid == uid))).first()
                if existing is not None:
                    if get_if_exists:
                        return ApplicationRow.from_row(existing), False
                    raise Conflict(f"an application with uid {uid!r} already exists")
            return await insert_application(conn, fields, self.db.clock.now_ms()), True

        return await self.db.transaction(work, UID_TAKEN)

    async def resolve(self, id_or_uid: str) -> str | None:
        """The id of the application `id_or_uid` names, or None if there is none."""
        async with self.db.read() as conn:
            row = (await _select(conn, id_or_uid, t.c.id)).first()
        return None if row is None else str(row.id)

    async def get(self, id_or_uid: str) -> ApplicationRow:
        async with self.db.read() as conn:
            row = (await _select(conn, id_or_uid)).first()
        if row is None:
            raise NotFound("application", id_or_uid)
        return ApplicationRow.from_row(row)

    async def list(
        self,
        limit: int,
        iterator: str | None,
        descending: bool = False,
        without_endpoints: bool = True,
        only_disabled_endpoints: bool = True,
    ) -> Page[ApplicationRow]:
        """`without_endpoints=False` leaves out applications that have no endpoint;
        `only_disabled_endpoints=False` those whose endpoints are all disabled."""
        query = sa.select(t)
        e = endpoints
        if not without_endpoints:
            query = query.where(sa.exists().where(e.c.app_id == t.c.id))
        if not only_disabled_endpoints:
            has_some = sa.exists().where(e.c.app_id == t.c.id)
            has_enabled = sa.exists().where(e.c.app_id == t.c.id, e.c.disabled.is_(False))
            query = query.where(sa.or_(~has_some, has_enabled))
        async with self.db.read() as conn:
            return await fetch_page(
                conn, query, t.c.id, limit, iterator, descending, ApplicationRow.from_row
            )

    async def search(self, text: str, limit: int, iterator: str | None) -> Page[ApplicationRow]:
        """Newest first, those whose name contains `text` (any case) or whose uid or id
        starts with it. Keyset pages over the primary key: no count of all matches."""
        query = sa.select(t)
        text = text.strip()
        if text:
            pattern = _like_escaped(text)
            query = query.where(
                sa.or_(
                    sa.func.lower(t.c.name).like(f"%{pattern.lower()}%", escape="\\"),
                    t.c.uid.like(f"{pattern}%", escape="\\"),
                    t.c.id.like(f"{pattern}%", escape="\\"),
                )
            )
        async with self.db.read() as conn:
            return await fetch_page(
                conn, query, t.c.id, limit, iterator, True, ApplicationRow.from_row
            )

    async def update(self, id_or_uid: str, changes: dict[str, Any]) -> ApplicationRow:
        """Apply `changes` (column → value) to an existing application."""
        refuse_id_shaped(changes.get("uid"), "uid", ("body", "uid"))

        async def work(conn: AsyncConnection) -> ApplicationRow:
            app_id = await resolve_app_id(conn, id_or_uid)
            if changes:
                await conn.execute(
                    t.update()
                    .where(t.c.id == app_id)
                    .values(**changes, updated_at=self.db.clock.now_ms())
                )
            return await _read(conn, app_id)

        return await self.db.transaction(work, UID_TAKEN)

    async def upsert(self, id_or_uid: str, fields: dict[str, Any]) -> tuple[ApplicationRow, bool]:
        """PUT: replace the application, or create it with that uid. Returns (row, created)."""
        refuse_id_shaped(fields.get("uid"), "uid", ("body", "uid"))

        async def work(conn: AsyncConnection) -> tuple[ApplicationRow, bool]:
            try:
                app_id = await resolve_app_id(conn, id_or_uid)
            except NotFound:
                # Ids are assigned by Hookline: a PUT can only create by uid.
                refuse_id_shaped(id_or_uid, "uid", ("path", "app_id"))
                return await insert_application(
                    conn, {**fields, "uid": fields.get("uid") or id_or_uid}, self.db.clock.now_ms()
                ), True
            values = {
                "name": fields["name"],
                "throttle_rate": fields.get("throttle_rate"),
                "metadata": fields.get("metadata") or {},
                "updated_at": self.db.clock.now_ms(),
            }
            if "uid" in fields:
                values["uid"] = fields["uid"]
            await conn.execute(t.update().where(t.c.id == app_id).values(**values))
            return await _read(conn, app_id), False

        return await self.db.transaction(work, UID_TAKEN)

    async def delete(self, id_or_uid: str) -> None:
        async with self.db.write() as conn:
            app_id = await resolve_app_id(conn, id_or_uid)
            await conn.execute(attempts.delete().where(attempts.c.app_id == app_id))
            # The counters have no foreign key (they outlive pruned attempts), so they go here.
            await conn.execute(attempt_stats.delete().where(attempt_stats.c.app_id == app_id))
            await conn.execute(messages.delete().where(messages.c.app_id == app_id))
            await conn.execute(t.delete().where(t.c.id == app_id))
