"""Operational webhooks: Hookline tells its operator when endpoints are disabled or
re-enabled and when messages keep failing, Svix-style.

The events travel through Hookline itself: they are messages of an internal application
(uid `hookline-operational`) whose one endpoint is `HOOKLINE_OPERATIONAL_WEBHOOK_URL`, so
they are stored before anything else happens, signed, retried and logged like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from hookline import signing
from hookline.config import Settings
from hookline.observability.metrics import record_operational_webhook
from hookline.store import Database, NotFound
from hookline.store.endpoint_health import DISABLED
from hookline.types import AttemptRecord, EndpointEvent

log = logging.getLogger("hookline.operational")

APP_UID = "hookline-operational"
ENDPOINT_UID = "operator"
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
        if rec.outcome.succeeded:
            continue
        attempt_number = rec.job.attempt_count + 1
        if rec.next_attempt_at_ms is None:
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


class OperationalEvents:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.app_id: str | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.operational_webhook_url is not None

    async def setup(self) -> None:
        """Create or update the internal application and its endpoint from the settings."""
        if not self.enabled:
            return
        url = self.settings.operational_webhook_url
        app, _ = await self.db.applications.create(
            {"name": "Hookline operational events", "uid": APP_UID}, get_if_exists=True
        )
        self.app_id = app.id
        secret = signing.normalize_secret(
            self.settings.operational_webhook_secret or signing.generate_secret()
        )
        try:
            current = await self.db.endpoints.get(app.id, ENDPOINT_UID)
        except NotFound:
            await self.db.endpoints.create(
                app.id, {"uid": ENDPOINT_UID, "url": url, "description": "operator"}, secret
            )
            return
        if current.url != url:
            await self.db.endpoints.update(app.id, ENDPOINT_UID, {"url": url})

    async def emit(self, event_type: str, data: dict[str, Any]) -> None:
        if not self.enabled:
            return
        body = {
            "type": event_type,
            "timestamp": _iso(int(datetime.now(UTC).timestamp() * 1000)),
            "data": data,
        }
        await self.db.messages.publish(APP_UID, event_type, orjson.dumps(body))
        record_operational_webhook(event_type)

    async def after_attempts(
        self, records: Sequence[AttemptRecord], changes: Sequence[EndpointEvent]
    ) -> None:
        if not self.enabled:
            return
        # The operator's own endpoint failing must not report about itself, forever.
        own = [r for r in records if r.job.app_id != self.app_id]
        for event_type, data in attempt_events(own) + [
            endpoint_event(c) for c in changes if c.app_id != self.app_id and c.kind == DISABLED
        ]:
            await self.emit(event_type, data)
