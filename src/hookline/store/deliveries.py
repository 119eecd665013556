"""The delivery queue: claiming due work under a lease, and recording what happened.

A claim moves a delivery to SENDING and sets `due_at` to the lease expiry, so a delivery
whose worker died becomes due again by itself. Results are written in batches: the attempt
row and the delivery's new state in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.admission import (
    Claimed,
    EndpointGate,
    Lane,
    LaneKind,
    ThrottlePlan,
    probe_lease_until,
    settle_probes,
    split_claim,
    throttle_slots,
    throttled_lanes,
)
from hookline.store.applications import resolve_app_id
from hookline.store.column_arrays import column_arrays, unnest_sql
from hookline.store.endpoint_health import apply_outcomes
from hookline.store.endpoint_secrets import endpoint_tls, signing_secrets
from hookline.store.errors import PayloadRemoved
from hookline.store.lookups import find_endpoint, find_message
from hookline.store.rows import DeliveryRow
from hookline.store.schema import (
    applications,
    attempts,
    deliveries,
    endpoints,
    event_types,
    messages,
)
from hookline.store.statistics import add_attempts
from hookline.types import (
    AttemptRecord,
    DeliveryJob,
    DeliveryStatus,
    EndpointEvent,
    EndpointTls,
    HealthPolicy,
    TriggerType,
)

if TYPE_CHECKING:
    from hookline.store.connections import Connections

d = deliveries
DUE_STATUSES = (int(DeliveryStatus.PENDING), int(DeliveryStatus.SENDING))


def _due_statuses() -> sa.BindParameter[list[int]]:
    # Literal values, so that SQLite matches the partial indexes on `status IN (1, 3)`.
    return sa.bindparam("due_statuses", DUE_STATUSES, expanding=True, literal_execute=True)


def _claimable() -> sa.ScalarSelect[int]:
    """The ids of up to `:claim_limit` deliveries due at `:claim_now`, oldest due first,
    locked (PostgreSQL, skipping rows another worker holds), of no endpoint in `:skip`.

    Two branches, so that the FIFO rule costs nothing when there is no FIFO work: deliveries
    of non-FIFO endpoints are a plain range of the partial index `ix_deliveries_due`, with no
    per-row subquery however long the backlog; deliveries of FIFO endpoints come from the
    heads of those endpoints only: `fifo_endpoints` walks the partial index
    `ix_deliveries_fifo_waiting` one endpoint at a time (a seek per FIFO endpoint with work,
    whatever its backlog), and each one's oldest unfinished delivery is claimable if it is
    due. A head that is leased (SENDING, due at its lease expiry) or parked (due_at NULL)
    blocks its endpoint, as FIFO requires.
    """
    now = sa.bindparam("claim_now", type_=sa.BigInteger)
    limit = sa.bindparam("claim_limit", type_=sa.Integer)
    # A relay endpoint's deliveries go through the socket its owner's process holds: another
    # worker leaves them while that owner is alive (one with no live owner is claimed by
    # anyone, and fails with `connection`). The literal matches the partial index
    # ix_endpoints_relay, so this costs one probe of an index of relay rows.
    held_elsewhere = sa.select(endpoints.c.id).where(
        endpoints.c.kind == sa.literal_column("'relay'"),
        endpoints.c.relay_owner != sa.bindparam("lease_worker", type_=sa.String),
        endpoints.c.relay_owner_until > now,
    )
    # Conditions on the delivery's endpoint, for both branches.
    on_endpoint = [
        d.c.endpoint_id.not_in(sa.bindparam("skip", expanding=True)),
        d.c.endpoint_id.not_in(held_elsewhere),
    ]
    plain = (
        sa.select(d.c.id, d.c.due_at)
        .where(
            d.c.status.in_(_due_statuses()),
            d.c.due_at <= now,
            d.c.fifo.is_(False),
            *on_endpoint,
        )
        .order_by(d.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    waiting = sa.alias(d, "waiting")
    first = sa.select(sa.func.min(waiting.c.endpoint_id).label("endpoint_id")).where(
        waiting.c.fifo, waiting.c.status.in_(_due_statuses())
    )
    fifo_endpoints = first.cte("fifo_endpoints", recursive=True)
    nxt = sa.alias(d, "nxt")
    following = (
        sa.select(sa.func.min(nxt.c.endpoint_id))
        .where(
            nxt.c.fifo,
            nxt.c.status.in_(_due_statuses()),
            nxt.c.endpoint_id > fifo_endpoints.c.endpoint_id,
        )
        .scalar_subquery()
    )
    fifo_endpoints = fifo_endpoints.union_all(
        sa.select(following).where(fifo_endpoints.c.endpoint_id.is_not(None))
    )
    head = sa.alias(d, "head")
    head_id = (
        sa.select(sa.func.min(head.c.id))
        .where(
            head.c.endpoint_id == fifo_endpoints.c.endpoint_id,
            head.c.status.in_(_due_statuses()),
        )
        .scalar_subquery()
    )
    heads = (
        sa.select(d.c.id, d.c.due_at)
        .select_from(fifo_endpoints)
        .join(d, d.c.id == head_id)
        .where(d.c.fifo, d.c.due_at <= now, *on_endpoint)
        .order_by(d.c.due_at)
        .limit(limit)
        .with_for_update(of=d, skip_locked=True)
    )
    both = sa.union_all(
        sa.select(plain.subquery("plain")), sa.select(heads.subquery("heads"))
    ).subquery("due")
    return sa.select(both.c.id).order_by(both.c.due_at).limit(limit).scalar_subquery()


# The claim's update, built once (building it, four aliases of a wide table and a recursive
# CTE, cost more than running it): what `_claimable` finds becomes SENDING, leased to the
# worker until `:lease_until`, when it is due again if the worker never records it.
LEASE = (
    d.update()
    .where(d.c.id.in_(_claimable()))
    .values(
        status=DeliveryStatus.SENDING,
        due_at=sa.bindparam("lease_until", type_=sa.BigInteger),
        lease_owner=sa.bindparam("lease_worker", type_=sa.String),
        updated_at=sa.bindparam("claim_now", type_=sa.BigInteger),
    )
)


def lease_params(
    worker_id: str, now: int, limit: int, lease_ms: int, skip_endpoints: Collection[str]
) -> dict[str, Any]:
    """`LEASE`'s parameters."""
    return {
        "claim_now": now,
        "claim_limit": limit,
        "skip": sorted(skip_endpoints),
        "lease_until": now + lease_ms,
        "lease_worker": worker_id,
    }


