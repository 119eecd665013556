"""Messages published while an endpoint is disabled, on both stores, to a real receiver: skipped
by default, as in Svix (replay-missing still finds them); kept and delivered once the endpoint
is enabled again, in publish order for a FIFO endpoint, when the endpoint asks for it
(`keepMessagesWhileDisabled`, a Hookline extension) or the server does
(HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS) and the endpoint does not say otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from server_process import TOKEN
from svix.api import ApplicationIn, EndpointPatch, MessageIn, ReplayIn
from svix.models import MessageStatus

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _endpoint(hookline, app: str, url: str, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Create an endpoint with Hookline's extension fields (the SDK has no names for them)."""
    with httpx.Client(base_url=hookline.url, headers=AUTH, timeout=10) as http:
        r = http.post(f"/api/v1/app/{app}/endpoint", json={"url": url, **extra})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _publish_while_disabled(svix, app: str, endpoint_ids: list[str], count: int) -> list[str]:  # type: ignore[no-untyped-def]
    for ep in endpoint_ids:
        svix.endpoint.patch(app, ep, EndpointPatch(disabled=True))
    return [
        svix.message.create(app, MessageIn(event_type="a.b", payload={"n": n})).id
        for n in range(count)
    ]


def _parked(svix, app: str, ep: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The messages the endpoint has a delivery of that waits (pending, with no next
    attempt: parked), oldest first."""
    listed = svix.message_attempt.list_attempted_messages(app, ep).data
    return [
        m.id
        for m in reversed(listed)
        if m.status == MessageStatus.PENDING and m.next_attempt is None
    ]


def _replay_missing(svix, app: str, ep: str, since: datetime) -> int:  # type: ignore[no-untyped-def]
    """How many messages replay-missing queued (its task's result)."""
    task = svix.endpoint.replay_missing(app, ep, ReplayIn(since=since))
    return int(svix.background_task.get(task.id).data["messagesQueued"])


def _webhook_ids(requests, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.headers["webhook-id"] for r in requests if r.path == path]


def test_by_default_a_disabled_endpoint_misses_them_and_replay_missing_finds_them(
    shared_hookline, receiver
):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Skipped while disabled")).id
    start = datetime.now(UTC) - timedelta(seconds=1)
    ep = _endpoint(shared_hookline, app, f"{receiver.url}/skipped")
    assert ep["keepMessagesWhileDisabled"] is None  # the server's setting: off
    [missed] = _publish_while_disabled(svix, app, [ep["id"]], 1)
    assert svix.message_attempt.list_attempted_messages(app, ep["id"]).data == []
    svix.endpoint.patch(app, ep["id"], EndpointPatch(disabled=False))
    after = svix.message.create(app, MessageIn(event_type="a.b", payload={})).id
    receiver.wait_for(lambda reqs: _webhook_ids(reqs, "/skipped") == [after])

    assert _replay_missing(svix, app, ep["id"], start) == 1
    got = receiver.wait_for(lambda reqs: len(_webhook_ids(reqs, "/skipped")) == 2)
    assert _webhook_ids(got, "/skipped") == [after, missed]


def test_an_endpoint_that_keeps_them_gets_them_in_order_once_enabled(shared_hookline, receiver):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Kept while disabled")).id
    start = datetime.now(UTC) - timedelta(seconds=1)
    keeps = _endpoint(
        shared_hookline, app, f"{receiver.url}/keeps", keepMessagesWhileDisabled=True, fifo=True
    )
    assert keeps["keepMessagesWhileDisabled"] is True
    skips = _endpoint(shared_hookline, app, f"{receiver.url}/skips")
    kept = _publish_while_disabled(svix, app, [keeps["id"], skips["id"]], 5)
    # Stored and parked for the one that keeps them; nothing for the other.
    assert _parked(svix, app, keeps["id"]) == kept
    assert svix.message_attempt.list_attempted_messages(app, skips["id"]).data == []

    svix.endpoint.patch(app, keeps["id"], EndpointPatch(disabled=False))
    svix.endpoint.patch(app, skips["id"], EndpointPatch(disabled=False))
    got = receiver.wait_for(lambda reqs: len(_webhook_ids(reqs, "/keeps")) == 5)
    assert _webhook_ids(got, "/keeps") == kept  # publish order (a FIFO endpoint)
    # Each had its delivery: replay-missing has nothing left to send it.
    assert _replay_missing(svix, app, keeps["id"], start) == 0
    # The setting can be changed, and cleared back to the server's.
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        path = f"/api/v1/app/{app}/endpoint/{keeps['id']}"
        cleared = http.patch(path, json={"keepMessagesWhileDisabled": None})
        assert cleared.json()["keepMessagesWhileDisabled"] is None
        refused = http.patch(path, json={"keepMessagesWhileDisabled": "yes"})
        assert refused.status_code == 422


def test_the_server_wide_setting_keeps_them_unless_the_endpoint_says_no(start_hookline, receiver):
    hookline = start_hookline(env={"HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS": "true"})
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Server keeps")).id
    start = datetime.now(UTC) - timedelta(seconds=1)
    default = _endpoint(hookline, app, f"{receiver.url}/default", fifo=True)
    declines = _endpoint(hookline, app, f"{receiver.url}/declines", keepMessagesWhileDisabled=False)
    kept = _publish_while_disabled(svix, app, [default["id"], declines["id"]], 3)
    assert _parked(svix, app, default["id"]) == kept
    assert svix.message_attempt.list_attempted_messages(app, declines["id"]).data == []

    svix.endpoint.patch(app, default["id"], EndpointPatch(disabled=False))
    got = receiver.wait_for(lambda reqs: len(_webhook_ids(reqs, "/default")) == 3)
    assert _webhook_ids(got, "/default") == kept
    svix.endpoint.patch(app, declines["id"], EndpointPatch(disabled=False))
    assert _replay_missing(svix, app, declines["id"], start) == 3
    got = receiver.wait_for(lambda reqs: len(_webhook_ids(reqs, "/declines")) == 3)
    assert sorted(_webhook_ids(got, "/declines")) == sorted(kept)
