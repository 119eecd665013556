"""Publishing: a message and its fan-out are stored in one transaction before the 202.

Concurrent publishes are grouped: while one transaction commits, the requests that arrive
pile up and go into the next one together. Under light load a batch holds one message and
nothing waits; under heavy load one commit (and one fsync) serves hundreds of messages.
Each message still succeeds or fails on its own: an unknown application or a duplicate
eventId fails that request only.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hookline import ids
from hookline.store.applications import insert_application
from hookline.store.errors import Conflict, InvalidKey, NotFound
from hookline.store.fan_out import FanOutBatch, insert_deliveries
from hookline.store.leased_fan_out import HandOffRequest, lease_fresh
from hookline.store.lookups import refuse_id_shaped
from hookline.store.message_sequence import take_numbers
from hookline.store.rows import MessageRow
from hookline.store.schema import applications, message_tags, messages
from hookline.types import DeliveryJob

if TYPE_CHECKING:
    from hookline.store.connections import Connections

MAX_BATCH = 500


@dataclass
class PublishRequest:
    app: str  # id or uid
    event_type: str
    payload: bytes
    event_id: str | None = None
    channels: list[str] | None = None
    tags: list[str] | None = None
    create_app: dict[str, Any] | None = None  # get-or-create the application with these fields
    trace_context: str | None = None  # the publish span's traceparent, when tracing is on
    # Deliver to this endpoint (an id) only, whatever its filters: an example sent on request.
    endpoint_id: str | None = None
    deliver_at: int | None = None  # ms; the deliveries are due then instead of now
    # ms; the payload is removed this long after publishing (a keep of the message's own)
    payload_keep_ms: int | None = None
    # HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS: disabled endpoints without a choice of
    # their own get a parked delivery (see routing.reaches_endpoint).
    keep_for_disabled: bool = False
    future: asyncio.Future[MessageRow] = field(init=False, repr=False)


class PublishBatcher:
    def __init__(self, db: Connections) -> None:
        self.db = db
        self._queue: list[PublishRequest] = []
        self._draining: asyncio.Task[None] | None = None

    async def publish(self, request: PublishRequest) -> MessageRow:
        request.future = asyncio.get_running_loop().create_future()
        self._queue.append(request)
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        return await request.future

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            left_for_claims = await self._store(batch)
            self.db.notify_published(wake_worker=left_for_claims)

    async def _store(self, batch: list[PublishRequest]) -> bool:
        """Store `batch` and answer its requests; returns whether any of the new deliveries
        waits for a claim (all of them, without a hand-off)."""
        target = self.db.handoff_target
        intake = None if target is None else target.intake()
        handoff = None if intake is None else HandOffRequest(intake, self.db.secret_box)
        jobs: list[DeliveryJob] = []
        left_for_claims = True
        try:
            async with self.db.write() as conn:
                stored = await store_batch(conn, batch, self.db.clock.now_ms(), handoff)
            results, jobs, left_for_claims = stored.results, stored.handed_off, stored.left
        except IntegrityError:
            if len(batch) > 1:
                # A race with another process (e.g. the same eventId): retry one by one so
                # that only the offending request fails.
                left = [await self._store([request]) for request in batch]
                return any(left)
            results = [Conflict("the eventId or application uid is already in use")]
        except Exception as exc:  # the store is down, or a bug: every request learns of it
            results = [exc] * len(batch)
        for request, result in zip(batch, results, strict=True):
            if request.future.done():
                continue  # the caller went away
            if isinstance(result, Exception):
                request.future.set_exception(result)
            else:
                request.future.set_result(result)
        if jobs and target is not None:
            # Committed: the worker sends them now (had it gone, their leases would expire).
            # After the callers were woken: the sends are tasks, which start after the tasks
            # woken before them, so the answers are written before hundreds of sends take
            # the core.
            target.accept(jobs)
        return left_for_claims


@dataclass
class StoredBatch:
    results: list[MessageRow | Exception]  # a row or an error per request
    handed_off: list[DeliveryJob] = field(default_factory=list)  # leased to the worker
    left: bool = False  # some deliveries wait for a claim


async def store_batch(
    conn: AsyncConnection,
    batch: list[PublishRequest],
    now: int,
    handoff: HandOffRequest | None = None,
) -> StoredBatch:
    """Insert the messages of `batch` and their deliveries; with `handoff`, those the worker
    can take now are inserted leased to it, and their jobs returned."""
    apps = await _resolve_apps(conn, batch, now)
    app_ids = {key: value for key, value in apps.items() if isinstance(value, str)}
    results: list[MessageRow | Exception] = []
    taken = await _existing_event_ids(conn, batch, app_ids)
    rows: list[dict[str, Any]] = []
    published: list[PublishRequest] = []  # the request of each of `rows`
    for request in batch:
        app_id = apps.get(request.app) or NotFound("application", request.app)
        if isinstance(app_id, Exception):
            results.append(app_id)
            continue
        if request.event_id is not None:
            try:
                refuse_id_shaped(request.event_id, "eventId", ("body", "eventId"))
            except InvalidKey as exc:
                results.append(exc)
                continue
            if (app_id, request.event_id) in taken:
                results.append(
                    Conflict(f"a message with eventId {request.event_id!r} already exists")
                )
                continue
            taken.add((app_id, request.event_id))
        row = {
            "id": ids.new_id(ids.MESSAGE, now),
            "app_id": app_id,
            "event_type": request.event_type,
            "event_id": request.event_id,
            "payload": request.payload,
            "channels": request.channels or None,
            "tags": request.tags or None,
            "created_at": now,
            "trace_context": request.trace_context,
            "deliver_at": request.deliver_at,
            "payload_expires_at": (
                None if request.payload_keep_ms is None else now + request.payload_keep_ms
            ),
        }
        rows.append(row)
        published.append(request)
        results.append(MessageRow.from_row(row))
    if not rows:
        return StoredBatch(results)
    # Numbered last, just before the writes: the sequence rows stay locked until the commit.
    counts: dict[str, int] = defaultdict(int)
    for stored in rows:
        counts[stored["app_id"]] += 1
    next_number = await take_numbers(conn, counts)
    for stored in rows:
        stored["seq"] = next_number[stored["app_id"]]
        next_number[stored["app_id"]] += 1
    await conn.execute(messages.insert(), rows)
    tags = [
        {"app_id": row["app_id"], "tag": tag, "msg_id": row["id"]}
        for row in rows
        for tag in row["tags"] or ()
    ]
    if tags:
        await conn.execute(message_tags.insert(), tags)
    fan_out = FanOutBatch()
    for request, stored in zip(published, rows, strict=True):
        fan_out.add(
            stored["id"],
            stored["app_id"],
            stored["event_type"],
            stored["channels"],
            stored["deliver_at"],
            request.endpoint_id,
            request.keep_for_disabled,
        )
    jobs: list[DeliveryJob] = []
    if handoff is not None:
        jobs = await lease_fresh(conn, fan_out, {r["id"]: r for r in rows}, handoff, now)
    pending = await insert_deliveries(conn, fan_out, now, after_lease=bool(jobs))
    return StoredBatch(results, jobs, left=pending > 0)


async def _resolve_apps(
    conn: AsyncConnection, batch: list[PublishRequest], now: int
) -> dict[str, str | Exception]:
    """Map each request's application key (id or uid) to its id, creating the application
    where the request asks for it; an error instead where that cannot be done."""
    keys = {r.app for r in batch}
    keys |= {r.create_app["uid"] for r in batch if r.create_app and r.create_app.get("uid")}
    # As everywhere (see `lookups`): an id-shaped key is an id, any other key a uid.
    id_keys = {k for k in keys if ids.looks_like_id(k)}
    uid_keys = keys - id_keys
    a = applications
    found = await conn.execute(
        sa.select(a.c.id, a.c.uid).where(sa.or_(a.c.id.in_(id_keys), a.c.uid.in_(uid_keys)))
    )
    resolved: dict[str, str | Exception] = {}
    for row in found:
        if row.id in id_keys:
            resolved[row.id] = row.id
        if row.uid in uid_keys:
            resolved[row.uid] = row.id
    for request in batch:
        if request.app in resolved or request.create_app is None:
            continue
        uid = request.create_app.get("uid") or request.app
        try:
            # Ids are assigned by Hookline: only a uid can name a new application.
            refuse_id_shaped(request.app, "uid", ("path", "app_id"))
            refuse_id_shaped(uid, "uid", ("body", "application", "uid"))
        except InvalidKey as exc:
            resolved[request.app] = exc
            continue
        if uid != request.app and uid in resolved:
            resolved[request.app] = Conflict(f"an application with uid {uid!r} already exists")
            continue
        created = await insert_application(conn, {**request.create_app, "uid": uid}, now)
        resolved[request.app] = resolved[uid] = created.id
    return resolved


async def _existing_event_ids(
    conn: AsyncConnection, batch: list[PublishRequest], app_ids: dict[str, str]
) -> set[tuple[str, str]]:
    wanted = {(app_ids[r.app], r.event_id) for r in batch if r.event_id and r.app in app_ids}
    if not wanted:
        return set()
    m = messages
    rows = await conn.execute(
        sa.select(m.c.app_id, m.c.event_id).where(
            m.c.app_id.in_({a for a, _ in wanted}), m.c.event_id.in_({e for _, e in wanted})
        )
    )
    return {(r.app_id, r.event_id) for r in rows} & wanted
