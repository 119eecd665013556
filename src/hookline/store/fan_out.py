"""The fan-out of a publish: the routes (endpoints and their filters) of the applications in a
batch, and the insert of the deliveries that routing chose.

Both run inside the publish transaction, so a 202 still means every delivery is stored.
They are written for size: one publish may reach 10,000 endpoints. SQLAlchemy's per-row work
(result processors for the JSON filter columns, a parameter dict per inserted row) cost more
than the database's own work there, so the routes are read with the filters as plain text
(decoded here only where an endpoint has one) and the deliveries are inserted from columns:
one `INSERT … SELECT FROM unnest(…)` on PostgreSQL, the driver's own `executemany` of tuples
on SQLite (where a round trip is a function call, not a network exchange).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.store.schema import applications, endpoints
from hookline.types import DeliveryStatus, TriggerType


@dataclass(frozen=True, slots=True)
class Route:
    """An endpoint as routing sees it (routing.recipients)."""

    endpoint_id: str
    event_types: tuple[str, ...] | None
    channels: tuple[str, ...] | None
    fifo: bool
    disabled: bool = False
    keeps_while_disabled: bool | None = None  # None: as the server's setting says


@dataclass
class NewDeliveries:
    """Deliveries to insert, as columns (one entry per delivery in each list)."""

    app_ids: list[str] = field(default_factory=list)
    msg_ids: list[str] = field(default_factory=list)
    endpoint_ids: list[str] = field(default_factory=list)
    due_at: list[int | None] = field(default_factory=list)
    fifo: list[bool] = field(default_factory=list)
    # Not inserted: what the hand-off needs to know (hookline.handoff).
    disabled: list[bool] = field(default_factory=list)
    scheduled: list[bool] = field(default_factory=list)  # the message has a deliverAt

    def add(
        self, app_id: str, msg_id: str, now: int, deliver_at: int | None, routes: Collection[Route]
    ) -> None:
        """One message's deliveries to `routes` (list multiplication: no per-row Python).

        A disabled endpoint's delivery is parked (no due time) until it is enabled again, as
        the worker parks those it claims (store.deliveries); a scheduled one keeps its time,
        and is parked then if the endpoint is still disabled."""
        count = len(routes)
        self.app_ids += [app_id] * count
        self.msg_ids += [msg_id] * count
        due = deliver_at or now
        self.due_at += [deliver_at if route.disabled else due for route in routes]
        self.endpoint_ids += [route.endpoint_id for route in routes]
        self.fifo += [route.fifo for route in routes]
        self.disabled += [route.disabled for route in routes]
        self.scheduled += [deliver_at is not None] * count

    def __len__(self) -> int:
        return len(self.endpoint_ids)

    def split(self, indexes: Collection[int]) -> tuple[NewDeliveries, NewDeliveries]:
        """(the others, the deliveries at `indexes`), each in the order of this one."""
        chosen = set(indexes)
        parts = (NewDeliveries(), NewDeliveries())
        for i in range(len(self)):
            part = parts[i in chosen]
            part.app_ids.append(self.app_ids[i])
            part.msg_ids.append(self.msg_ids[i])
            part.endpoint_ids.append(self.endpoint_ids[i])
            part.due_at.append(self.due_at[i])
            part.fifo.append(self.fifo[i])
            part.disabled.append(self.disabled[i])
            part.scheduled.append(self.scheduled[i])
        return parts


def _filter(raw: Any) -> tuple[str, ...] | None:
    """A filter column read as text: NULL, JSON `null` (how the JSON type stores None) or
    an empty list mean no filter."""
    if raw is None or raw == "null":  # the common case, without a call to the decoder
        return None
    value = orjson.loads(raw) if isinstance(raw, str | bytes) else raw
    return tuple(value) if value else None


# What a hand-off needs of an endpoint besides its route (store/leased_fan_out.py): read in
# the same statement as the routes when the publish may hand deliveries off. The JSON columns
# come as text, decoded only for the few endpoints that get a handed-off delivery.
HANDOFF_COLUMNS = (
    endpoints.c.url,
    endpoints.c.secret,
    sa.type_coerce(endpoints.c.previous_secrets, sa.Text).label("previous_secrets"),
    endpoints.c.tls_client_cert,
    endpoints.c.tls_client_key,
    endpoints.c.tls_ca_cert,
    sa.type_coerce(endpoints.c.headers, sa.Text).label("headers"),
    endpoints.c.circuit_until,
    endpoints.c.throttle_rate,
    endpoints.c.kind,
    applications.c.throttle_rate.label("app_throttle_rate"),
)


async def load_routes(
    conn: AsyncConnection,
    app_ids: Collection[str],
    handoff_state: dict[str, Any] | None = None,
) -> dict[str, list[Route]]:
    """The endpoints of each application that may get a message: the enabled ones, and the
    disabled ones that do not refuse to keep messages (routing decides with the server's
    setting). In id order (creation order: the deliveries' index entries are then appended
    rather than scattered). With `handoff_state`, each endpoint's row with HANDOFF_COLUMNS is
    put there by id, from the same statement."""
    e = endpoints
    query = (
        sa.select(
            e.c.app_id,
            e.c.id,
            sa.type_coerce(e.c.event_types, sa.Text),
            sa.type_coerce(e.c.channels, sa.Text),
            e.c.fifo,
            e.c.disabled,
            e.c.keep_messages_while_disabled,
        )
        .where(
            e.c.app_id.in_(app_ids),
            sa.or_(
                e.c.disabled.is_(False),
                e.c.keep_messages_while_disabled.is_(None),
                e.c.keep_messages_while_disabled.is_(True),
            ),
        )
        .order_by(e.c.app_id, e.c.id)
    )
    if handoff_state is not None:
        query = query.add_columns(*HANDOFF_COLUMNS).join(
            applications, applications.c.id == e.c.app_id
        )
    rows = await conn.execute(query)
    if handoff_state is not None:
        rows = list(rows)  # type: ignore[assignment]
        handoff_state.update((row.id, row) for row in rows)
    by_app: dict[str, list[Route]] = defaultdict(list)
    for app_id, endpoint_id, event_types, channels, fifo, disabled, keeps, *_ in rows:
        by_app[app_id].append(
            Route(
                endpoint_id,
                _filter(event_types),
                _filter(channels),
                bool(fifo),
                bool(disabled),
                None if keeps is None else bool(keeps),
            )
        )
    return by_app


_COLUMNS = (
    'app_id, msg_id, endpoint_id, status, "trigger", attempt_count, due_at, lease_owner, '
    "created_at, updated_at, fifo"
)
_POSTGRES_INSERT = sa.text(
    f"INSERT INTO deliveries ({_COLUMNS}) "
    "SELECT a, m, e, :status, :trigger, 0, d, NULL, :now, :now, f FROM unnest("
    "CAST(:app_ids AS VARCHAR[]), CAST(:msg_ids AS VARCHAR[]), CAST(:endpoint_ids AS VARCHAR[]),"
    " CAST(:due_at AS BIGINT[]), CAST(:fifo AS BOOLEAN[])) AS new(a, m, e, d, f)"
)
_SQLITE_INSERT = f"INSERT INTO deliveries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, 0, ?, NULL, ?, ?, ?)"


async def insert_deliveries(conn: AsyncConnection, new: NewDeliveries, now: int) -> None:
    """Insert pending deliveries (attempt 0, no lease; parked where `due_at` is None) in one
    statement."""
    if not new:
        return
    status, trigger = int(DeliveryStatus.PENDING), int(TriggerType.SCHEDULED)
    if conn.dialect.name == "postgresql":
        await conn.execute(
            _POSTGRES_INSERT,
            {
                "status": status,
                "trigger": trigger,
                "now": now,
                "app_ids": new.app_ids,
                "msg_ids": new.msg_ids,
                "endpoint_ids": new.endpoint_ids,
                "due_at": new.due_at,
                "fifo": new.fifo,
            },
        )
        return
    await conn.exec_driver_sql(
        _SQLITE_INSERT,
        [
            (app_id, msg_id, endpoint_id, status, trigger, due_at, now, now, fifo)
            for app_id, msg_id, endpoint_id, due_at, fifo in zip(
                new.app_ids, new.msg_ids, new.endpoint_ids, new.due_at, new.fifo, strict=True
            )
        ],
    )
