"""Operational webhooks for background tasks and endpoint changes, on both stores, to a real
operator receiver (signatures verified with `standardwebhooks`): `background_task.finished`
for every task that ends (in its request, in the background, or abandoned by a stopped
process), `endpoint.updated` when an endpoint's headers change or its secret is rotated; and
the retention pass removing ended tasks older than the retention period."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from db_access import run_sql
from receiver import Receiver
from standardwebhooks.webhooks import Webhook
from svix.api import (
    ApplicationIn,
    BulkReplayIn,
    EndpointHeadersIn,
    EndpointHeadersPatchIn,
    EndpointIn,
    EndpointSecretRotateIn,
    OperationalWebhookEndpointIn,
    RecoverIn,
)
from svix.models import BackgroundTaskStatus

from hookline import ids

SECRET = "whsec_" + "b3BlcmF0aW9uYWwtd2ViaG9vay1zZWNyZXQtMTIzNDU="
DAY_MS = 86_400_000


@pytest.fixture
def operator():
    r = Receiver().start()
    yield r
    r.stop()


def _events(requests, event_type: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    found = []
    for request in requests:
        Webhook(SECRET).verify(request.body, request.headers)
        body = json.loads(request.body)
        if body["type"] == event_type:
            found.append(body["data"])
    return found


def _subscribe(svix, operator, *event_types: str) -> None:  # type: ignore[no-untyped-def]
    svix.operational_webhook.endpoint.create(
        OperationalWebhookEndpointIn(
            url=f"{operator.url}/ops", secret=SECRET, event_types=list(event_types)
        )
    )


def test_tasks_that_end_and_endpoint_changes_are_announced(hookline, receiver, operator):
    svix = hookline.svix()
    _subscribe(svix, operator, "background_task.finished", "endpoint.updated")
    app = svix.application.create(ApplicationIn(name="Announced")).id
    ep = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/a", uid="announced")).id
    since = datetime.now(UTC) - timedelta(minutes=1)

    recovered = svix.endpoint.recover(app, ep, RecoverIn(since=since))  # ends in its request
    replayed = svix.endpoint.bulk_replay(app, ep, BulkReplayIn(since=since))  # in the background
    finished = operator.wait_for(lambda reqs: len(_events(reqs, "background_task.finished")) >= 2)
    assert sorted(_events(finished, "background_task.finished"), key=lambda e: e["taskId"]) == [
        {
            "taskId": recovered.id,
            "task": "endpoint.recover",
            "status": "finished",
            "data": {"messagesQueued": 0},
        },
        {
            "taskId": replayed.id,
            "task": "endpoint.bulk-replay",
            "status": "finished",
            "data": {"messagesQueued": 0},
        },
    ]

    svix.endpoint.set_headers(app, ep, EndpointHeadersIn(headers={"X-A": "1"}))
    svix.endpoint.patch_headers(app, ep, EndpointHeadersPatchIn(headers={"X-B": "2"}))
    svix.endpoint.rotate_secret(app, ep, EndpointSecretRotateIn())
    got = operator.wait_for(lambda reqs: len(_events(reqs, "endpoint.updated")) >= 3)
    assert (
        _events(got, "endpoint.updated")
        == [{"appId": app, "endpointId": ep, "endpointUid": "announced"}] * 3
    )


def test_retention_removes_old_ended_tasks_and_announces_abandoned_ones(start_hookline, operator):
    hookline = start_hookline(
        env={"HOOKLINE_RETENTION_DAYS": "1", "HOOKLINE_RETENTION_INTERVAL": "0.3"}
    )
    svix = hookline.svix()
    _subscribe(svix, operator, "background_task.finished")
    now = int(time.time() * 1000)
    old, recent = now - 2 * DAY_MS, now - DAY_MS // 2
    rows = {
        "old_finished": (ids.new_id(ids.TASK, old), "finished", now),
        "old_failed": (ids.new_id(ids.TASK, old), "failed", now),
        # Still running (its process beats), however old: kept.
        "old_running": (ids.new_id(ids.TASK, old), "running", now + DAY_MS),
        "recent_finished": (ids.new_id(ids.TASK, recent), "finished", now),
        # Its process stopped beating ten minutes ago: failed, and announced.
        "abandoned": (ids.new_id(ids.TASK, recent), "running", now - 600_000),
    }
    values = ", ".join(
        f"('{task_id}', 'endpoint.recover', '{status}', NULL, '{{}}', {now}, {now}, {beat})"
        for task_id, status, beat in rows.values()
    )
    run_sql(
        hookline,
        "INSERT INTO background_tasks "
        "(id, task, status, app_id, data, created_at, updated_at, heartbeat_at) "
        f"VALUES {values}",
    )

    def left() -> set[str]:
        return {row[0] for row in run_sql(hookline, "SELECT id FROM background_tasks")}

    deadline = time.monotonic() + 30
    while rows["old_finished"][0] in left() or rows["old_failed"][0] in left():
        assert time.monotonic() < deadline, "the retention pass left the old tasks"
        time.sleep(0.1)
    assert {rows[k][0] for k in ("old_running", "recent_finished", "abandoned")} <= left()
    assert svix.background_task.get(rows["old_running"][0]).status == BackgroundTaskStatus.RUNNING
    abandoned = rows["abandoned"][0]
    assert svix.background_task.get(abandoned).status == BackgroundTaskStatus.FAILED
    got = operator.wait_for(lambda reqs: len(_events(reqs, "background_task.finished")) >= 1)
    [event] = _events(got, "background_task.finished")
    assert (event["taskId"], event["status"]) == (abandoned, "failed")
    assert "stopped" in event["data"]["error"]