class Deliveries:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def claim_due(
        self,
        worker_id: str,
        limit: int,
        lease_ms: int,
        skip_endpoints: Collection[str] = (),
    ) -> list[DeliveryJob]:
        """Lease up to `limit` due deliveries to this worker.

        Skipped: endpoints in `skip_endpoints` (the worker's own per-endpoint cap), and all
        but the oldest unfinished delivery of a FIFO endpoint. Of what was claimed, what is
        parked, probed and throttled is `hookline.admission`'s decision: deliveries of
        disabled endpoints and open circuits are parked instead of sent, one probe goes to a
        circuit whose cooldown ended, and deliveries under an endpoint's or an application's
        rate limit get send slots (or go back until their slot is near).
        """
        now = self.db.clock.now_ms()
        async with self.db.write(durable=False) as conn:
            params = lease_params(worker_id, now, limit, lease_ms, skip_endpoints)
            rows = await _lease_jobs(conn, params)
            if not rows:
                return []
            candidates = [
                Claimed(
                    r.id,
                    EndpointGate(
                        endpoint_id=r.endpoint_id,
                        app_id=r.app_id,
                        disabled=r.disabled,
                        circuit_until=r.circuit_until,
                        throttle_rate=r.throttle_rate,
                        app_throttle_rate=r.app_throttle_rate,
                    ),
                )
                for r in rows
            ]
            split = split_claim(candidates, now)
            taken = await _take_probes(conn, split.probes, now, lease_ms)
            send, parked = settle_probes(candidates, split, taken)
            if parked:
                # Kept, not dropped: they go when the endpoint is re-enabled or recovers.
                await conn.execute(
                    d.update()
                    .where(d.c.id.in_(parked))
                    .values(status=DeliveryStatus.PENDING, due_at=None, lease_owner=None)
                )
            going = set(send)
            plan = await _throttle(conn, [c for c in candidates if c.delivery_id in going], now)
        # A batch often holds many deliveries to one endpoint: open its secrets once.
        secrets: dict[str, tuple[str, ...]] = {}
        tls: dict[str, EndpointTls | None] = {}
        for r in rows:
            if r.endpoint_id not in secrets:
                box = self.db.secret_box
                secrets[r.endpoint_id] = signing_secrets(box, r.secret, r.previous_secrets, now)
                tls[r.endpoint_id] = endpoint_tls(
                    box, r.tls_client_cert, r.tls_client_key, r.tls_ca_cert
                )
        return [
            DeliveryJob(
                delivery_id=r.id,
                app_id=r.app_id,
                msg_id=r.msg_id,
                endpoint_id=r.endpoint_id,
                url=r.url,
                secrets=secrets[r.endpoint_id],
                tls=tls[r.endpoint_id],
                headers=dict(r.headers or {}),
                payload=r.payload or b"",
                attempt_count=r.attempt_count,
                trigger=TriggerType(r.trigger),
                not_before_ms=plan.slots.get(r.id),
                trace_context=r.trace_context,
                retry_schedule=(
                    None if r.retry_schedule is None else tuple(float(s) for s in r.retry_schedule)
                ),
                relay=r.kind == "relay",
                event_type=r.event_type,
            )
            for r in rows
            if r.id in going and r.id not in plan.back
        ]

    async def record(
        self, worker_id: str, records: Sequence[AttemptRecord], policy: HealthPolicy
    ) -> list[EndpointEvent]:
        """Write each attempt, the delivery's next state, the statistics counters and the
        endpoints' health, in one transaction. Returns the endpoints' changes of state (e.g.
        disabled)."""
        if not records:
            return []
        now = self.db.clock.now_ms()
        attempt_rows = []
        updates: list[dict[str, int | None]] = []
        for rec in records:
            job, outcome = rec.job, rec.outcome
            attempt_rows.append(
                {
                    "id": rec.attempt_id,
                    "app_id": job.app_id,
                    "msg_id": job.msg_id,
                    "endpoint_id": job.endpoint_id,
                    "delivery_id": job.delivery_id,
                    "url": job.url,
                    "status": DeliveryStatus.SUCCESS if outcome.succeeded else DeliveryStatus.FAIL,
                    "trigger": job.trigger,
                    "response_status_code": outcome.status_code,
                    "response": outcome.response_body,
                    "response_duration_ms": outcome.duration_ms,
                    "failure_kind": outcome.failure_kind.value if outcome.failure_kind else None,
                    "created_at": rec.started_at_ms,
                    "request_headers": outcome.request_headers,
                    "response_headers": outcome.response_headers,
                }
            )
            if outcome.succeeded:
                status, due = DeliveryStatus.SUCCESS, None
            elif rec.next_attempt_at_ms is None:
                status, due = DeliveryStatus.FAIL, None
            else:
                status, due = DeliveryStatus.PENDING, rec.next_attempt_at_ms
            updates.append(
                {
                    "id": job.delivery_id,
                    "status": int(status),
                    "due_at": due,
                    "attempt_count": job.attempt_count + 1,
                }
            )
        async with self.db.write(durable=False) as conn:
            await conn.execute(attempts.insert(), attempt_rows)
            await _record_deliveries(conn, worker_id, updates, now)
            await add_attempts(conn, records)
            return await apply_outcomes(conn, records, policy, now)

    async def release(self, worker_id: str, delivery_ids: Sequence[int], delay_ms: int = 0) -> None:
        """Give back claimed deliveries that were not sent (on shutdown; or because their
        endpoint is busy, with a `delay_ms` so that they do not crowd out other work)."""
        if not delivery_ids:
            return
        async with self.db.write(durable=False) as conn:
            await conn.execute(
                d.update()
                .where(d.c.id.in_(list(delivery_ids)), d.c.lease_owner == worker_id)
                .values(
                    status=DeliveryStatus.PENDING,
                    due_at=self.db.clock.now_ms() + delay_ms,
                    lease_owner=None,
                )
            )

    async def resend(self, app: str, msg_id: str, endpoint: str) -> None:
        """Queue one more (manual) delivery of a message to an endpoint, due now."""
        now = self.db.clock.now_ms()
        async with self.db.write() as conn:
            app_id = await resolve_app_id(conn, app)
            msg = await find_message(conn, app_id, msg_id, messages.c.id, messages.c.payload)
            ep = await find_endpoint(conn, app_id, endpoint)
            if msg.payload is None:
                raise PayloadRemoved(msg.id)
            await conn.execute(
                d.insert().values(
                    app_id=app_id,
                    msg_id=msg.id,
                    endpoint_id=ep.id,
                    status=DeliveryStatus.PENDING,
                    trigger=TriggerType.MANUAL,
                    attempt_count=0,
                    due_at=now,
                    lease_owner=None,
                    created_at=now,
                    updated_at=now,
                )
            )
        self.db.notify_published()

    async def resend_to_all(self, app: str, msg_id: str) -> int:
        """Queue one more (manual) delivery of a message to every endpoint it was sent to
        that still exists, due now; returns how many were queued."""
        now = self.db.clock.now_ms()
        async with self.db.write() as conn:
            app_id = await resolve_app_id(conn, app)
            msg = await find_message(conn, app_id, msg_id, messages.c.id, messages.c.payload)
            if msg.payload is None:
                raise PayloadRemoved(msg.id)
            sent_to = (
                sa.select(d.c.endpoint_id)
                .where(d.c.msg_id == msg.id)
                .distinct()
                .where(d.c.endpoint_id.in_(sa.select(endpoints.c.id)))
            )
            targets = [row.endpoint_id for row in await conn.execute(sent_to)]
            if targets:
                await conn.execute(
                    d.insert(),
                    [
                        {
                            "app_id": app_id,
                            "msg_id": msg.id,
                            "endpoint_id": endpoint_id,
                            "status": DeliveryStatus.PENDING,
                            "trigger": TriggerType.MANUAL,
                            "attempt_count": 0,
                            "due_at": now,
                            "lease_owner": None,
                            "created_at": now,
                            "updated_at": now,
                        }
                        for endpoint_id in sorted(targets)
                    ],
                )
        if targets:
            self.db.notify_published()
        return len(targets)

    async def status_counts(self) -> dict[str, int]:
        """How many deliveries are in each state (for health output and tests)."""
        async with self.db.read() as conn:
            rows = await conn.execute(sa.select(d.c.status, sa.func.count()).group_by(d.c.status))
            return {DeliveryStatus(r[0]).text: int(r[1]) for r in rows}

    async def for_message(self, msg_id: str) -> list[DeliveryRow]:
        async with self.db.read() as conn:
            rows = await conn.execute(sa.select(d).where(d.c.msg_id == msg_id).order_by(d.c.id))
            return [DeliveryRow.from_row(r) for r in rows]


