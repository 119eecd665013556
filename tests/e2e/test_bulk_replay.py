"""`endpoint.bulk_replay` through the svix SDK, on both stores, to a real receiver: a background
task that `background_task.get/list` find, which sends the endpoint once more every message it
was sent (delivered or not) that passes the filters, each filter honoured."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from server_process import TOKEN
from svix.api import ApplicationIn, BackgroundTaskListOptions, BulkReplayIn, EndpointIn, MessageIn
from svix.exceptions import HttpError, HTTPValidationError
from svix.models import BackgroundTaskStatus, BackgroundTaskType, MessageStatus, StatusCodeClass

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _ended(svix, task_id: str):  # type: ignore[no-untyped-def]
    """The task once it has ended (a bulk replay runs in the server process)."""
    deadline = time.monotonic() + 30
    while True:
        task = svix.background_task.get(task_id)
        if task.status != BackgroundTaskStatus.RUNNING:
            return task
        assert time.monotonic() < deadline, "the bulk replay did not end"
        time.sleep(0.05)


def _ids(requests) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(r.headers["webhook-id"] for r in requests)


def test_bulk_replay_sends_again_what_the_filters_keep(shared_hookline, receiver):
    # The receiver refuses what carries "fail": that message keeps failing (and retrying).
    receiver.respond_with(lambda _n, req: (500 if b'"fail"' in req.body else 204, b"", {}, 0.0))
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Bulk replay")).id
    ep = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/bulk", uid="bulk")).id
    start = datetime.now(UTC) - timedelta(seconds=1)
    tagged = svix.message.create(
        app, MessageIn(event_type="a.b", payload={"n": 1}, tags=["t1"], channels=["c1"])
    ).id
    other_type = svix.message.create(app, MessageIn(event_type="c.d", payload={"n": 2})).id
    failing = svix.message.create(app, MessageIn(event_type="a.b", payload={"fail": True})).id
    receiver.wait_for(lambda reqs: len(_ids(reqs)) == 3)
    # Each attempt is recorded right after it is made: wait until all three are.
    deadline = time.monotonic() + 30
    while len(svix.message_attempt.list_by_endpoint(app, ep).data) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)

    started_ids = []

    def replay(**filters) -> int:  # type: ignore[no-untyped-def]
        started = svix.endpoint.bulk_replay(
            app, "bulk", BulkReplayIn(**{"since": start, **filters})
        )
        assert started.task == BackgroundTaskType.ENDPOINT_BULK_REPLAY
        assert started.id.startswith("qtask_")
        started_ids.append(started.id)
        task = _ended(svix, started.id)
        assert task.status == BackgroundTaskStatus.FINISHED
        return int(task.data["messagesQueued"])

    assert replay(event_types=["c.d"]) == 1
    assert replay(tag="t1") == 1
    assert replay(channel="c1") == 1
    assert replay(status_code_class=StatusCodeClass.CODE5XX) == 1  # the failing one
    assert replay(status=MessageStatus.FAIL) == 0  # it is still retrying, not failed
    assert replay(since=datetime.now(UTC) + timedelta(minutes=1)) == 0
    assert replay(until=start) == 0
    assert replay() == 3
    # Delivered and failing ones alike are sent again: each as often as it was replayed.
    got = receiver.wait_for(
        lambda reqs: (ids := _ids(reqs))[other_type] >= 3 and ids[tagged] >= 4 and ids[failing] >= 3
    )
    assert set(_ids(got)) == {tagged, other_type, failing}
    listed = svix.background_task.list(
        BackgroundTaskListOptions(task=BackgroundTaskType.ENDPOINT_BULK_REPLAY, limit=250)
    ).data
    assert set(started_ids) <= {t.id for t in listed}
    assert {t.task for t in listed} == {BackgroundTaskType.ENDPOINT_BULK_REPLAY}


def test_bulk_replay_refuses_what_it_cannot_do(shared_hookline, receiver):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Bulk replay refusals")).id
    ep = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/r")).id
    since = datetime.now(UTC)
    with pytest.raises(HttpError) as missing:
        svix.endpoint.bulk_replay(app, "ep_missing", BulkReplayIn(since=since))
    assert missing.value.status_code == 404
    with pytest.raises(HTTPValidationError):
        svix.endpoint.bulk_replay(app, ep, BulkReplayIn(since=since, tag="no spaces"))
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:

        def task_count() -> int:
            params = {"task": "endpoint.bulk-replay", "limit": 250}
            return len(http.get("/api/v1/background-task", params=params).json()["data"])

        before = task_count()
        path = f"/api/v1/app/{app}/endpoint/{ep}/bulk-replay"
        refused = [
            {},
            {"since": "yesterday"},
            {"since": since.isoformat(), "status": 9},
            {"since": since.isoformat(), "status": True},  # not read as 1
            {"since": since.isoformat(), "statusCodeClass": False},  # nor as 0
            {"since": since.isoformat(), "statusCodeClass": 201},
        ]
        for body in refused:
            r = http.post(path, json=body)
            assert r.status_code == 422, body
            assert set(r.json()) == {"code", "detail"}
        # No task was started by a refused request.
        assert task_count() == before
