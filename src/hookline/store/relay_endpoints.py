"""Relay endpoints (`hookline listen`): ordinary endpoint rows of kind `relay`, so filters,
signing, retries, attempts, statistics and the dashboard work for them unchanged.

A listener's session name is the endpoint's uid (`listen-<name>`): a listener that reconnects
after a crash, or is started again, resumes the same endpoint (same secret; what was retried
meanwhile arrives). The worker whose process holds the socket is its owner until a heartbeat
expiry that the socket renews; other workers do not claim its deliveries meanwhile
(store.deliveries.claim_due).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.store.applications import resolve_app_id
from hookline.store.endpoint_health import release_parked
from hookline.store.endpoint_secrets import open_secret, seal_secret
from hookline.store.endpoints import NEW_ENDPOINT_HEALTH, NO_TLS, RELEASE_PER_SECOND
from hookline.store.errors import Conflict
from hookline.store.rows import EndpointRow
from hookline.store.schema import deliveries, endpoints
from hookline.types import DeliveryStatus

if TYPE_CHECKING:
    from hookline.store.connections import Connections

t = endpoints
UID_PREFIX = "listen-"
KIND = "relay"
STOPPED = "the listener stopped"


def relay_url(endpoint_id: str) -> str:
    """A relay's `url`: a placeholder of its own, never dialled (and refused by the API)."""
    return f"relay://{endpoint_id}"


class RelayEndpoints:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def attach(
        self,
        app: str,
        name: str,
        event_types: list[str] | None,
        owner: str,
        owner_until_ms: int,
        new_secret: str,
    ) -> tuple[EndpointRow, str, bool]:
        """Create the session's relay endpoint, or resume it: enabled, with these filters,
        owned by `owner`, its health forgotten, and what waited for it due now. Returns the
        row, its plaintext secret, and whether it was created. `new_secret` is used only to
        create. A listener taking over a name from another (e.g. a crashed one whose socket
        is still open) takes the ownership with it."""
        uid = UID_PREFIX + name
        sealed = seal_secret(self.db.secret_box, new_secret)

        async def work(conn: AsyncConnection) -> tuple[EndpointRow, bool]:
            app_id = await resolve_app_id(conn, app)
            now = self.db.clock.now_ms()
            found = (
                await conn.execute(sa.select(t).where(t.c.app_id == app_id, t.c.uid == uid))
            ).first()
            if found is None:
                endpoint_id = ids.new_id(ids.ENDPOINT, now)
                row: dict[str, Any] = {
                    "id": endpoint_id,
                    "app_id": app_id,
                    "uid": uid,
                    "url": relay_url(endpoint_id),
                    "description": f"hookline listen: {name}",
                    "disabled": False,
                    "event_types": event_types or None,
                    "channels": None,
                    "metadata": {},
                    "headers": {},
                    "throttle_rate": None,
                    "fifo": False,
                    # A listener that stopped on purpose gets nothing kept for it meanwhile.
                    "keep_messages_while_disabled": False,
                    **NO_TLS,
                    "previous_secrets": None,
                    "secret": sealed,
                    "created_at": now,
                    "updated_at": now,
                    **NEW_ENDPOINT_HEALTH,
                    "kind": KIND,
                    "relay_owner": owner,
                    "relay_owner_until": owner_until_ms,
                }
                await conn.execute(t.insert().values(**row))
                return EndpointRow.from_row(row), True
            current = EndpointRow.from_row(found)
            if current.kind != KIND:
                raise Conflict(
                    f"endpoint uid {uid!r} is taken by an endpoint that is not a relay: "
                    "choose another --name"
                )
            await conn.execute(
                t.update()
                .where(t.c.id == current.id)
                .values(
                    event_types=event_types or None,
                    disabled=False,
                    disabled_reason=None,
                    failure_streak=0,
                    failing_since=None,
                    circuit_until=None,
                    circuit_failures=0,
                    relay_owner=owner,
                    relay_owner_until=owner_until_ms,
                    updated_at=now,
                )
            )
            # What the breaker parked, and retries waiting for their time: due now, since the
            # listener is back (FIFO, leases and throttles are still the claim's business).
            await release_parked(conn, current.id, now, RELEASE_PER_SECOND)
            await conn.execute(
                deliveries.update()
                .where(
                    deliveries.c.endpoint_id == current.id,
                    deliveries.c.status == int(DeliveryStatus.PENDING),
                    deliveries.c.due_at > now,
                )
                .values(due_at=now)
            )
            resumed = (await conn.execute(sa.select(t).where(t.c.id == current.id))).one()
            return EndpointRow.from_row(resumed), False

        row, created = await self.db.transaction(work, "a relay endpoint with that name exists")
        self.db.notify_published()  # due now: wake the workers
        return row, open_secret(self.db.secret_box, row.secret), created

    async def renew(self, endpoint_id: str, owner: str, owner_until_ms: int) -> bool:
        """Extend the ownership; False if `owner` no longer holds it (another listener took
        the name over, or the endpoint was deleted)."""
        async with self.db.write(durable=False) as conn:
            result = await conn.execute(
                t.update()
                .where(t.c.id == endpoint_id, t.c.relay_owner == owner)
                .values(relay_owner_until=owner_until_ms)
            )
            return bool(result.rowcount)

    async def detach(self, endpoint_id: str, owner: str, stopped: bool) -> None:
        """The socket closed. `stopped`: the listener exited cleanly, so the endpoint is
        disabled (kept, with its secret and history, for the next session of that name);
        otherwise it stays enabled and its deliveries fail with `connection` and retry until
        a listener is back."""
        values: dict[str, object] = {"relay_owner": None, "relay_owner_until": None}
        if stopped:
            values.update(disabled=True, disabled_reason=STOPPED, updated_at=self.db.clock.now_ms())
        async with self.db.write() as conn:
            await conn.execute(
                t.update().where(t.c.id == endpoint_id, t.c.relay_owner == owner).values(**values)
            )