# What a claimed delivery's job needs from its delivery row, and from the rows it refers to.
_LEASED = (d.c.id, d.c.app_id, d.c.msg_id, d.c.endpoint_id, d.c.attempt_count, d.c.trigger)


def _jobs_of(leased: sa.FromClause) -> sa.Select[Any]:
    """The leased deliveries (`leased`, with `_LEASED`'s columns) with their message, endpoint,
    application and event type, in id order."""
    c = leased.c
    return (
        sa.select(
            c.id,
            c.app_id,
            c.msg_id,
            c.endpoint_id,
            c.attempt_count,
            c.trigger,
            messages.c.payload,
            messages.c.trace_context,
            messages.c.event_type,
            endpoints.c.url,
            endpoints.c.kind,
            endpoints.c.secret,
            endpoints.c.previous_secrets,
            endpoints.c.tls_client_cert,
            endpoints.c.tls_client_key,
            endpoints.c.tls_ca_cert,
            endpoints.c.headers,
            endpoints.c.disabled,
            endpoints.c.circuit_until,
            endpoints.c.throttle_rate,
            applications.c.throttle_rate.label("app_throttle_rate"),
            event_types.c.retry_schedule,
        )
        .select_from(leased)
        .join(messages, messages.c.id == c.msg_id)
        .join(endpoints, endpoints.c.id == c.endpoint_id)
        .join(applications, applications.c.id == c.app_id)
        .outerjoin(event_types, event_types.c.name == messages.c.event_type)
        .order_by(c.id)
    )


