"""The hand-off's part of a publish transaction (hookline.handoff decides, this does the I/O):
read the first deliveries of the fan-out that could go now, with their endpoints' state,
insert those the hand-off chooses already leased to the worker, and build their
`DeliveryJob`s, which the publish gives to the worker once the transaction has committed.

This runs before the rest of the fan-out is inserted (fan_out.insert_deliveries, which then
leaves these out). However large the fan-out, at most `intake.room` endpoints are read and
their secrets opened: the rest of it is never in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline.admission import EndpointGate
from hookline.handoff import Fresh, Intake, hand_off
from hookline.secrets_at_rest import SecretBox
from hookline.store.endpoint_secrets import endpoint_tls, signing_secrets
from hookline.store.fan_out import FanOutBatch, handoff_candidates
from hookline.store.schema import event_types
from hookline.types import DeliveryJob, DeliveryStatus, TriggerType


@dataclass(frozen=True, slots=True)
class HandOffRequest:
    """What a publish needs to hand deliveries off: the worker's offer, and the key its jobs'
    secrets are opened with."""

    intake: Intake
    secret_box: SecretBox | None


def _json(raw: Any) -> Any:
    """A JSON column as the hand-off candidates come (text from SQLite, decoded from
    PostgreSQL); None for NULL or JSON null."""
    if raw is None or raw == "null":
        return None
    return orjson.loads(raw) if isinstance(raw, str | bytes) else raw


_COLUMNS = (
    'app_id, msg_id, endpoint_id, status, "trigger", attempt_count, due_at, lease_owner, '
    "created_at, updated_at, fifo"
)
_RETURNING = " RETURNING id, msg_id, endpoint_id"
_POSTGRES_INSERT = sa.text(
    f"INSERT INTO deliveries ({_COLUMNS}) "
    "SELECT a, m, e, :status, :trigger, 0, :due, :owner, :now, :now, FALSE FROM unnest("
    "CAST(:app_ids AS VARCHAR[]), CAST(:msg_ids AS VARCHAR[]), CAST(:endpoint_ids AS VARCHAR[]))"
    " AS new(a, m, e)" + _RETURNING
)


@dataclass
class Leased:
    """Deliveries to insert leased, as columns (one entry per delivery in each list)."""

    app_ids: list[str] = field(default_factory=list)
    msg_ids: list[str] = field(default_factory=list)
    endpoint_ids: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.endpoint_ids)


async def _insert_leased(
    conn: AsyncConnection, new: Leased, intake: Intake, now: int
) -> dict[tuple[str, str], int]:
    """Insert `new` leased to the worker (SENDING, due again when the lease expires); returns
    each one's id by (message id, endpoint id): unique within one publish batch."""
    status, trigger = int(DeliveryStatus.SENDING), int(TriggerType.SCHEDULED)
    due, owner = now + intake.lease_ms, intake.worker_id
    if conn.dialect.name == "postgresql":
        rows = await conn.execute(
            _POSTGRES_INSERT,
            {
                "status": status,
                "trigger": trigger,
                "due": due,
                "owner": owner,
                "now": now,
                "app_ids": new.app_ids,
                "msg_ids": new.msg_ids,
                "endpoint_ids": new.endpoint_ids,
            },
        )
    else:
        # One multi-row statement (the batch is at most the worker's room); RETURNING says
        # which id each row got.
        values = ", ".join(["(?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 0)"] * len(new))
        params: list[Any] = []
        for app_id, msg_id, endpoint_id in zip(
            new.app_ids, new.msg_ids, new.endpoint_ids, strict=True
        ):
            params += [app_id, msg_id, endpoint_id, status, trigger, due, owner, now, now]
        rows = await conn.exec_driver_sql(
            f"INSERT INTO deliveries ({_COLUMNS}) VALUES {values}" + _RETURNING, tuple(params)
        )
    return {(row[1], row[2]): int(row[0]) for row in rows}


async def _retry_schedules(
    conn: AsyncConnection, names: set[str]
) -> dict[str, tuple[float, ...] | None]:
    et = event_types
    rows = await conn.execute(sa.select(et.c.name, et.c.retry_schedule).where(et.c.name.in_(names)))
    return {
        row.name: None if row.retry_schedule is None else tuple(map(float, row.retry_schedule))
        for row in rows
    }


async def lease_fresh(
    conn: AsyncConnection,
    batch: FanOutBatch,
    messages: Mapping[str, Mapping[str, Any]],
    handoff: HandOffRequest,
    now: int,
) -> list[DeliveryJob]:
    """Insert the deliveries of `batch`'s fan-out that `hand_off` chooses, leased to the
    intake's worker, and return their jobs (none inserted: an empty list). `messages`: the
    rows of the batch's messages by id."""
    intake = handoff.intake
    candidates = await handoff_candidates(conn, batch, intake.room)
    fresh = [
        Fresh(
            EndpointGate(
                endpoint_id=row.id,
                app_id=row.app_id,
                disabled=bool(row.disabled),
                circuit_until=row.circuit_until,
                throttle_rate=row.throttle_rate,
                app_throttle_rate=row.app_throttle_rate,
            ),
            relay=row.kind == "relay",  # store.relay_endpoints.KIND
        )
        for row in candidates
    ]
    chosen = [candidates[k] for k in hand_off(fresh, intake, now)]
    if not chosen:
        return []
    leased = Leased()
    for row in chosen:
        leased.app_ids.append(row.app_id)
        leased.msg_ids.append(row.msg_id)
        leased.endpoint_ids.append(row.id)
    delivery_ids = await _insert_leased(conn, leased, intake, now)
    schedules = await _retry_schedules(
        conn, {messages[msg_id]["event_type"] for msg_id in leased.msg_ids}
    )
    state = {row.id: row for row in chosen}
    return _jobs(leased, delivery_ids, state, messages, schedules, handoff.secret_box, now)


def _jobs(
    leased: Leased,
    delivery_ids: Mapping[tuple[str, str], int],
    state: Mapping[str, Any],
    messages: Mapping[str, Mapping[str, Any]],
    schedules: Mapping[str, tuple[float, ...] | None],
    box: SecretBox | None,
    now: int,
) -> list[DeliveryJob]:
    # An endpoint's secrets and TLS settings are opened once per batch, however many of its
    # deliveries are handed off.
    opened: dict[str, tuple[tuple[str, ...], Any, dict[str, str]]] = {}
    jobs = []
    for app_id, msg_id, endpoint_id in zip(
        leased.app_ids, leased.msg_ids, leased.endpoint_ids, strict=True
    ):
        ep = state[endpoint_id]
        if endpoint_id not in opened:
            opened[endpoint_id] = (
                signing_secrets(box, ep.secret, _json(ep.previous_secrets), now),
                endpoint_tls(box, ep.tls_client_cert, ep.tls_client_key, ep.tls_ca_cert),
                dict(_json(ep.headers) or {}),
            )
        secrets, tls, headers = opened[endpoint_id]
        message = messages[msg_id]
        jobs.append(
            DeliveryJob(
                delivery_id=delivery_ids[(msg_id, endpoint_id)],
                app_id=app_id,
                msg_id=msg_id,
                endpoint_id=endpoint_id,
                url=ep.url,
                secrets=secrets,
                tls=tls,
                headers=dict(headers),
                payload=message["payload"] or b"",
                attempt_count=0,
                trigger=TriggerType.SCHEDULED,
                trace_context=message["trace_context"],
                retry_schedule=schedules.get(message["event_type"]),
            )
        )
    return jobs
