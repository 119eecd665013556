"""The fan-out is built by the database (store/fan_out.py: routing in SQL): on both stores, the
deliveries a publish batch inserts are exactly those that routing.recipients chooses, in its
order, with the due times and FIFO flags the rules give, for every kind of filter an endpoint
can have stored (SQL NULL, JSON null, an empty list, lists), disabled endpoints with and
without a choice of their own, channels, examples sent to one endpoint, scheduled messages,
and with or without a hand-off taking some of them leased."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sealed_store import new_secret, sealed_store

from hookline.handoff import Intake
from hookline.routing import recipients
from hookline.store import Database
from hookline.store.leased_fan_out import HandOffRequest
from hookline.store.publishing import PublishRequest, store_batch
from hookline.store.schema import deliveries, endpoints
from hookline.types import DeliveryStatus

URL = "http://127.0.0.1:9/hook"
LATER_MS = 3_600_000
# An endpoint's filter as stored: SQL NULL, JSON null (how the JSON type stores None), an
# empty list (no filter either), or lists.
FILTERS: dict[str, Any] = {
    "sql-null": sa.null(),
    "json-null": None,
    "empty": [],
    "a.b": ["a.b"],
    "a.b+c.d": ["a.b", "c.d"],
}
CHANNELS: dict[str, Any] = {**FILTERS, "eu": ["eu"], "eu+us": ["eu", "us"]}
del CHANNELS["a.b"], CHANNELS["a.b+c.d"]
# (disabled, keep_messages_while_disabled)
STATES = [(False, None), (False, False), (True, None), (True, True), (True, False)]


@dataclass(frozen=True)
class Expected:
    """An endpoint as routing.recipients sees it."""

    endpoint_id: str
    event_types: tuple[str, ...] | None
    channels: tuple[str, ...] | None
    disabled: bool
    keeps_while_disabled: bool | None
    fifo: bool


def as_filter(stored: Any) -> tuple[str, ...] | None:
    return tuple(stored) if isinstance(stored, list) and stored else None


@pytest.fixture
async def db(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    async with sealed_store(database_url, tmp_path) as store:
        yield store


async def endpoint_grid(db: Database, app_id: str) -> list[Expected]:
    """One endpoint per combination of stored filters and state, in creation (id) order."""
    grid = []
    combinations = itertools.product(FILTERS.items(), CHANNELS.items(), STATES)
    for n, ((_, types), (_, channels), (disabled, keeps)) in enumerate(combinations):
        created = await db.endpoints.create(app_id, {"url": URL, "fifo": n % 3 == 0}, new_secret())
        async with db.write() as conn:  # stored as given, past the API's normalising
            await conn.execute(
                endpoints.update()
                .where(endpoints.c.id == created.id)
                .values(
                    event_types=types,
                    channels=channels,
                    disabled=disabled,
                    keep_messages_while_disabled=keeps,
                )
            )
        grid.append(
            Expected(created.id, as_filter(types), as_filter(channels), disabled, keeps, n % 3 == 0)
        )
    return grid


async def deliveries_of(db: Database, msg_id: str) -> list[sa.Row[Any]]:
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(deliveries).where(deliveries.c.msg_id == msg_id).order_by(deliveries.c.id)
        )
        return list(rows)


def requests(app_id: str, grid: list[Expected], now: int) -> list[PublishRequest]:
    """A batch with every kind of message: event types, channels, the server's keep setting,
    schedules, and examples to one endpoint (enabled with filters, disabled, unknown)."""
    batch = [
        PublishRequest(
            app_id,
            event_type,
            b"{}",
            channels=channels,
            keep_for_disabled=keeps,
            deliver_at=deliver_at,
        )
        for event_type, channels, keeps, deliver_at in itertools.product(
            ("a.b", "c.d", "x.y"),
            (None, [], ["eu"], ["us"], ["us", "eu"], ["asia"]),
            (False, True),
            (None, now + LATER_MS),
        )
    ]
    filtered = next(e for e in grid if e.event_types and e.channels and not e.disabled)
    disabled = next(e for e in grid if e.disabled and e.keeps_while_disabled)
    for only in (filtered.endpoint_id, disabled.endpoint_id, "ep_unknown"):
        batch.append(PublishRequest(app_id, "x.y", b"{}", endpoint_id=only))
    return batch


@pytest.mark.parametrize("handoff_room", [0, 7, 10_000])
async def test_a_batch_reaches_exactly_the_recipients_routing_chooses(
    db: Database, handoff_room: int
) -> None:
    app, _ = await db.applications.create({"name": "Routing"})
    other, _ = await db.applications.create({"name": "Elsewhere"})
    await db.endpoints.create(other.id, {"url": URL}, new_secret())  # never reached
    grid = await endpoint_grid(db, app.id)
    now = db.clock.now_ms()
    batch = requests(app.id, grid, now)
    handoff = None
    if handoff_room:
        intake = Intake("fan-out-test-worker", 30_000, handoff_room, lambda _e: 2)
        handoff = HandOffRequest(intake, db.secret_box)

    async with db.write() as conn:
        stored = await store_batch(conn, batch, now, handoff)

    leased_pairs = {(job.msg_id, job.endpoint_id) for job in stored.handed_off}
    assert len(stored.handed_off) <= handoff_room
    if handoff_room:
        assert stored.handed_off  # some could go now
    all_pending: list[sa.Row[Any]] = []
    for request, row in zip(batch, stored.results, strict=True):
        assert not isinstance(row, Exception)
        expected = recipients(
            grid,
            request.event_type,
            request.channels or None,
            request.endpoint_id,
            request.keep_for_disabled,
        )
        got = await deliveries_of(db, row.id)
        assert sorted(d.endpoint_id for d in got) == sorted(e.endpoint_id for e in expected)
        pending = [d for d in got if (row.id, d.endpoint_id) not in leased_pairs]
        all_pending += pending
        # Inserted in routing's order (endpoint id order), the leased ones first.
        order = [e.endpoint_id for e in expected]
        assert [d.endpoint_id for d in pending] == [
            e for e in order if (row.id, e) not in leased_pairs
        ]
        by_id = {e.endpoint_id: e for e in expected}
        for d in pending:
            endpoint = by_id[d.endpoint_id]
            assert (d.status, d.lease_owner, d.attempt_count) == (DeliveryStatus.PENDING, None, 0)
            assert bool(d.fifo) is endpoint.fifo
            if endpoint.disabled:
                assert d.due_at == request.deliver_at  # parked, or its schedule kept
            else:
                assert d.due_at == (request.deliver_at or now)
        for d in got:
            if (row.id, d.endpoint_id) in leased_pairs:
                endpoint = by_id[d.endpoint_id]
                assert not (endpoint.fifo or endpoint.disabled or request.deliver_at)
                assert d.status == DeliveryStatus.SENDING
    assert stored.left is bool(all_pending)


async def test_a_fifo_endpoints_deliveries_of_one_batch_are_in_message_order(
    db: Database,
) -> None:
    app, _ = await db.applications.create({"name": "FIFO"})
    first = await db.endpoints.create(app.id, {"url": URL, "fifo": True}, new_secret())
    second = await db.endpoints.create(app.id, {"url": URL, "fifo": True}, new_secret())
    now = db.clock.now_ms()
    async with db.write() as conn:
        stored = await store_batch(
            conn, [PublishRequest(app.id, "e.t", b"{}") for _ in range(5)], now
        )
    msg_ids = [row.id for row in stored.results if not isinstance(row, Exception)]
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(deliveries.c.endpoint_id, deliveries.c.msg_id)
            .where(deliveries.c.app_id == app.id)
            .order_by(deliveries.c.id)
        )
        by_endpoint: dict[str, list[str]] = {}
        for endpoint_id, msg_id in rows:
            by_endpoint.setdefault(endpoint_id, []).append(msg_id)
    assert by_endpoint == {first.id: msg_ids, second.id: msg_ids}


async def test_a_message_no_endpoint_takes_leaves_nothing_to_claim(db: Database) -> None:
    app, _ = await db.applications.create({"name": "Nobody"})
    await db.endpoints.create(app.id, {"url": URL, "event_types": ["a.b"]}, new_secret())
    async with db.write() as conn:
        stored = await store_batch(conn, [PublishRequest(app.id, "c.d", b"{}")], db.clock.now_ms())
    (row,) = stored.results
    assert not isinstance(row, Exception)
    assert await deliveries_of(db, row.id) == []
    assert not stored.left
