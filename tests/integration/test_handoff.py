"""The hand-off in the store: a publish inserts the deliveries its worker can take already
leased to that worker, in the publish transaction, and hands their jobs over after the
commit; the rest are pending for claims. A handed-off delivery is recorded once, and one that
is never sent comes back by itself when its lease expires."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sealed_store import new_secret, sealed_store

from hookline import ids
from hookline.config import load_settings
from hookline.delivery.worker import health_policy
from hookline.handoff import Intake
from hookline.store import Database
from hookline.store.leased_fan_out import HandOffRequest
from hookline.store.publishing import PublishRequest, store_batch
from hookline.store.schema import attempts, deliveries
from hookline.types import AttemptRecord, DeliveryJob, DeliveryStatus, Outcome, TriggerType

URL = "http://127.0.0.1:9/hook"
WORKER = "handoff-test-worker"
LEASE_MS = 30_000


class Target:
    """A worker as the publish path sees it: it offers `room`, and keeps what it is given
    (which takes from its room)."""

    def __init__(self, room: int = 10, per_endpoint: int = 4, lease_ms: int = LEASE_MS) -> None:
        self.room, self.per_endpoint, self.lease_ms = room, per_endpoint, lease_ms
        self.jobs: list[DeliveryJob] = []

    def intake(self) -> Intake | None:
        return Intake(WORKER, self.lease_ms, self.room, lambda _endpoint: self.per_endpoint)

    def accept(self, jobs: list[DeliveryJob]) -> None:
        self.jobs += jobs
        self.room -= len(jobs)


@pytest.fixture
async def db(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    async with sealed_store(database_url, tmp_path) as store:
        yield store


async def delivery_rows(db: Database, msg_id: str) -> dict[str, sa.Row]:
    async with db.read() as conn:
        rows = await conn.execute(sa.select(deliveries).where(deliveries.c.msg_id == msg_id))
        return {row.endpoint_id: row for row in rows}


async def test_fresh_deliveries_are_leased_in_the_publish_and_the_rest_wait(db: Database) -> None:
    app, _ = await db.applications.create({"name": "Hand-off"})
    plain_secret = new_secret()
    plain = await db.endpoints.create(
        app.id, {"url": URL, "headers": {"x-team": "a"}}, plain_secret
    )
    fifo = await db.endpoints.create(app.id, {"url": URL, "fifo": True}, new_secret())
    throttled = await db.endpoints.create(app.id, {"url": URL, "throttle_rate": 5}, new_secret())
    target = Target()
    db.hand_off_to(target)

    msg = await db.messages.publish(app.id, "order.created", b'{"n": 1}')

    rows = await delivery_rows(db, msg.id)
    leased = rows[plain.id]
    assert leased.status == DeliveryStatus.SENDING
    assert leased.lease_owner == WORKER
    assert leased.due_at == leased.created_at + LEASE_MS  # due again only if never recorded
    for waiting in (rows[fifo.id], rows[throttled.id]):  # the claim's to decide
        assert waiting.status == DeliveryStatus.PENDING
        assert waiting.lease_owner is None
        assert waiting.due_at == waiting.created_at
    (job,) = target.jobs
    assert (job.delivery_id, job.msg_id, job.endpoint_id) == (leased.id, msg.id, plain.id)
    assert job.url == URL
    assert job.secrets == (plain_secret,)
    assert job.headers == {"x-team": "a"}
    assert job.payload == b'{"n": 1}'
    assert (job.attempt_count, job.trigger) == (0, TriggerType.SCHEDULED)

    # Another worker's claim does not take the handed-off delivery (its lease holds).
    claimed = await db.deliveries.claim_due("another-worker", 10, LEASE_MS)
    assert leased.id not in {c.delivery_id for c in claimed}
    assert fifo.id in {c.endpoint_id for c in claimed}

    # Recorded once, by the worker it was leased to.
    now = db.clock.now_ms()
    record = AttemptRecord(job, ids.new_id(ids.ATTEMPT, now), now, Outcome(True, 200, "", 3), None)
    await db.deliveries.record(WORKER, [record], health_policy(load_settings({})))
    rows = await delivery_rows(db, msg.id)
    assert rows[plain.id].status == DeliveryStatus.SUCCESS
    assert rows[plain.id].lease_owner is None
    async with db.read() as conn:
        made = await conn.execute(
            sa.select(attempts.c.id).where(attempts.c.delivery_id == leased.id)
        )
        assert len(made.all()) == 1


async def test_the_workers_room_bounds_what_is_handed_off(db: Database) -> None:
    app, _ = await db.applications.create({"name": "Room"})
    endpoints = [await db.endpoints.create(app.id, {"url": URL}, new_secret()) for _ in range(3)]
    target = Target(room=4, per_endpoint=1)
    db.hand_off_to(target)

    first = await db.messages.publish(app.id, "e.t", b"{}")
    second = await db.messages.publish(app.id, "e.t", b"{}")

    # The first publish takes three of the four, the second the one left.
    assert [j.msg_id for j in target.jobs] == [first.id] * 3 + [second.id]
    first_rows = await delivery_rows(db, first.id)
    assert {e.id: first_rows[e.id].lease_owner for e in endpoints} == dict.fromkeys(
        [e.id for e in endpoints], WORKER
    )
    second_rows = await delivery_rows(db, second.id)
    assert sorted((r.lease_owner or "") for r in second_rows.values()) == ["", "", WORKER]


async def test_an_endpoints_free_slots_bound_what_it_is_handed(db: Database) -> None:
    app, _ = await db.applications.create({"name": "Slots"})
    endpoint = await db.endpoints.create(app.id, {"url": URL}, new_secret())
    target = Target(room=10, per_endpoint=2)
    db.hand_off_to(target)
    async with db.write() as conn:  # one batch of five publishes to one endpoint
        intake = target.intake()
        assert intake is not None
        stored = await store_batch(
            conn,
            [PublishRequest(app.id, "e.t", b"{}") for _ in range(5)],
            db.clock.now_ms(),
            HandOffRequest(intake, db.secret_box),
        )
    assert len(stored.handed_off) == 2
    assert {j.endpoint_id for j in stored.handed_off} == {endpoint.id}
    assert stored.left  # three wait for a claim


async def test_a_handed_off_delivery_never_sent_comes_back_when_its_lease_expires(
    db: Database,
) -> None:
    app, _ = await db.applications.create({"name": "Lost"})
    endpoint = await db.endpoints.create(app.id, {"url": URL}, new_secret())
    target = Target(lease_ms=1)  # the worker "dies" with it: nothing records it
    db.hand_off_to(target)
    msg = await db.messages.publish(app.id, "e.t", b"{}")
    (job,) = target.jobs

    claimed: list[DeliveryJob] = []
    for _ in range(200):  # until the store's clock has passed the 1 ms lease
        claimed = await db.deliveries.claim_due("another-worker", 10, LEASE_MS)
        if claimed:
            break
        await asyncio.sleep(0.01)
    assert [(c.delivery_id, c.msg_id, c.endpoint_id) for c in claimed] == [
        (job.delivery_id, msg.id, endpoint.id)
    ]


async def test_without_an_intake_every_delivery_waits_for_a_claim(db: Database) -> None:
    app, _ = await db.applications.create({"name": "Off"})
    endpoint = await db.endpoints.create(app.id, {"url": URL}, new_secret())

    class Full(Target):
        def intake(self) -> Intake | None:
            return None

    target = Full()
    db.hand_off_to(target)
    msg = await db.messages.publish(app.id, "e.t", b"{}")
    row = (await delivery_rows(db, msg.id))[endpoint.id]
    assert (row.status, row.lease_owner) == (DeliveryStatus.PENDING, None)
    assert target.jobs == []