async def _lease_jobs(conn: AsyncConnection, params: dict[str, Any]) -> Sequence[sa.Row[Any]]:
    """Run the claim's lease update and read what the jobs need: on PostgreSQL in one
    statement (the update as a data-modifying CTE, joined), so a claim is one round trip;
    SQLite has no UPDATE in a CTE, so there the leased ids come back first."""
    if conn.dialect.name == "sqlite":
        leased = (await conn.execute(_LEASE_IDS, params)).scalars().all()
        if not leased:
            return []
        jobs: Sequence[sa.Row[Any]] = (
            await conn.execute(_LEASED_JOBS, {"leased": list(leased)})
        ).all()
        return jobs
    claimed: Sequence[sa.Row[Any]] = (await conn.execute(LEASE_WITH_JOBS, params)).all()
    return claimed


_LEASE_IDS = LEASE.returning(d.c.id)
_LEASED_JOBS = _jobs_of(d).where(d.c.id.in_(sa.bindparam("leased", expanding=True)))
# PostgreSQL's claim in one statement: the lease as a data-modifying CTE, joined.
LEASE_WITH_JOBS = _jobs_of(LEASE.returning(*_LEASED).cte("claimed"))


# The record's new states, by delivery: guarded by the lease (`lease_owner = worker`), so a
# delivery whose lease expired and went to another worker is left to that worker.
_RECORDED = (d.c.id, d.c.status, d.c.due_at, d.c.attempt_count)
_RECORD_SQLITE = (
    d.update()
    .where(d.c.id == sa.bindparam("b_id"), d.c.lease_owner == sa.bindparam("b_owner"))
    .values(
        status=sa.bindparam("b_status"),
        due_at=sa.bindparam("b_due"),
        attempt_count=sa.bindparam("b_count"),
        lease_owner=None,
        updated_at=sa.bindparam("b_now"),
    )
)
# One statement for the whole batch (column_arrays.py), in id order like every other
# multi-row update of deliveries.
_RECORD_POSTGRESQL = sa.text(
    "UPDATE deliveries SET status = v.status, due_at = v.due_at, "
    "attempt_count = v.attempt_count, lease_owner = NULL, updated_at = :now "
    f"FROM {unnest_sql(_RECORDED)} "
    "WHERE deliveries.id = v.id AND deliveries.lease_owner = :owner"
)


