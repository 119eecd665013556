"""Endpoint health, kept from attempt outcomes inside the worker's record transaction: the
decisions (streaks, circuit breaker, disabling) are `hookline.admission`'s; here they are
loaded and applied with guarded updates. The streak is added in SQL (`failure_streak + k`),
so that two workers recording failures of one endpoint at once both count.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.admission import (
    Disable,
    EndpointHealth,
    OpenCircuit,
    judge_failures,
    tally,
    verdict_event,
)
from hookline.store.schema import deliveries, endpoints
from hookline.types import AttemptRecord, DeliveryStatus, EndpointEvent, HealthPolicy

e = endpoints
d = deliveries


async def apply_outcomes(
    conn: AsyncConnection, records: Sequence[AttemptRecord], policy: HealthPolicy, now: int
) -> list[EndpointEvent]:
    events: list[EndpointEvent] = []
    tallies = tally(records)
    recovered = [eid for eid, t in tallies.items() if t.recovered]
    if recovered:
        await _close_circuits(conn, recovered, policy, now)
    failing = {eid: t for eid, t in tallies.items() if t.failures_after_last_success}
    if not failing:
        return events
    await conn.execute(
        e.update()
        .where(e.c.id == sa.bindparam("b_id"))
        .values(
            # A success earlier in this batch restarts the streak.
            failure_streak=sa.case(
                (sa.bindparam("b_reset", type_=sa.Boolean), sa.bindparam("b_k")),
                else_=e.c.failure_streak + sa.bindparam("b_k"),
            ),
            failing_since=sa.case(
                (sa.bindparam("b_reset", type_=sa.Boolean), sa.bindparam("b_first")),
                else_=sa.func.coalesce(e.c.failing_since, sa.bindparam("b_first")),
            ),
        ),
        [
            {
                "b_id": eid,
                "b_k": t.failures_after_last_success,
                "b_first": t.first_failure_ms,
                "b_reset": t.succeeded,
            }
            for eid, t in failing.items()
        ],
    )
    states = await conn.execute(
        sa.select(
            e.c.id,
            e.c.app_id,
            e.c.disabled,
            e.c.failure_streak,
            e.c.failing_since,
            e.c.circuit_until,
            e.c.circuit_failures,
        ).where(e.c.id.in_(list(failing)))
    )
    for row in states:
        health = EndpointHealth(
            endpoint_id=row.id,
            app_id=row.app_id,
            disabled=row.disabled,
            failure_streak=row.failure_streak,
            failing_since=row.failing_since,
            circuit_until=row.circuit_until,
            circuit_failures=row.circuit_failures,
        )
        verdict = judge_failures(health, failing[row.id], policy, now)
        if isinstance(verdict, Disable):
            await conn.execute(
                e.update()
                .where(e.c.id == row.id)
                .values(
                    disabled=True,
                    disabled_reason=verdict.reason,
                    circuit_until=None,
                    updated_at=now,
                )
            )
        elif isinstance(verdict, OpenCircuit):
            await _open_circuit(conn, row.id, verdict.until, verdict.failed_probes)
        event = verdict_event(health, verdict)
        if event is not None:
            events.append(event)
    return events


async def _open_circuit(conn: AsyncConnection, endpoint_id: str, until: int, failed: int) -> None:
    await conn.execute(
        e.update().where(e.c.id == endpoint_id).values(circuit_until=until, circuit_failures=failed)
    )
    # The probe: the endpoint's oldest waiting delivery becomes due when the cooldown ends.
    head = (
        sa.select(d.c.id)
        .where(d.c.endpoint_id == endpoint_id, d.c.status == DeliveryStatus.PENDING)
        .order_by(d.c.id)
        .limit(1)
        .scalar_subquery()
    )
    await conn.execute(d.update().where(d.c.id == head).values(due_at=until))


async def _close_circuits(
    conn: AsyncConnection, endpoint_ids: list[str], policy: HealthPolicy, now: int
) -> None:
    was_open = (
        (
            await conn.execute(
                sa.select(e.c.id).where(e.c.id.in_(endpoint_ids), e.c.circuit_until.is_not(None))
            )
        )
        .scalars()
        .all()
    )
    # Only rows that change are written: a healthy endpoint's row is left alone (and unlocked).
    await conn.execute(
        e.update()
        .where(
            e.c.id.in_(endpoint_ids),
            sa.or_(
                e.c.failure_streak != 0,
                e.c.failing_since.is_not(None),
                e.c.circuit_until.is_not(None),
            ),
        )
        .values(failure_streak=0, failing_since=None, circuit_until=None, circuit_failures=0)
    )
    for endpoint_id in was_open:
        await release_parked(conn, endpoint_id, now, policy.drain_per_second)


async def release_parked(
    conn: AsyncConnection, endpoint_id: str, now: int, per_second: float
) -> None:
    """Make an endpoint's parked deliveries due again, oldest first, `per_second` at a time,
    so that a receiver that comes back is not flooded with its whole backlog at once."""
    step_ms = 1000.0 / per_second
    await conn.execute(
        sa.text(
            "UPDATE deliveries SET due_at = :now + CAST(ranked.position * :step AS BIGINT) "
            "FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS position FROM deliveries "
            "      WHERE endpoint_id = :endpoint AND status = :pending AND due_at IS NULL) "
            "     AS ranked "
            "WHERE deliveries.id = ranked.id"
        ),
        {
            "now": now,
            "step": step_ms,
            "endpoint": endpoint_id,
            "pending": int(DeliveryStatus.PENDING),
        },
    )
