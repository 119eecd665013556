"""Operational webhooks: Hookline tells its operator when endpoints are created, changed,
deleted, disabled or re-enabled and when messages keep failing (or recover), Svix-style.

The events travel through Hookline itself: they are messages of an internal application
(uid `hookline-operational`), so they are stored before anything else happens, signed,
retried and logged like any other. Its endpoints are the operational-webhook endpoints
(`/api/v1/operational-webhook/endpoint`, each with its `filterTypes`);
`HOOKLINE_OPERATIONAL_WEBHOOK_URL` is a shortcut that keeps one of them (uid `operator`,
every event type) at that URL. With no such endpoint the application does not exist and
nothing is stored.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from hookline import signing
from hookline.admission import DISABLED
from hookline.config import Settings
from hookline.observability.metrics import record_operational_webhook
from hookline.store import Database, NotFound
from hookline.store.rows import BackgroundTaskRow
from hookline.types import AttemptRecord, EndpointEvent

log = logging.getLogger("hookline.operational")

APP_UID = "hookline-operational"
ENDPOINT_UID = "operator"
# Svix's operational event types: what an operational-webhook endpoint may filter on. Hookline
# sends every one of them.
OPERATIONAL_EVENT_TYPES = (
    "endpoint.created",
    "endpoint.updated",
    "endpoint.deleted",
    "endpoint.disabled",
    "endpoint.enabled",
    "message.attempt.exhausted",
    "message.attempt.failing",
    "message.attempt.recovered",
    "background_task.finished",
)
# The failed attempt after which `message.attempt.failing` is sent (once per delivery).
FAILING_AFTER_ATTEMPTS = 3


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


def attempt_events(records: Sequence[AttemptRecord]) -> list[tuple[str, dict[str, Any]]]:
    """`message.attempt.exhausted` and `message.attempt.failing` for a batch of attempts."""
    events = []
    for rec in records:
        attempt_number = rec.job.attempt_count + 1
        if rec.outcome.succeeded:
            if attempt_number <= FAILING_AFTER_ATTEMPTS:
                continue
            kind = "message.attempt.recovered"  # after `failing` was sent for this delivery
        elif rec.next_attempt_at_ms is None:
            kind = "message.attempt.exhausted"
        elif attempt_number == FAILING_AFTER_ATTEMPTS:
            kind = "message.attempt.failing"
        else:
            continue
        events.append(
            (
                kind,
                {
                    "appId": rec.job.app_id,
                    "msgId": rec.job.msg_id,
                    "endpointId": rec.job.endpoint_id,
                    "lastAttempt": {
                        "id": rec.attempt_id,
                        "timestamp": _iso(rec.started_at_ms),
                        "responseStatusCode": rec.outcome.status_code,
                        "failureKind": rec.outcome.failure_kind,
                    },
                },
            )
        )
    return events


def endpoint_event(change: EndpointEvent) -> tuple[str, dict[str, Any]]:
    return (
        f"endpoint.{change.kind}",
        {
            "appId": change.app_id,
            "endpointId": change.endpoint_id,
            "failSince": _iso(change.failing_since_ms),
            "reason": change.reason,
            "trigger": "automatic",
        },
    )


def task_finished_event(task: BackgroundTaskRow) -> tuple[str, dict[str, Any]]:
    """`background_task.finished` for a task that ended, finished or failed: Svix's
    BackgroundTaskFinishedEventData (`taskId`, `task`, `status`, the task's `data`)."""
    return (
        "background_task.finished",
        {"taskId": task.id, "task": task.task, "status": task.status, "data": task.data},
    )


class OperationalEvents:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        # The internal application's id, once known (it may be made by another process).
        self.app_id: str | None = None

    async def application_id(self, create: bool = False) -> str | None:
        """The internal application's id; None if it does not exist (and `create` is false)."""
        if self.app_id is None:
            if create:
                app, _ = await self.db.applications.create(
                    {"name": "Hookline operational events", "uid": APP_UID}, get_if_exists=True
                )
                self.app_id = app.id
            else:
                with contextlib.suppress(NotFound):
                    self.app_id = (await self.db.applications.get(APP_UID)).id
        return self.app_id

    async def setup(self) -> None:
        """Create or update the `operator` endpoint from HOOKLINE_OPERATIONAL_WEBHOOK_URL."""
        url = self.settings.operational_webhook_url
        if url is None:
            return
        app_id = await self.application_id(create=True)
        assert app_id is not None
        secret = signing.normalize_secret(
            self.settings.operational_webhook_secret or signing.generate_secret()
        )
        try:
            current = await self.db.endpoints.get(app_id, ENDPOINT_UID)
        except NotFound:
            await self.db.endpoints.create(
                app_id, {"uid": ENDPOINT_UID, "url": url, "description": "operator"}, secret
            )
            return
        if current.url != url:
            await self.db.endpoints.update(app_id, ENDPOINT_UID, {"url": url})

    async def emit(self, event_type: str, data: dict[str, Any]) -> None:
        """Publish the event to the operational-webhook endpoints whose `filterTypes` take
        it; nothing when there are none."""
        body = {
            "type": event_type,
            "timestamp": _iso(int(datetime.now(UTC).timestamp() * 1000)),
            "data": data,
        }
        try:
            await self.db.messages.publish(
                APP_UID,
                event_type,
                orjson.dumps(body),
                keep_for_disabled=self.settings.keep_messages_for_disabled_endpoints,
            )
        except NotFound:
            self.app_id = None  # no operational-webhook endpoint was ever made (or it went)
            return
        record_operational_webhook(event_type)

    async def after_attempts(
        self, records: Sequence[AttemptRecord], changes: Sequence[EndpointEvent]
    ) -> None:
        events = attempt_events(records) + [
            endpoint_event(c) for c in changes if c.kind == DISABLED
        ]
        if not events:
            return
        internal = await self.application_id()
        if internal is None:
            return
        # The operator's own endpoints failing must not report about themselves, forever.
        own = [r for r in records if r.job.app_id != internal]
        for event_type, data in attempt_events(own) + [
            endpoint_event(c) for c in changes if c.app_id != internal and c.kind == DISABLED
        ]:
            await self.emit(event_type, data)

    async def task_ended(self, task: BackgroundTaskRow) -> None:
        """Announce a background task that ended (not one of the internal application's).
        Never raises: the task's own record stands whatever becomes of its notice, and the
        caller (a request already answered in substance, a start-up, a retention pass) must
        not fail for it."""
        try:
            internal = await self.application_id()
            if internal is None or task.app_id == internal:
                return
            await self.emit(*task_finished_event(task))
        except Exception:
            log.exception("could not announce the end of background task %s", task.id)
