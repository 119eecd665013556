"""Endpoint health, kept from attempt outcomes: failure streaks, the circuit breaker and
automatic disabling. Runs inside the worker's record transaction.

- Every failed attempt adds to the endpoint's streak; a success resets it.
- At `breaker_threshold` consecutive failures the circuit opens: deliveries that come due
  are parked (they keep their place and their retries) and one probe is sent after the
  cooldown. A failed probe doubles the cooldown; a successful one closes the circuit and
  releases the parked deliveries at `drain_per_second`.
- An endpoint that answered 410 Gone, or has failed without a single success for
  `disable_after`, is disabled; its deliveries are kept (parked) until it is re-enabled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.store.schema import deliveries, endpoints
from hookline.types import AttemptRecord, DeliveryStatus, EndpointEvent, HealthPolicy

e = endpoints
d = deliveries

# Kinds of `EndpointEvent`: operators hear about DISABLED (an operational webhook); a circuit
# opening only counts in the metrics.
DISABLED = "disabled"
CIRCUIT_OPENED = "circuit_opened"
REASON_GONE = "the endpoint answered 410 Gone"
REASON_FAILING = "the endpoint failed without a success for too long"


@dataclass
class _Tally:
    """What one batch of records says about one endpoint, in time order."""

    app_id: str
    failures_after_last_success: int = 0
    first_failure_ms: int | None = None
    succeeded: bool = False
    gone: bool = False  # a 410 answer
    delivery_ids: list[int] = field(default_factory=list)


def tally(records: Sequence[AttemptRecord]) -> dict[str, _Tally]:
    tallies: dict[str, _Tally] = {}
    for rec in sorted(records, key=lambda r: r.started_at_ms):
        t = tallies.setdefault(rec.job.endpoint_id, _Tally(rec.job.app_id))
        if rec.outcome.succeeded:
            t.succeeded = True
            t.failures_after_last_success = 0
            t.first_failure_ms = None
            continue
        t.failures_after_last_success += 1
        if t.first_failure_ms is None:
            t.first_failure_ms = rec.started_at_ms
        t.gone = t.gone or rec.outcome.status_code == 410
        t.delivery_ids.append(rec.job.delivery_id)
    return tallies


def cooldown_ms(policy: HealthPolicy, failed_probes: int) -> int:
    doubled: int = policy.breaker_cooldown_ms * 2 ** min(failed_probes, 30)
    return min(doubled, policy.breaker_max_cooldown_ms)


async def apply_outcomes(
    conn: AsyncConnection, records: Sequence[AttemptRecord], policy: HealthPolicy, now: int
) -> list[EndpointEvent]:
    events: list[EndpointEvent] = []
    tallies = tally(records)
    recovered = [
        eid for eid, t in tallies.items() if t.succeeded and not t.failures_after_last_success
    ]
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
        t = failing[row.id]
        if row.disabled:
            continue
        reason = None
        if t.gone:
            reason = REASON_GONE
        elif row.failing_since is not None and now - row.failing_since >= policy.disable_after_ms:
            reason = REASON_FAILING
        if reason is not None:
            await conn.execute(
                e.update()
                .where(e.c.id == row.id)
                .values(disabled=True, disabled_reason=reason, circuit_until=None, updated_at=now)
            )
            events.append(EndpointEvent(DISABLED, row.app_id, row.id, reason, row.failing_since))
            continue
        if row.circuit_until is not None:
            # A failed probe (or a send that started before the circuit opened): wait longer.
            failed = row.circuit_failures + 1
            await _open_circuit(conn, row.id, now + cooldown_ms(policy, failed), failed)
        elif row.failure_streak >= policy.breaker_threshold:
            await _open_circuit(conn, row.id, now + cooldown_ms(policy, 0), 0)
            events.append(EndpointEvent(CIRCUIT_OPENED, row.app_id, row.id, "", row.failing_since))
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