async def _record_deliveries(
    conn: AsyncConnection, worker_id: str, updates: list[dict[str, int | None]], now: int
) -> None:
    updates.sort(key=lambda u: u["id"] or 0)
    if conn.dialect.name == "sqlite":
        # One executemany: the driver loops over the rows in its own thread.
        await conn.execute(
            _RECORD_SQLITE,
            [
                {
                    "b_id": u["id"],
                    "b_status": u["status"],
                    "b_due": u["due_at"],
                    "b_count": u["attempt_count"],
                    "b_owner": worker_id,
                    "b_now": now,
                }
                for u in updates
            ],
        )
    else:
        await conn.execute(
            _RECORD_POSTGRESQL,
            {**column_arrays(_RECORDED, updates), "owner": worker_id, "now": now},
        )


async def _take_probes(
    conn: AsyncConnection, probes: Mapping[str, int], now: int, lease_ms: int
) -> set[str]:
    """Try to take the probe of each half-open endpoint: the guarded update moves
    `circuit_until` past now for exactly one worker; the others see no row change."""
    taken: set[str] = set()
    for endpoint_id in sorted(probes):
        result = await conn.execute(
            endpoints.update()
            .where(endpoints.c.id == endpoint_id, endpoints.c.circuit_until <= now)
            .values(circuit_until=probe_lease_until(now, lease_ms))
        )
        if result.rowcount == 1:
            taken.add(endpoint_id)
    return taken


# In `throttled_lanes`' order: applications, then endpoints, each by id.
_LANE_TABLES = {LaneKind.APPLICATION: applications, LaneKind.ENDPOINT: endpoints}


async def _throttle(conn: AsyncConnection, going: Sequence[Claimed], now: int) -> ThrottlePlan:
    """Send slots for the throttled deliveries: the lanes' `next_send_at` is read under a row
    lock (so all workers keep to one rate together), the slots are `throttle_slots`', and the
    lanes' next free slots are written back; deliveries whose slot is too far ahead go back,
    due at their slot."""
    lanes = throttled_lanes(going)
    if not lanes:
        return ThrottlePlan({}, {}, {})
    stored: dict[Lane, int | None] = {}
    for kind, table in _LANE_TABLES.items():
        ids = [lane.id for lane in lanes if lane.kind is kind]
        if ids:
            locked = await conn.execute(
                sa.select(table.c.id, table.c.next_send_at)
                .where(table.c.id.in_(ids))
                .order_by(table.c.id)
                .with_for_update()
            )
            stored.update({Lane(kind, row.id): row.next_send_at for row in locked})
    plan = throttle_slots(going, stored, now)
    for kind, table in _LANE_TABLES.items():
        updates = [
            {"b_id": lane.id, "b_next": at}
            for lane, at in plan.next_send_at.items()
            if lane.kind is kind
        ]
        if updates:
            await conn.execute(
                table.update()
                .where(table.c.id == sa.bindparam("b_id"))
                .values(next_send_at=sa.bindparam("b_next")),
                updates,
            )
    if plan.back:
        await conn.execute(
            d.update()
            .where(d.c.id == sa.bindparam("b_id"))
            .values(status=DeliveryStatus.PENDING, due_at=sa.bindparam("b_due"), lease_owner=None),
            [{"b_id": delivery_id, "b_due": due} for delivery_id, due in plan.back.items()],
        )
    return plan
