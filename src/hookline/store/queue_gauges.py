"""The numbers behind the queue gauges, read with index-only queries.

Every delivery count walks the partial index `ix_deliveries_due` (`due_at` of deliveries that
are PENDING or SENDING) without touching the table: due now is `due_at <= now` (expired leases
included: they are due again), later is `due_at > now` (retries scheduled for later and leases
still running), parked is `due_at IS NULL` (circuit open or endpoint disabled). The endpoint
counts read the endpoints table, which is small next to the deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hookline.store.deliveries import DUE_STATUSES
from hookline.store.schema import deliveries, endpoints

if TYPE_CHECKING:
    from hookline.store.connections import Connections

d = deliveries
e = endpoints


@dataclass(frozen=True, slots=True)
class QueueCounts:
    due: int
    later: int
    parked: int
    oldest_due_at_ms: int | None
    circuits_open: int
    endpoints_disabled: int
    read_at_ms: int


def _count(*conditions: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    # Literal statuses, so that SQLite (and PostgreSQL's planner) match the partial index.
    due_statuses: sa.BindParameter[list[int]] = sa.bindparam(
        "due_statuses", DUE_STATUSES, expanding=True, literal_execute=True
    )
    return (
        sa.select(sa.func.count())
        .select_from(d)
        .where(d.c.status.in_(due_statuses), *conditions)
        .scalar_subquery()
    )


async def read_queue_counts(db: Connections) -> QueueCounts:
    now = db.clock.now_ms()
    due_statuses: sa.BindParameter[list[int]] = sa.bindparam(
        "due_statuses", DUE_STATUSES, expanding=True, literal_execute=True
    )
    oldest = (
        sa.select(sa.func.min(d.c.due_at))
        .where(d.c.status.in_(due_statuses), d.c.due_at.is_not(None))
        .scalar_subquery()
    )
    query = sa.select(
        _count(d.c.due_at <= now).label("due"),
        _count(d.c.due_at > now).label("later"),
        _count(d.c.due_at.is_(None)).label("parked"),
        oldest.label("oldest"),
        sa.select(sa.func.count())
        .select_from(e)
        .where(e.c.circuit_until > now, e.c.disabled.is_(False))
        .scalar_subquery()
        .label("circuits_open"),
        sa.select(sa.func.count())
        .select_from(e)
        .where(e.c.disabled.is_(True))
        .scalar_subquery()
        .label("disabled"),
    )
    async with db.read() as conn:
        row = (await conn.execute(query)).one()
    oldest_due = row.oldest if row.oldest is not None and row.oldest <= now else None
    return QueueCounts(
        due=row.due,
        later=row.later,
        parked=row.parked,
        oldest_due_at_ms=oldest_due,
        circuits_open=row.circuits_open,
        endpoints_disabled=row.disabled,
        read_at_ms=now,
    )
