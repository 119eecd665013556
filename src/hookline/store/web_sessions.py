"""Browser sessions of the dashboard (`kind` "admin") and the portal (`kind` "portal").

The cookie carries 256 random bits; only their SHA-256 is stored, so a copy of the database
opens no session. A session ends when it expires or is revoked (sign-out); both are checked
on every lookup, so revoking takes effect on the next request. Rows past their expiry are
removed whenever a new session starts (the `expires_at` index keeps that cheap).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hookline.store.rows import WebSessionRow
from hookline.store.schema import app_tokens, web_sessions

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = web_sessions
ADMIN = "admin"
PORTAL = "portal"


def session_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class WebSessions:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def start(
        self,
        kind: str,
        lifetime_ms: int,
        app_id: str | None = None,
        token_hash: str | None = None,
    ) -> tuple[str, WebSessionRow]:
        """A new session. Returns (cookie value, row); the value is not stored."""
        value = secrets.token_urlsafe(32)
        now = self.db.clock.now_ms()
        row = {
            "id_hash": session_hash(value),
            "kind": kind,
            "app_id": app_id,
            "token_hash": token_hash,
            "csrf_token": secrets.token_urlsafe(32),
            "created_at": now,
            "expires_at": now + lifetime_ms,
            "revoked_at": None,
        }
        async with self.db.write() as conn:
            await conn.execute(t.delete().where(t.c.expires_at <= now))
            await conn.execute(t.insert().values(**row))
        return value, WebSessionRow.from_row(row)

    async def find(self, value: str, kind: str) -> WebSessionRow | None:
        """The live session of `kind` behind a cookie value: not expired, not revoked, and
        for a session opened with an application token (the portal's), that token still
        live: expiring, revoking or `expire-all` on the token ends the session too."""
        now = self.db.clock.now_ms()
        query = (
            sa.select(t)
            .outerjoin(app_tokens, app_tokens.c.token_hash == t.c.token_hash)
            .where(
                t.c.id_hash == session_hash(value),
                t.c.kind == kind,
                t.c.expires_at > now,
                t.c.revoked_at.is_(None),
                sa.or_(t.c.token_hash.is_(None), app_tokens.c.expires_at > now),
            )
        )
        async with self.db.read() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else WebSessionRow.from_row(row)

    async def revoke(self, id_hash: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                t.update()
                .where(t.c.id_hash == id_hash, t.c.revoked_at.is_(None))
                .values(revoked_at=self.db.clock.now_ms())
            )
