"""Delivery statistics through the svix SDK: endpoint stats, attempt stats and the series,
after a known number of successes and failures, and Svix's window rules."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from receiver import Receiver
from server_process import TOKEN
from svix.api import (
    ApplicationIn,
    EndpointGetAttemptStatsOptions,
    EndpointGetStatsOptions,
    EndpointIn,
    MessageIn,
)
from svix.exceptions import HttpError

SENT = 3


def wait_attempt_stats(svix, app_id: str, endpoint_id: str, total: int) -> object:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        stats = svix.endpoint.get_attempt_stats(app_id, endpoint_id)
        if stats.success + stats.fail >= total:
            return stats
        time.sleep(0.05)
    raise AssertionError(f"attempt stats stayed at {stats}")


def series(hookline, path: str, **params: str) -> httpx.Response:
    return httpx.get(
        f"{hookline.url}/api/v1/stats/app/{path}",
        params=params,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


@pytest.fixture
def failing_receiver():
    r = Receiver().start()
    r.respond_with(lambda _n, _r: (500, b"no", {}, 0.0))
    yield r
    r.stop()


def test_statistics_count_what_was_delivered(start_hookline, receiver, failing_receiver):
    # One failure each, then a retry a minute later: the failing deliveries stay pending.
    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": "60"})
    svix = hookline.svix()
    before = datetime.now(UTC) - timedelta(seconds=1)
    app = svix.application.create(ApplicationIn(name="Stats"))
    good = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/ok"))
    bad = svix.endpoint.create(app.id, EndpointIn(url=f"{failing_receiver.url}/no"))
    for i in range(SENT):
        svix.message.create(app.id, MessageIn(event_type="x.y", payload={"i": i}))

    good_attempts = wait_attempt_stats(svix, app.id, good.id, SENT)
    bad_attempts = wait_attempt_stats(svix, app.id, bad.id, SENT)
    assert (good_attempts.success, good_attempts.fail, good_attempts.canceled) == (SENT, 0, 0)
    assert (bad_attempts.success, bad_attempts.fail, bad_attempts.canceled) == (0, SENT, 0)

    good_stats = svix.endpoint.get_stats(app.id, good.id)
    assert (good_stats.success, good_stats.pending, good_stats.sending) == (SENT, 0, 0)
    assert (good_stats.fail, good_stats.canceled) == (0, 0)
    bad_stats = svix.endpoint.get_stats(app.id, bad.id)
    assert (bad_stats.success, bad_stats.pending, bad_stats.fail) == (0, SENT, 0)

    # The window: deliveries created before `until` only; by uid as well as by id.
    empty = svix.endpoint.get_stats(app.id, good.id, EndpointGetStatsOptions(until=before))
    assert (empty.success, empty.pending, empty.fail) == (0, 0, 0)
    recent = EndpointGetStatsOptions(since=before, until=datetime.now(UTC))
    assert svix.endpoint.get_stats(app.id, good.id, recent).success == SENT
    # Attempt stats are rounded out to whole hours: an earlier hour holds none of them.
    hour_ago = datetime.now(UTC) - timedelta(hours=2)
    earlier = EndpointGetAttemptStatsOptions(since=hour_ago - timedelta(hours=3), until=hour_ago)
    assert svix.endpoint.get_attempt_stats(app.id, good.id, earlier).success == 0

    # The application's series: every attempt in one bucket of the last 24 hours.
    answer = series(hookline, f"{app.id}/attempt", period="OneHour")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["period"] == "OneHour"
    assert len(body["data"]["successCount"]) == 25
    assert sum(body["data"]["successCount"]) == SENT
    assert sum(body["data"]["failureCount"]) == SENT
    busy = [i for i, n in enumerate(body["data"]["successCount"]) if n]
    assert [p is not None for p in body["data"]["latencyP50Ms"]].count(True) >= 1
    assert body["data"]["latencyP99Ms"][busy[-1]] > 0
    one = series(hookline, f"{app.id}/ep/{bad.id}/attempt").json()
    assert one["period"] == "FiveMinutes" and len(one["data"]["failureCount"]) == 289
    assert (sum(one["data"]["successCount"]), sum(one["data"]["failureCount"])) == (0, SENT)


def test_statistics_windows_are_checked(hookline):
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Windows"))
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/hook"))
    now = datetime.now(UTC)
    refused = [
        EndpointGetStatsOptions(until=now + timedelta(hours=1)),
        EndpointGetStatsOptions(since=now - timedelta(days=29), until=now),
        EndpointGetStatsOptions(since=now - timedelta(hours=1), until=now - timedelta(hours=2)),
    ]
    for options in refused:
        with pytest.raises(HttpError) as raised:
            svix.endpoint.get_stats(app.id, ep.id, options)
        assert raised.value.status_code == 400 and raised.value.code == "invalid_range"
        with pytest.raises(HttpError):
            svix.endpoint.get_attempt_stats(
                app.id,
                ep.id,
                EndpointGetAttemptStatsOptions(since=options.since, until=options.until),
            )
    # 28 days back from until is the default, and accepted when asked for.
    edge = EndpointGetStatsOptions(since=now - timedelta(days=28), until=now)
    assert svix.endpoint.get_stats(app.id, ep.id, edge).success == 0

    too_long = series(
        hookline, f"{app.id}/attempt", period="FiveMinutes", startDate="2024-01-01T00:00:00Z"
    )
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"] == ["query", "startDate"]
    backwards = series(
        hookline,
        f"{app.id}/attempt",
        startDate="2024-01-02T00:00:00Z",
        endDate="2024-01-01T00:00:00Z",
    )
    assert backwards.status_code == 422
    assert series(hookline, f"{app.id}/attempt", period="OneWeek").status_code == 422
    day = series(
        hookline,
        f"{app.id}/attempt",
        period="OneDay",
        startDate="2024-01-01T12:00:00Z",
        endDate="2024-01-03T00:00:00Z",
    ).json()
    assert day["startDate"].startswith("2024-01-01T00:00:00")
    assert day["endDate"].startswith("2024-01-04T00:00:00")
    assert day["data"]["successCount"] == [0, 0, 0]
    assert day["data"]["latencyP50Ms"] == [None, None, None]
    assert series(hookline, "app_missing_app_id/attempt").status_code == 404
