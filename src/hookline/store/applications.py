"""Applications (tenants). Addressed by id (`app_…`) or by the caller's `uid`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.store.clock import now_ms
from hookline.store.errors import Conflict, NotFound
from hookline.store.pagination import Page, fetch_page
from hookline.store.schema import applications, attempts, messages

if TYPE_CHECKING:
    from hookline.store.database import Database

t = applications


async def resolve_app_id(conn: AsyncConnection, id_or_uid: str) -> str:
    row = (
        await conn.execute(
            sa.select(t.c.id).where(sa.or_(t.c.id == id_or_uid, t.c.uid == id_or_uid))
        )
    ).first()
    if row is None:
        raise NotFound("application", id_or_uid)
    return str(row.id)


class Applications:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        name: str,
        uid: str | None = None,
        throttle_rate: int | None = None,
        metadata: dict[str, str] | None = None,
        get_if_exists: bool = False,
    ) -> dict[str, Any]:
        async with self.db.write() as conn:
            if uid is not None:
                existing = (await conn.execute(sa.select(t).where(t.c.uid == uid))).first()
                if existing is not None:
                    if get_if_exists:
                        return dict(existing._mapping)
                    raise Conflict(f"an application with uid {uid!r} already exists")
            return await self._insert(conn, name, uid, throttle_rate, metadata or {})

    async def _insert(
        self,
        conn: AsyncConnection,
        name: str,
        uid: str | None,
        throttle_rate: int | None,
        metadata: dict[str, str],
    ) -> dict[str, Any]:
        now = now_ms()
        row = {
            "id": ids.new_id(ids.APPLICATION, now),
            "uid": uid,
            "name": name,
            "throttle_rate": throttle_rate,
            "metadata": metadata,
            "created_at": now,
            "updated_at": now,
        }
        try:
            await conn.execute(t.insert().values(**row))
        except IntegrityError as exc:
            raise Conflict(f"an application with uid {uid!r} already exists") from exc
        return row

    async def get(self, id_or_uid: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(t).where(sa.or_(t.c.id == id_or_uid, t.c.uid == id_or_uid))
                )
            ).first()
        if row is None:
            raise NotFound("application", id_or_uid)
        return dict(row._mapping)

    async def list(self, limit: int, iterator: str | None, descending: bool = False) -> Page:
        async with self.db.read() as conn:
            return await fetch_page(conn, sa.select(t), t.c.id, limit, iterator, descending)

    async def update(self, id_or_uid: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply `changes` (column → value) to an existing application."""
        async with self.db.write() as conn:
            app_id = await resolve_app_id(conn, id_or_uid)
            if changes:
                try:
                    await conn.execute(
                        t.update().where(t.c.id == app_id).values(**changes, updated_at=now_ms())
                    )
                except IntegrityError as exc:
                    raise Conflict("an application with that uid already exists") from exc
            row = (await conn.execute(sa.select(t).where(t.c.id == app_id))).one()
            return dict(row._mapping)

    async def upsert(self, id_or_uid: str, fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """PUT semantics: replace the application, or create it (with that uid) if absent."""
        async with self.db.write() as conn:
            try:
                app_id = await resolve_app_id(conn, id_or_uid)
            except NotFound:
                uid = fields.get("uid") or (
                    None if ids.has_prefix(id_or_uid, ids.APPLICATION) else id_or_uid
                )
                row = await self._insert(
                    conn,
                    fields["name"],
                    uid,
                    fields.get("throttle_rate"),
                    fields.get("metadata") or {},
                )
                return row, True
            values = {
                "name": fields["name"],
                "throttle_rate": fields.get("throttle_rate"),
                "metadata": fields.get("metadata") or {},
                "updated_at": now_ms(),
            }
            if "uid" in fields:
                values["uid"] = fields["uid"]
            try:
                await conn.execute(t.update().where(t.c.id == app_id).values(**values))
            except IntegrityError as exc:
                raise Conflict("an application with that uid already exists") from exc
            row = (await conn.execute(sa.select(t).where(t.c.id == app_id))).one()
            return dict(row._mapping), False

    async def delete(self, id_or_uid: str) -> None:
        async with self.db.write() as conn:
            app_id = await resolve_app_id(conn, id_or_uid)
            await conn.execute(attempts.delete().where(attempts.c.app_id == app_id))
            await conn.execute(messages.delete().where(messages.c.app_id == app_id))
            await conn.execute(t.delete().where(t.c.id == app_id))
