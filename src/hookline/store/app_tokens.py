"""Application tokens: bearer tokens limited to one application (Svix's app-portal access).

Only the SHA-256 of a token is stored. Tokens are 256 random bits, so a plain hash (no salt, no
slow KDF) is enough: nothing can be guessed from it, and the lookup is an index probe.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hookline.store.applications import resolve_app_id
from hookline.store.rows import AppTokenRow
from hookline.store.schema import app_tokens, applications

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = app_tokens
TOKEN_PREFIX = "hl_app_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AppToken:
    """What an application token grants, as found at request time."""

    token_hash: str
    app_id: str
    read_only: bool
    capabilities: tuple[str, ...] | None  # None: all of them
    expires_at: int
    # Set: the token may only read this polling endpoint (an endpoint id) and its consumers.
    polling_endpoint_id: str | None = None


class AppTokens:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def issue(
        self,
        app: str,
        expiry_ms: int,
        read_only: bool = False,
        capabilities: list[str] | None = None,
        session_id: str | None = None,
        polling_endpoint_id: str | None = None,
    ) -> tuple[str, AppTokenRow]:
        """A new token for the application `app` (id or uid). Returns (token, row); the token
        itself is not stored and cannot be shown again."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.db.clock.now_ms()
        async with self.db.write() as conn:
            app_id = await resolve_app_id(conn, app)
            # Expired tokens only take space: clear this application's on each issue.
            await conn.execute(t.delete().where(t.c.app_id == app_id, t.c.expires_at <= now))
            row = {
                "token_hash": token_hash(token),
                "app_id": app_id,
                "read_only": read_only,
                "capabilities": capabilities,
                "session_id": session_id,
                "polling_endpoint_id": polling_endpoint_id,
                "created_at": now,
                "expires_at": now + expiry_ms,
            }
            await conn.execute(t.insert().values(**row))
        return token, AppTokenRow.from_row(row)

    async def find(self, token: str) -> AppToken | None:
        """The grant behind `token` if it exists and has not expired."""
        query = (
            sa.select(t)
            .join(applications, applications.c.id == t.c.app_id)
            .where(t.c.token_hash == token_hash(token), t.c.expires_at > self.db.clock.now_ms())
        )
        async with self.db.read() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return AppToken(
            token_hash=row.token_hash,
            app_id=row.app_id,
            read_only=row.read_only,
            capabilities=tuple(row.capabilities) if row.capabilities is not None else None,
            expires_at=row.expires_at,
            polling_endpoint_id=row.polling_endpoint_id,
        )

    async def grant(self, hashed: str) -> AppToken | None:
        """The live grant of the token whose SHA-256 is `hashed` (a portal session's). A
        token limited to a polling endpoint opens no portal: none."""
        query = sa.select(t).where(
            t.c.token_hash == hashed,
            t.c.expires_at > self.db.clock.now_ms(),
            t.c.polling_endpoint_id.is_(None),
        )
        async with self.db.read() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return AppToken(
            token_hash=row.token_hash,
            app_id=row.app_id,
            read_only=row.read_only,
            capabilities=tuple(row.capabilities) if row.capabilities is not None else None,
            expires_at=row.expires_at,
        )

    async def expire_all(
        self, app: str, within_ms: int = 0, session_ids: list[str] | None = None
    ) -> int:
        """Make the application's tokens (only those of `session_ids`, if given) expire within
        `within_ms`; returns how many were cut short."""
        async with self.db.write() as conn:
            app_id = await resolve_app_id(conn, app)
            deadline = self.db.clock.now_ms() + within_ms
            query = t.update().where(t.c.app_id == app_id, t.c.expires_at > deadline)
            if session_ids:
                query = query.where(t.c.session_id.in_(session_ids))
            return (await conn.execute(query.values(expires_at=deadline))).rowcount

    async def revoke(self, hashed: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(t.delete().where(t.c.token_hash == hashed))
