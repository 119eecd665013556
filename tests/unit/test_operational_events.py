"""Which operational events a batch of attempts produces (a pure function)."""

from __future__ import annotations

import pytest

from hookline.operational import FAILING_AFTER_ATTEMPTS, attempt_events, task_finished_event
from hookline.store.rows import BackgroundTaskRow
from hookline.types import AttemptRecord, DeliveryJob, Outcome, TriggerType


def record(attempt_count: int, succeeded: bool, retried: bool) -> AttemptRecord:
    job = DeliveryJob(
        delivery_id=1,
        app_id="app_1",
        msg_id="msg_1",
        endpoint_id="ep_1",
        url="http://127.0.0.1:9/hook",
        secrets=(),
        headers={},
        payload=b"{}",
        attempt_count=attempt_count,
        trigger=TriggerType.SCHEDULED,
    )
    outcome = Outcome(
        succeeded=succeeded, status_code=200 if succeeded else 500, response_body="", duration_ms=1
    )
    return AttemptRecord(job, "atmpt_1", 0, outcome, 1 if retried else None)


@pytest.mark.parametrize(
    ("attempt_count", "succeeded", "retried", "expected"),
    [
        (0, True, False, []),
        (FAILING_AFTER_ATTEMPTS - 1, True, False, []),  # failing was never sent
        (FAILING_AFTER_ATTEMPTS, True, False, ["message.attempt.recovered"]),
        (FAILING_AFTER_ATTEMPTS + 3, True, False, ["message.attempt.recovered"]),
        (FAILING_AFTER_ATTEMPTS - 1, False, True, ["message.attempt.failing"]),
        (FAILING_AFTER_ATTEMPTS, False, True, []),
        (5, False, False, ["message.attempt.exhausted"]),
    ],
    ids=[
        "first-success",
        "success-before-failing",
        "recovered",
        "recovered-later",
        "failing",
        "after-failing",
        "exhausted",
    ],
)
def test_attempt_events(attempt_count, succeeded, retried, expected):
    events = attempt_events([record(attempt_count, succeeded, retried)])
    assert [kind for kind, _ in events] == expected
    for _, data in events:
        assert (data["msgId"], data["endpointId"]) == ("msg_1", "ep_1")


@pytest.mark.parametrize(
    ("status", "data"),
    [("finished", {"messagesQueued": 3}), ("failed", {"error": "the server stopped"})],
)
def test_a_background_task_that_ended_is_announced_in_svix_shape(status, data):
    task = BackgroundTaskRow(
        id="qtask_1",
        task="endpoint.bulk-replay",
        status=status,
        app_id="app_1",
        data=data,
        created_at=1,
        updated_at=2,
    )
    assert task_finished_event(task) == (
        "background_task.finished",
        {"taskId": "qtask_1", "task": "endpoint.bulk-replay", "status": status, "data": data},
    )
