"""Background tasks through the svix SDK, on both stores: every long operation (recover,
replay, expunge all, statistics aggregation) leaves a task that `background_task.get` and
`list` find, with its result; bulk expunge; per-message payload retention honoured by the
retention task; and a task left running by a process that died is failed at the next start."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from db_access import run_sql
from server_process import TOKEN
from svix.api import (
    ApplicationIn,
    AppUsageStatsIn,
    BackgroundTaskListOptions,
    BulkExpungeContentsIn,
    EndpointIn,
    MessageIn,
    RecoverIn,
    ReplayIn,
)
from svix.exceptions import HttpError, HTTPValidationError
from svix.models import BackgroundTaskStatus, BackgroundTaskType

AUTH = {"Authorization": f"Bearer {TOKEN}"}
HOUR_MS = 3_600_000


def _finished(svix, task_id: str):  # type: ignore[no-untyped-def]
    """The task once it has ended (background tasks run in the server process)."""
    deadline = time.monotonic() + 30
    while True:
        task = svix.background_task.get(task_id)
        if task.status != BackgroundTaskStatus.RUNNING or time.monotonic() > deadline:
            return task
        time.sleep(0.05)


def test_recover_and_replay_leave_tasks_that_get_and_list_find(shared_hookline, receiver):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Tasks")).id
    ep = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/t")).id
    since = datetime.now(UTC) - timedelta(minutes=1)
    recovered = svix.endpoint.recover(app, ep, RecoverIn(since=since))
    replayed = svix.endpoint.replay_missing(app, ep, ReplayIn(since=since))

    got = svix.background_task.get(recovered.id)
    assert (got.task, got.status, got.data) == (
        BackgroundTaskType.ENDPOINT_RECOVER,
        BackgroundTaskStatus.FINISHED,
        {"messagesQueued": 0},
    )
    assert svix.background_task.get(replayed.id).task == BackgroundTaskType.ENDPOINT_REPLAY

    newest = svix.background_task.list(BackgroundTaskListOptions(limit=250)).data
    assert [t.id for t in newest[:2]] == [replayed.id, recovered.id]  # newest first
    only_replays = svix.background_task.list(
        BackgroundTaskListOptions(task=BackgroundTaskType.ENDPOINT_REPLAY, limit=250)
    ).data
    assert replayed.id in {t.id for t in only_replays}
    assert {t.task for t in only_replays} == {BackgroundTaskType.ENDPOINT_REPLAY}
    failed = svix.background_task.list(
        BackgroundTaskListOptions(status=BackgroundTaskStatus.FAILED)
    ).data
    assert recovered.id not in {t.id for t in failed}
    # Pagination walks forward from a page's iterator.
    first = svix.background_task.list(BackgroundTaskListOptions(limit=1, order="ascending"))
    second = svix.background_task.list(
        BackgroundTaskListOptions(limit=1, order="ascending", iterator=first.iterator)
    )
    assert first.data[0].id < second.data[0].id

    with pytest.raises(HttpError) as missing:
        svix.background_task.get("qtask_" + "0" * 22)
    assert missing.value.status_code == 404
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        assert http.get("/api/v1/background-task/nope").status_code == 422
        assert http.get("/api/v1/background-task", params={"status": "done"}).status_code == 422


def test_expunge_all_contents_is_a_task_that_removes_every_payload(shared_hookline):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Purge")).id
    other = svix.application.create(ApplicationIn(name="Kept")).id
    for i in range(3):
        svix.message.create(app, MessageIn(event_type="a.b", payload={"n": i}))
    kept = svix.message.create(other, MessageIn(event_type="a.b", payload={"n": 9})).id

    started = svix.message.expunge_all_contents(app)
    assert started.task == BackgroundTaskType.APPLICATION_PURGE_CONTENT
    task = _finished(svix, started.id)
    assert (task.status, task.data) == (BackgroundTaskStatus.FINISHED, {"messagesPurged": 3})
    payloads = [m.payload for m in svix.message.list(app).data]
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        listed = http.get(f"/api/v1/app/{app}/msg").json()["data"]
        assert [m["payload"] for m in listed] == [{"expired": True}] * 3
        assert http.get(f"/api/v1/app/{other}/msg/{kept}").json()["payload"] == {"n": 9}
        assert http.post("/api/v1/app/app_missing/msg/expunge-all-contents").status_code == 404
    assert len(payloads) == 3
    # Run again: nothing is left to purge.
    again = _finished(svix, svix.message.expunge_all_contents(app).id)
    assert again.data == {"messagesPurged": 0}


def test_bulk_expunge_says_what_it_found(shared_hookline):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Bulk")).id
    by_id = svix.message.create(app, MessageIn(event_type="a.b", payload={"x": 1})).id
    svix.message.create(app, MessageIn(event_type="a.b", payload={"x": 2}, event_id="evt-2"))
    untouched = svix.message.create(app, MessageIn(event_type="a.b", payload={"x": 3})).id
    out = svix.message.bulk_expunge_content(
        app, BulkExpungeContentsIn(ids=[by_id, "evt-2", "evt-none"])
    )
    assert {k: str(v) for k, v in out.results.items()} == {
        by_id: "expunged",
        "evt-2": "expunged",
        "evt-none": "not-found",
    }
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        read = lambda key: http.get(f"/api/v1/app/{app}/msg/{key}").json()["payload"]  # noqa: E731
        assert (read(by_id), read("evt-2"), read(untouched)) == (
            {"expired": True},
            {"expired": True},
            {"x": 3},
        )
        too_many = {"ids": [f"k{i}" for i in range(1001)]}
        assert http.post(f"/api/v1/app/{app}/msg/bulk-expunge", json=too_many).status_code == 422


def test_statistics_aggregation_tasks(shared_hookline, receiver):
    svix = shared_hookline.svix()
    busy = svix.application.create(ApplicationIn(name="Busy", uid="usage-busy")).id
    svix.endpoint.create(busy, EndpointIn(url=f"{receiver.url}/a", event_types=["b.a", "a.b"]))
    svix.endpoint.create(busy, EndpointIn(url=f"{receiver.url}/b", event_types=["a.b"]))
    idle = svix.application.create(ApplicationIn(name="Idle")).id
    svix.endpoint.create(idle, EndpointIn(url=f"{receiver.url}/c"))
    since = datetime.now(UTC) - timedelta(minutes=1)
    msg = svix.message.create(busy, MessageIn(event_type="a.b", payload={})).id
    receiver.wait_for(lambda reqs: len(reqs) >= 2)
    # The attempts are counted when the worker records them, right after sending.
    deadline = time.monotonic() + 30
    while len(svix.message_attempt.list_by_msg(busy, msg).data) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)

    until = datetime.now(UTC) + timedelta(minutes=1)
    out = svix.statistics.aggregate_app_stats(
        AppUsageStatsIn(since=since, until=until, app_ids=["usage-busy", idle, "usage-none"])
    )
    assert out.unresolved_app_ids == ["usage-none"]
    task = _finished(svix, out.id)
    assert task.task == BackgroundTaskType.APPLICATION_STATS
    assert sorted(task.data["appStats"], key=lambda s: s["appId"] != busy) == [
        {"appId": busy, "appUid": "usage-busy", "messageDestinations": 2},
        {"appId": idle, "appUid": None, "messageDestinations": 0},
    ]
    everyone = _finished(
        svix, svix.statistics.aggregate_app_stats(AppUsageStatsIn(since=since, until=until)).id
    )
    assert {"appId": busy, "appUid": "usage-busy", "messageDestinations": 2} in everyone.data[
        "appStats"
    ]
    assert idle not in {s["appId"] for s in everyone.data["appStats"]}
    with pytest.raises(HTTPValidationError):
        svix.statistics.aggregate_app_stats(
            AppUsageStatsIn(since=since, until=until, app_ids=["usage-none"])
        )

    types = _finished(svix, svix.statistics.aggregate_event_types().id)
    assert types.task == BackgroundTaskType.EVENT_TYPE_AGGREGATE
    by_app = {row["appId"]: row for row in types.data["event_types"]}
    assert by_app[busy] == {
        "appId": busy,
        "explicitlySubscribedEventTypes": ["a.b", "b.a"],
        "hasCatchAllEndpoint": False,
    }
    assert by_app[idle]["hasCatchAllEndpoint"] is True


def test_payload_retention_per_message(start_hookline):
    hookline = start_hookline(env={"HOOKLINE_RETENTION_INTERVAL": "0.3"})
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Keep")).id
    short = svix.message.create(
        app, MessageIn(event_type="a.b", payload={"s": 1}, payload_retention_hours=1)
    )
    days = svix.message.create(
        app, MessageIn(event_type="a.b", payload={"d": 1}, payload_retention_period=5)
    )
    default = svix.message.create(app, MessageIn(event_type="a.b", payload={"n": 1}))
    rows = dict(
        run_sql(
            hookline,
            "SELECT id, payload_expires_at - created_at FROM messages",
        )
    )
    assert rows == {short.id: HOUR_MS, days.id: 5 * 24 * HOUR_MS, default.id: None}
    # An hour passes (for the short one's payload), as far as the retention task can tell.
    run_sql(
        hookline,
        f"UPDATE messages SET payload_expires_at = created_at - 1 WHERE id = '{short.id}'",
    )
    with httpx.Client(base_url=hookline.url, headers=AUTH, timeout=10) as http:
        deadline = time.monotonic() + 30
        while http.get(f"/api/v1/app/{app}/msg/{short.id}").json()["payload"] != {"expired": True}:
            assert time.monotonic() < deadline, "the retention task left the payload"
            time.sleep(0.1)
        # The message is kept, and so are the others' payloads.
        assert http.get(f"/api/v1/app/{app}/msg/{short.id}").status_code == 200
        assert http.get(f"/api/v1/app/{app}/msg/{days.id}").json()["payload"] == {"d": 1}
        refused = [
            {"payloadRetentionPeriod": 1, "payloadRetentionHours": 1},
            {"payloadRetentionPeriod": 91},  # longer than HOOKLINE_RETENTION_DAYS (90)
            {"payloadRetentionHours": 0},
            {"payloadRetentionHours": 1, "deliverAt": _iso(timedelta(hours=2))},
        ]
        for extra in refused:
            r = http.post(
                f"/api/v1/app/{app}/msg", json={"eventType": "a.b", "payload": {}, **extra}
            )
            assert r.status_code == 422, extra


def _iso(ahead: timedelta) -> str:
    return (datetime.now(UTC) + ahead).isoformat()


def test_a_task_left_running_by_a_stopped_process_is_failed_at_start(start_hookline, receiver):
    hookline = start_hookline()
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Abandoned")).id
    task = svix.endpoint.recover(
        app,
        svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/x")).id,
        RecoverIn(since=datetime.now(UTC)),
    )
    hookline.stop()
    # As a process that died mid-task leaves it: running, its heartbeat long stopped.
    run_sql(
        hookline,
        "UPDATE background_tasks SET status = 'running', heartbeat_at = heartbeat_at - 600000 "
        f"WHERE id = '{task.id}'",
    )
    hookline.start()
    failed = hookline.svix().background_task.get(task.id)
    assert failed.status == BackgroundTaskStatus.FAILED
    assert "stopped" in failed.data["error"]
