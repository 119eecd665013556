"""The delivery queue: claiming due work under a lease, and recording what happened.

A claim moves a delivery to SENDING and sets `due_at` to the lease expiry, so a delivery
whose worker died becomes due again by itself. Results are written in batches: the attempt
row and the delivery's new state in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hookline.store.applications import resolve_app_id
from hookline.store.clock import now_ms
from hookline.store.errors import NotFound
from hookline.store.schema import attempts, deliveries, endpoints, messages
from hookline.types import AttemptRecord, DeliveryJob, DeliveryStatus, TriggerType

if TYPE_CHECKING:
    from hookline.store.connections import Connections

d = deliveries
DUE_STATUSES = (int(DeliveryStatus.PENDING), int(DeliveryStatus.SENDING))


class Deliveries:
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def claim_due(self, worker_id: str, limit: int, lease_ms: int) -> list[DeliveryJob]:
        now = now_ms()
        due = (
            sa.select(d.c.id)
            .where(d.c.status.in_(DUE_STATUSES), d.c.due_at <= now)
            .order_by(d.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self.db.write(durable=False) as conn:
            claimed = (
                (
                    await conn.execute(
                        d.update()
                        .where(d.c.id.in_(due.scalar_subquery()))
                        .values(
                            status=DeliveryStatus.SENDING,
                            due_at=now + lease_ms,
                            lease_owner=worker_id,
                            updated_at=now,
                        )
                        .returning(d.c.id)
                    )
                )
                .scalars()
                .all()
            )
            if not claimed:
                return []
            rows = (
                await conn.execute(
                    sa.select(
                        d.c.id,
                        d.c.app_id,
                        d.c.msg_id,
                        d.c.endpoint_id,
                        d.c.attempt_count,
                        d.c.trigger,
                        messages.c.payload,
                        endpoints.c.url,
                        endpoints.c.secret,
                        endpoints.c.headers,
                        endpoints.c.disabled,
                    )
                    .join(messages, messages.c.id == d.c.msg_id)
                    .join(endpoints, endpoints.c.id == d.c.endpoint_id)
                    .where(d.c.id.in_(claimed))
                )
            ).all()
            parked = [r.id for r in rows if r.disabled]
            if parked:
                # A disabled endpoint keeps its deliveries: park them until it is re-enabled.
                await conn.execute(
                    d.update()
                    .where(d.c.id.in_(parked))
                    .values(status=DeliveryStatus.PENDING, due_at=None, lease_owner=None)
                )
        return [
            DeliveryJob(
                delivery_id=r.id,
                app_id=r.app_id,
                msg_id=r.msg_id,
                endpoint_id=r.endpoint_id,
                url=r.url,
                secrets=(r.secret,),
                headers=dict(r.headers or {}),
                payload=r.payload or b"",
                attempt_count=r.attempt_count,
                trigger=TriggerType(r.trigger),
            )
            for r in rows
            if not r.disabled
        ]

    async def record(self, worker_id: str, records: Sequence[AttemptRecord]) -> None:
        """Write each attempt and the delivery's next state, in one transaction."""
        if not records:
            return
        now = now_ms()
        attempt_rows = []
        updates = []
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
                    "b_id": job.delivery_id,
                    "b_owner": worker_id,
                    "b_status": int(status),
                    "b_due": due,
                    "b_count": job.attempt_count + 1,
                    "b_now": now,
                }
            )
        async with self.db.write(durable=False) as conn:
            await conn.execute(attempts.insert(), attempt_rows)
            await conn.execute(
                d.update()
                .where(d.c.id == sa.bindparam("b_id"), d.c.lease_owner == sa.bindparam("b_owner"))
                .values(
                    status=sa.bindparam("b_status"),
                    due_at=sa.bindparam("b_due"),
                    attempt_count=sa.bindparam("b_count"),
                    lease_owner=None,
                    updated_at=sa.bindparam("b_now"),
                ),
                updates,
            )

    async def release(self, worker_id: str, delivery_ids: Sequence[int]) -> None:
        """Give back claimed deliveries that were not sent (e.g. on shutdown)."""
        if not delivery_ids:
            return
        async with self.db.write(durable=False) as conn:
            await conn.execute(
                d.update()
                .where(d.c.id.in_(list(delivery_ids)), d.c.lease_owner == worker_id)
                .values(status=DeliveryStatus.PENDING, due_at=now_ms(), lease_owner=None)
            )

    async def resend(self, app: str, msg_id: str, endpoint: str) -> None:
        """Queue one more (manual) delivery of a message to an endpoint, due now."""
        now = now_ms()
        async with self.db.write() as conn:
            app_id = await resolve_app_id(conn, app)
            msg = (
                await conn.execute(
                    sa.select(messages.c.id, messages.c.payload).where(
                        messages.c.app_id == app_id,
                        sa.or_(messages.c.id == msg_id, messages.c.event_id == msg_id),
                    )
                )
            ).first()
            if msg is None:
                raise NotFound("message", msg_id)
            ep = (
                await conn.execute(
                    sa.select(endpoints.c.id).where(
                        endpoints.c.app_id == app_id,
                        sa.or_(endpoints.c.id == endpoint, endpoints.c.uid == endpoint),
                    )
                )
            ).first()
            if ep is None:
                raise NotFound("endpoint", endpoint)
            if msg.payload is None:
                raise NotFound("message content", msg_id)
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

    async def status_counts(self) -> dict[str, int]:
        """How many deliveries are in each state (for health output and tests)."""
        async with self.db.read() as conn:
            rows = await conn.execute(sa.select(d.c.status, sa.func.count()).group_by(d.c.status))
            return {DeliveryStatus(r[0]).text: int(r[1]) for r in rows}

    async def for_message(self, msg_id: str) -> list[dict[str, Any]]:
        async with self.db.read() as conn:
            rows = await conn.execute(sa.select(d).where(d.c.msg_id == msg_id).order_by(d.c.id))
            return [dict(r._mapping) for r in rows]
