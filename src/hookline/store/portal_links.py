"""Single-use portal links: the one-time code a portal link carries in its fragment.

Only the code's SHA-256 is stored, bound to the application token issued in the same call
and expiring with it. Consuming is one conditional UPDATE (`used_at IS NULL`): of two
requests with the same code, exactly one wins, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hookline.store.rows import AppTokenRow
from hookline.store.schema import app_tokens, portal_links

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = portal_links


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class PortalLinks:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def create(self, token: AppTokenRow) -> str:
        """A new code for the application token `token` (valid as long as the token)."""
        code = secrets.token_urlsafe(32)
        async with self.db.write() as conn:
            # Used and expired codes only take space: clear them on each issue.
            await conn.execute(
                t.delete().where(
                    sa.or_(t.c.expires_at <= self.db.clock.now_ms(), t.c.used_at.is_not(None))
                )
            )
            await conn.execute(
                t.insert().values(
                    code_hash=code_hash(code),
                    token_hash=token.token_hash,
                    expires_at=token.expires_at,
                    used_at=None,
                )
            )
        return code

    async def consume(self, code: str) -> AppTokenRow | None:
        """The application token the code was issued with, if the code is unused and both
        are live; the code is used up by this call. None: unknown, used, or expired."""
        now = self.db.clock.now_ms()
        hashed = code_hash(code)
        async with self.db.write() as conn:
            used = await conn.execute(
                t.update()
                .where(t.c.code_hash == hashed, t.c.used_at.is_(None), t.c.expires_at > now)
                .values(used_at=now)
            )
            if used.rowcount != 1:
                return None
            row = (
                await conn.execute(
                    sa.select(app_tokens)
                    .join(t, t.c.token_hash == app_tokens.c.token_hash)
                    .where(t.c.code_hash == hashed, app_tokens.c.expires_at > now)
                )
            ).first()
        return None if row is None else AppTokenRow.from_row(row)
