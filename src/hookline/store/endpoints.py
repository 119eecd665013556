"""Endpoints: the URLs that receive an application's messages, with their filters and secret."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.secrets_at_rest import (
    ENDPOINT_SECRET,
    TLS_CLIENT_KEY,
    SecretBox,
    WrongSecretKey,
    sealed_key_id,
)
from hookline.store.applications import resolve_app_id
from hookline.store.endpoint_health import release_parked
from hookline.store.endpoint_secrets import (
    DEFAULT_GRACE_MS,
    open_secret,
    rotated,
    seal_secret,
    tls_columns,
)
from hookline.store.errors import InvalidKey, NotFound
from hookline.store.lookups import by_key, refuse_id_shaped
from hookline.store.pagination import Page, fetch_page
from hookline.store.rows import EndpointRow
from hookline.store.schema import deliveries, endpoints

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = endpoints
# Columns a caller may set; `secret` only at creation (rotation is its own operation).
MUTABLE = (
    "uid",
    "url",
    "description",
    "disabled",
    "event_types",
    "channels",
    "metadata",
    "headers",
    "throttle_rate",
    "fifo",
    "keep_messages_while_disabled",
)
NEW_ENDPOINT_HEALTH = {
    "failure_streak": 0,
    "failing_since": None,
    "circuit_until": None,
    "circuit_failures": 0,
    "disabled_reason": None,
    "next_send_at": None,
}
# Parked deliveries of a re-enabled endpoint become due at this rate, oldest first.
RELEASE_PER_SECOND = 50.0


async def _resolve(conn: AsyncConnection, app_id: str, id_or_uid: str) -> EndpointRow:
    row = (
        await conn.execute(
            sa.select(t).where(t.c.app_id == app_id, by_key(t.c.id, t.c.uid, id_or_uid))
        )
    ).first()
    if row is None:
        raise NotFound("endpoint", id_or_uid)
    return EndpointRow.from_row(row)


UID_TAKEN = "an endpoint with that uid already exists in this application"
NO_TLS = {"tls_client_cert": None, "tls_client_key": None, "tls_ca_cert": None}


class Endpoints:
    def __init__(self, db: Connections) -> None:
        self.db = db

    def _sealed(self, fields: dict[str, Any]) -> dict[str, Any]:
        """`fields` with a `tls` entry (EndpointTls or None) turned into its sealed columns."""
        if "tls" not in fields:
            return fields
        rest = {k: v for k, v in fields.items() if k != "tls"}
        return {**rest, **tls_columns(self.db.secret_box, fields["tls"])}

    async def create(self, app: str, fields: dict[str, Any], secret: str) -> EndpointRow:
        """`secret` is the plaintext signing secret; it is stored sealed."""
        sealed, columns = seal_secret(self.db.secret_box, secret), self._sealed(fields)

        async def work(conn: AsyncConnection) -> EndpointRow:
            return await _insert(
                conn, await resolve_app_id(conn, app), columns, sealed, self.db.clock.now_ms()
            )

        return await self.db.transaction(work, UID_TAKEN)

    async def get(self, app: str, id_or_uid: str) -> EndpointRow:
        async with self.db.read() as conn:
            return await _resolve(conn, await resolve_app_id(conn, app), id_or_uid)

    async def list(
        self, app: str, limit: int, iterator: str | None, descending: bool = False
    ) -> Page[EndpointRow]:
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            query = sa.select(t).where(t.c.app_id == app_id)
            return await fetch_page(
                conn, query, t.c.id, limit, iterator, descending, EndpointRow.from_row
            )

    async def update(self, app: str, id_or_uid: str, changes: dict[str, Any]) -> EndpointRow:
        refuse_id_shaped(changes.get("uid"), "uid", ("body", "uid"))
        columns = self._sealed(changes)

        async def work(conn: AsyncConnection) -> EndpointRow:
            current = await _resolve(conn, await resolve_app_id(conn, app), id_or_uid)
            return await _update(conn, current, columns, self.db.clock.now_ms())

        return await self.db.transaction(work, UID_TAKEN)

    async def upsert(
        self, app: str, id_or_uid: str, fields: dict[str, Any], secret: str
    ) -> tuple[EndpointRow, bool]:
        """PUT: replace every mutable field, or create the endpoint with that uid. Like the
        secret, TLS settings are kept unless the body gives `tls`."""
        refuse_id_shaped(fields.get("uid"), "uid", ("body", "uid"))
        sealed, columns = seal_secret(self.db.secret_box, secret), self._sealed(fields)
        tls = {k: v for k, v in columns.items() if k.startswith("tls_")}

        async def work(conn: AsyncConnection) -> tuple[EndpointRow, bool]:
            app_id = await resolve_app_id(conn, app)
            try:
                current = await _resolve(conn, app_id, id_or_uid)
            except NotFound:
                # Ids are assigned by Hookline: a PUT can only create by uid.
                refuse_id_shaped(id_or_uid, "uid", ("path", "endpoint_id"))
                created_fields = {**columns, "uid": fields.get("uid") or id_or_uid}
                return await _insert(
                    conn, app_id, created_fields, sealed, self.db.clock.now_ms()
                ), True
            replacement = _with_defaults(fields)
            if "uid" not in fields:
                del replacement["uid"]  # a PUT keeps the uid unless the body names another
            return await _update(
                conn, current, {**replacement, **tls}, self.db.clock.now_ms()
            ), False

        return await self.db.transaction(work, UID_TAKEN)

    async def secret(self, app: str, id_or_uid: str) -> str:
        """The current signing secret, in plaintext."""
        row = await self.get(app, id_or_uid)
        return open_secret(self.db.secret_box, row.secret)

    async def rotate_secret(
        self, app: str, id_or_uid: str, new_secret: str, grace_ms: int = DEFAULT_GRACE_MS
    ) -> EndpointRow:
        """Make `new_secret` the signing secret; the outgoing one keeps signing beside it for
        `grace_ms` (see endpoint_secrets.rotated)."""
        sealed = seal_secret(self.db.secret_box, new_secret)

        async def work(conn: AsyncConnection) -> EndpointRow:
            current = await _resolve(conn, await resolve_app_id(conn, app), id_or_uid)
            now = self.db.clock.now_ms()
            previous = rotated(current.secret, current.previous_secrets, now, grace_ms)
            await conn.execute(
                t.update()
                .where(t.c.id == current.id)
                .values(secret=sealed, previous_secrets=previous, updated_at=now)
            )
            return replace(current, secret=sealed, previous_secrets=previous, updated_at=now)

        return await self.db.transaction(work)

    async def seal_secrets(self) -> int:
        """Start-up step: seal secrets stored in plaintext (rows from before encryption, i.e.
        migration 0001) or under a previous secret key; returns how many rows changed. Each
        update is conditional on the value read, so processes starting together on one
        database do not undo each other. Refuses to start (WrongSecretKey) when values were
        sealed under a key it was not given: every delivery would fail."""
        box = self.db.secret_box
        if box is None:
            return 0
        current = f"enc1:{box.key_id}:%"
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    sa.select(t.c.id, t.c.secret, t.c.previous_secrets, t.c.tls_client_key).where(
                        sa.or_(
                            t.c.secret.not_like(current),
                            sa.and_(
                                t.c.tls_client_key.is_not(None),
                                t.c.tls_client_key.not_like(current),
                            ),
                            t.c.previous_secrets.is_not(None),
                        )
                    )
                )
            ).all()
        changed = 0
        for row in rows:
            values = _resealed(box, row)
            if not values:
                continue
            async with self.db.write() as conn:
                result = await conn.execute(
                    t.update().where(t.c.id == row.id, t.c.secret == row.secret).values(**values)
                )
                changed += result.rowcount
        return changed

    async def enabled_filters(
        self, app: str
    ) -> Sequence[tuple[tuple[str, ...] | None, tuple[str, ...] | None]]:
        """The (event types, channels) filters of the application's enabled endpoints: what
        publishing routes by (routing.endpoint_accepts)."""
        async with self.db.read() as conn:
            app_id = await resolve_app_id(conn, app)
            rows = await conn.execute(
                sa.select(t.c.event_types, t.c.channels).where(
                    t.c.app_id == app_id, t.c.disabled.is_(False)
                )
            )
            return [
                (
                    None if r.event_types is None else tuple(r.event_types),
                    None if r.channels is None else tuple(r.channels),
                )
                for r in rows
            ]

    async def change_headers(
        self,
        app: str,
        id_or_uid: str,
        change: Callable[[dict[str, str]], dict[str, str]],
    ) -> EndpointRow:
        """Set the custom headers to `change(current headers)`, in one transaction (so two
        patches at once both count). `change` is pure; what it raises is raised here."""

        async def work(conn: AsyncConnection) -> EndpointRow:
            current = await _resolve(conn, await resolve_app_id(conn, app), id_or_uid)
            return await _update(
                conn, current, {"headers": change(dict(current.headers))}, self.db.clock.now_ms()
            )

        return await self.db.transaction(work, UID_TAKEN)

    async def delete(self, app: str, id_or_uid: str) -> None:
        async with self.db.write() as conn:
            current = await _resolve(conn, await resolve_app_id(conn, app), id_or_uid)
            await conn.execute(deliveries.delete().where(deliveries.c.endpoint_id == current.id))
            await conn.execute(t.delete().where(t.c.id == current.id))


def _resealed(box: SecretBox, row: Any) -> dict[str, Any]:
    """Column values to write so that every secret of `row` is sealed under the current key."""
    previous = row.previous_secrets or []
    for value in (row.secret, row.tls_client_key, *(p["secret"] for p in previous)):
        kid = sealed_key_id(value) if value else None
        if kid is not None and kid not in box.known_key_ids:
            raise WrongSecretKey(
                f"endpoint {row.id} has secrets sealed under another HOOKLINE_SECRET_KEY "
                f"(key id {kid}; this one is {box.key_id}). Start with the key the database "
                "was sealed with, or give it as HOOKLINE_SECRET_KEY_PREVIOUS to move to a new one."
            )

    def reseal(value: str, purpose: str) -> str:
        return box.seal(box.open(value, purpose), purpose)

    values: dict[str, Any] = {}
    if box.needs_sealing(row.secret):
        values["secret"] = reseal(row.secret, ENDPOINT_SECRET)
    if row.tls_client_key and box.needs_sealing(row.tls_client_key):
        values["tls_client_key"] = reseal(row.tls_client_key, TLS_CLIENT_KEY)
    if any(box.needs_sealing(p["secret"]) for p in previous):
        values["previous_secrets"] = [
            {**p, "secret": reseal(p["secret"], ENDPOINT_SECRET)} for p in previous
        ]
    return values


async def _insert(
    conn: AsyncConnection, app_id: str, fields: dict[str, Any], secret: str, now: int
) -> EndpointRow:
    """`fields` may carry the sealed TLS columns besides the mutable fields; `secret` is sealed."""
    refuse_id_shaped(fields.get("uid"), "uid", ("body", "uid"))
    row = {
        "id": ids.new_id(ids.ENDPOINT, now),
        "app_id": app_id,
        **_with_defaults(fields),
        **NO_TLS,
        **{k: v for k, v in fields.items() if k.startswith("tls_")},
        "previous_secrets": None,
        "secret": secret,
        "created_at": now,
        "updated_at": now,
        **NEW_ENDPOINT_HEALTH,
    }
    await conn.execute(t.insert().values(**row))
    return EndpointRow.from_row(row)


async def _update(
    conn: AsyncConnection, current: EndpointRow, changes: dict[str, Any], now: int
) -> EndpointRow:
    """Apply `changes`; re-enabling an endpoint releases the deliveries parked meanwhile."""
    if current.kind == "relay" and changes.get("url", current.url) != current.url:
        # Its deliveries go to its listener, whatever the URL says: one would mislead.
        raise InvalidKey(
            "a relay endpoint's URL cannot be changed (it is its listener's)", ("body", "url")
        )
    if changes:
        await conn.execute(t.update().where(t.c.id == current.id).values(**changes, updated_at=now))
    if current.disabled and changes.get("disabled") is False:
        # A fresh start: forget the failures that disabled it, and send what waited.
        await conn.execute(
            t.update()
            .where(t.c.id == current.id)
            .values(
                disabled_reason=None,
                failure_streak=0,
                failing_since=None,
                circuit_until=None,
                circuit_failures=0,
            )
        )
        await release_parked(conn, current.id, now, RELEASE_PER_SECOND)
    elif changes.get("disabled") is True and not current.disabled:
        await conn.execute(
            t.update().where(t.c.id == current.id).values(disabled_reason="disabled by a user")
        )
    return EndpointRow.from_row(
        (await conn.execute(sa.select(t).where(t.c.id == current.id))).one()
    )


def _with_defaults(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "uid": fields.get("uid"),
        "url": fields["url"],
        "description": fields.get("description") or "",
        "disabled": bool(fields.get("disabled") or False),
        "event_types": fields.get("event_types") or None,
        "channels": fields.get("channels") or None,
        "metadata": fields.get("metadata") or {},
        "headers": fields.get("headers") or {},
        "throttle_rate": fields.get("throttle_rate"),
        "fifo": bool(fields.get("fifo") or False),
        "keep_messages_while_disabled": fields.get("keep_messages_while_disabled"),
    }
