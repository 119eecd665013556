"""The delivery worker: claim due deliveries, send them concurrently, record the outcomes.

Three loops share one event loop:
- the claimer takes batches of due deliveries under a lease while there is room in flight
  (at most `HOOKLINE_ENDPOINT_CONCURRENCY` per endpoint, see `endpoint_slots`);
- each claimed delivery is sent by its own task, which queues an `AttemptRecord` (over HTTP,
  or for a relay endpoint through its listener's WebSocket: relay_sender.py);
- the recorder writes queued records in batches (one transaction per batch), with the
  endpoints' health, and tells operators what changed.
A crash anywhere loses nothing: unrecorded deliveries come back when their lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import secrets
import socket
import time
from collections.abc import Coroutine
from typing import Any

from hookline import ids
from hookline.admission import CIRCUIT_OPENED, DISABLED
from hookline.config import Settings
from hookline.delivery.client import DeliveryClient
from hookline.delivery.endpoint_slots import EndpointSlots
from hookline.delivery.relay_sender import RelaySender
from hookline.handoff import Intake
from hookline.observability import metrics, tracing
from hookline.operational import OperationalEvents
from hookline.readiness import FailureWatch, FailureWatches, report_failure, report_success
from hookline.retry import failure_delay
from hookline.store import Database, StoreUnavailable
from hookline.types import AttemptRecord, DeliveryJob, EndpointEvent, HealthPolicy, Outcome

log = logging.getLogger("hookline.worker")

STORE_RETRY_SECONDS = 1.0
# Deliveries given back because their endpoint had no free slot come due again after this.
BUSY_RETRY_MS = 1000
RECORD_GATHER_SECONDS = 0.02
MAX_CIRCUIT_COOLDOWN_MS = 3600 * 1000


def health_policy(settings: Settings) -> HealthPolicy:
    return HealthPolicy(
        breaker_threshold=settings.breaker_threshold,
        breaker_cooldown_ms=int(settings.breaker_cooldown * 1000),
        breaker_max_cooldown_ms=max(MAX_CIRCUIT_COOLDOWN_MS, int(settings.breaker_cooldown * 1000)),
        disable_after_ms=int(settings.disable_after * 1000),
        drain_per_second=settings.recover_rate,
    )


class Worker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        client: DeliveryClient | None = None,
        operational: OperationalEvents | None = None,
        failures: FailureWatches | None = None,
    ):
        self.db = db
        self.settings = settings
        self.client = client or DeliveryClient(settings)
        self.operational = operational or OperationalEvents(db, settings)
        self.policy = health_policy(settings)
        self.worker_id = f"{socket.gethostname()[:40]}-{secrets.token_hex(4)}"
        # Relay endpoints (`hookline listen`) whose listener's socket this process holds.
        self.relay = RelaySender(settings, self.worker_id)
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._pending_records: list[AttemptRecord] = []
        self._records_ready = asyncio.Event()
        self._in_flight: dict[asyncio.Task[None], DeliveryJob] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._slots = EndpointSlots(settings.worker_concurrency, settings.endpoint_concurrency)
        self._rng = random.Random()
        failures = failures or FailureWatches()
        self._claims = failures.watch("claim deliveries")
        self._records = failures.watch("record attempts")
        self._running = False
        self._closing = False
        self._stopping = False
        # time.monotonic() of the claim loop's last turn: readiness sees a stuck or dead loop.
        self.last_beat: float | None = None

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def wake(self) -> None:
        """Something became due now (a publish in this process): claim without waiting."""
        self._wake.set()

    def intake(self) -> Intake | None:
        """What a publish in this process may hand to this worker now (hookline.handoff)."""
        if not self._running or self._closing:
            return None
        room = self.settings.worker_concurrency - len(self._in_flight)
        if room <= 0:
            return None
        return Intake(
            self.worker_id, int(self.settings.lease_seconds * 1000), room, self._slots.room_for
        )

    def accept(self, jobs: list[DeliveryJob]) -> None:
        """Deliveries a committed publish leased to this worker: sent as if claimed."""
        if self._closing:
            return  # not sent: their leases expire and they are claimed again
        if tracing.enabled():
            attributes = {"hookline.claimed": len(jobs), "hookline.handed_off": True}
            with tracing.span("hookline.claim", None, "INTERNAL", attributes):
                pass
        start, give_back = self._slots.admit(jobs)
        for job in start:
            self._start(job)
        if give_back:  # the slots changed since the offer: rare, and no loss either way
            task = asyncio.create_task(self._give_back(give_back))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _give_back(self, jobs: list[DeliveryJob]) -> None:
        with contextlib.suppress(Exception):  # else their leases expire
            await self.db.deliveries.release(
                self.worker_id, [job.delivery_id for job in jobs], BUSY_RETRY_MS
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; then finish what is in flight (within the request
        timeout), record it, give back anything unfinished, and return."""
        await self.client.start()
        recorder = asyncio.create_task(self._record_loop())
        listener = asyncio.create_task(self.db.listen_for_due(self.wake, stop))
        self._running = True
        try:
            await self._claim_loop(stop)
        finally:
            self._closing = True  # no new sends; waiting deliveries are given back
            await self._finish_in_flight()
            self._stopping = True
            self._records_ready.set()
            await recorder
            await listener
            await self.client.close()

    async def _claim_loop(self, stop: asyncio.Event) -> None:
        lease_ms = int(self.settings.lease_seconds * 1000)
        while not stop.is_set():
            self.last_beat = time.monotonic()
            room = self.settings.worker_concurrency - len(self._in_flight)
            if room <= 0:
                self._room.clear()
                await _wait_any(stop, self._room, seconds=self.settings.poll_interval)
                continue
            self._wake.clear()
            asked = min(room, self.settings.worker_batch_size)
            skipped = self._slots.full()
            try:
                claim_started = time.time_ns()
                jobs = await self.db.deliveries.claim_due(
                    self.worker_id, asked, lease_ms, skip_endpoints=skipped
                )
                if jobs and tracing.enabled():
                    attributes = {"hookline.claimed": len(jobs), "hookline.asked": asked}
                    with tracing.span(
                        "hookline.claim", None, "INTERNAL", attributes, claim_started
                    ):
                        pass
                start, give_back = self._slots.admit(jobs)
                if give_back:
                    await self.db.deliveries.release(
                        self.worker_id, [j.delivery_id for j in give_back], BUSY_RETRY_MS
                    )
            except Exception as exc:
                self._store_failed(self._claims, exc)
                await _wait_any(stop, seconds=STORE_RETRY_SECONDS)
                continue
            report_success(self._claims, time.monotonic(), log)
            for job in start:
                self._start(job)
            if len(jobs) < asked:
                # Nothing more is due now: sleep until a publish wakes us, or the next poll;
                # or, if busy endpoints were left out, until one of them has a free slot.
                self._slot_freed.clear()
                events = (self._wake, self._slot_freed) if skipped else (self._wake,)
                await _wait_any(stop, *events, seconds=self.settings.poll_interval)

    def _start(self, job: DeliveryJob) -> None:
        task = asyncio.create_task(self._deliver(job))
        self._in_flight[task] = job
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        self._room.set()

    async def _deliver(self, job: DeliveryJob) -> None:
        if job.not_before_ms is not None:
            # A throttled endpoint: wait for this delivery's slot.
            await asyncio.sleep(max(0.0, (job.not_before_ms - self.db.clock.now_ms()) / 1000))
        started_ms = self.db.clock.now_ms()  # the store's clock, as for due times
        if tracing.enabled():
            record = await self._traced_send(job, started_ms)
        else:
            record = self._attempt_record(job, started_ms, await self._send(job))
        result = record.outcome
        self._pending_records.append(record)
        self._records_ready.set()  # the recorder batches whatever piles up meanwhile
        following = self._slots.done(job.endpoint_id, result.succeeded)
        if following is None:
            self._slot_freed.set()
        elif not self._closing:
            self._start(following)
        _observe(record)

    def _send(self, job: DeliveryJob) -> Coroutine[Any, Any, Outcome]:
        return self.relay.send(job) if job.relay else self.client.send(job)

    async def _traced_send(self, job: DeliveryJob, started_ms: int) -> AttemptRecord:
        """Send inside a `hookline.attempt` span, a child of the publish's span."""
        attributes = {
            "hookline.app_id": job.app_id,
            "hookline.msg_id": job.msg_id,
            "hookline.endpoint_id": job.endpoint_id,
            "hookline.attempt_number": job.attempt_count + 1,
        }
        with tracing.span("hookline.attempt", job.trace_context, "CLIENT", attributes) as span:
            if self.settings.propagate_trace:
                traceparent = tracing.current_traceparent()
                if traceparent is not None:
                    job = dataclasses.replace(
                        job, headers={**job.headers, "traceparent": traceparent}
                    )
            result = await self._send(job)
            record = self._attempt_record(job, started_ms, result)
            tracing.set_attributes(
                span,
                {
                    "hookline.attempt_id": record.attempt_id,
                    "http.response.status_code": result.status_code or None,
                    "hookline.succeeded": result.succeeded,
                    "hookline.failure_kind": (
                        result.failure_kind.value if result.failure_kind else None
                    ),
                },
            )
        return record

    def _attempt_record(self, job: DeliveryJob, started_ms: int, result: Outcome) -> AttemptRecord:
        next_at = None
        if not result.succeeded and result.retryable:
            delay = failure_delay(
                job.attempt_count + 1,
                self.settings.retry_schedule if job.retry_schedule is None else job.retry_schedule,
                result.status_code,
                result.retry_after,
                self.settings.max_retry_after,
                self._rng,
            )
            if delay is not None:
                next_at = self.db.clock.now_ms() + int(delay * 1000)
        return AttemptRecord(
            job=job,
            attempt_id=ids.new_id(ids.ATTEMPT, started_ms),
            started_at_ms=started_ms,
            outcome=result,
            next_attempt_at_ms=next_at,
        )

    async def _record_loop(self) -> None:
        while True:
            await self._records_ready.wait()
            if not self._stopping:
                # Let a few more outcomes gather: fewer, larger transactions leave the
                # database to publishes and claims (nothing waits for this write).
                await asyncio.sleep(RECORD_GATHER_SECONDS)
            self._records_ready.clear()
            batch, self._pending_records = self._pending_records, []
            while batch:
                try:
                    changes = await self.db.deliveries.record(self.worker_id, batch, self.policy)
                except Exception as exc:
                    # Keep the records and try again: the attempts happened. If we stop
                    # before the store is back, the leases expire and the deliveries repeat.
                    self._store_failed(self._records, exc, f"{len(batch)} attempts waiting")
                    if self._stopping:
                        return
                    await asyncio.sleep(STORE_RETRY_SECONDS)
                    continue
                report_success(self._records, time.monotonic(), log)
                _observe_changes(changes)
                await self._tell_operators(batch, changes)
                batch = []
            if self._stopping and not self._pending_records:
                return

    def _store_failed(self, watch: FailureWatch, exc: Exception, note: str = "") -> None:
        # An outage is expected now and then; anything else gets its traceback (once).
        outage = isinstance(exc, StoreUnavailable)
        report_failure(watch, time.monotonic(), exc, log, with_traceback=not outage, note=note)

    async def _tell_operators(
        self, batch: list[AttemptRecord], changes: list[EndpointEvent]
    ) -> None:
        try:
            await self.operational.after_attempts(batch, changes)
        except Exception as exc:  # operators' notices must never stop deliveries
            log.warning("cannot publish operational events: %s", exc)

    async def _finish_in_flight(self) -> None:
        """Let sends in flight finish (bounded by the request timeout); give back the rest."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=self.settings.request_timeout + 1)
        unfinished = dict(self._in_flight)
        for task in unfinished:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        give_back = [job.delivery_id for job in unfinished.values()]
        give_back += [job.delivery_id for job in self._slots.drain_waiting()]
        if give_back:
            with contextlib.suppress(Exception):
                await self.db.deliveries.release(self.worker_id, give_back)


def _observe(record: AttemptRecord) -> None:
    job, outcome = record.job, record.outcome
    exhausted = not outcome.succeeded and record.next_attempt_at_ms is None
    latency = time.time() - ids.created_ms(job.msg_id) / 1000 if outcome.succeeded else None
    metrics.record_attempt(job.app_id, outcome, latency, job.attempt_count == 0, exhausted)
    if log.isEnabledFor(logging.INFO):
        log.info(
            "attempt %s of %s to %s: %s",
            record.attempt_id,
            job.msg_id,
            job.endpoint_id,
            "delivered" if outcome.succeeded else f"failed ({outcome.failure_kind})",
            extra={
                "app_id": job.app_id,
                "msg_id": job.msg_id,
                "endpoint_id": job.endpoint_id,
                "attempt_id": record.attempt_id,
                "status": outcome.status_code,
                "duration_ms": outcome.duration_ms,
                "failure_kind": outcome.failure_kind,
            },
        )


def _observe_changes(changes: list[EndpointEvent]) -> None:
    for change in changes:
        if change.kind == DISABLED:
            metrics.record_endpoint_disabled(change.app_id, change.reason)
            log.warning(
                "endpoint %s disabled: %s",
                change.endpoint_id,
                change.reason,
                extra={"app_id": change.app_id, "endpoint_id": change.endpoint_id},
            )
        elif change.kind == CIRCUIT_OPENED:
            metrics.record_circuit_opened(change.app_id)


async def _wait_any(stop: asyncio.Event, *events: asyncio.Event, seconds: float) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in (stop, *events)]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
