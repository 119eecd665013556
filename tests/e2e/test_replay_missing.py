"""`endpoint.replay_missing` through the svix SDK, on both stores, to a real receiver: the
messages an endpoint never got (published before it existed, or while it was disabled) that its
filters accept are sent to it once; what it already got, and what it does not accept, is not."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
from server_process import TOKEN
from svix.api import ApplicationIn, EndpointIn, EndpointPatch, MessageIn, ReplayIn

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_replay_missing_sends_what_the_endpoint_never_got(shared_hookline, receiver):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Replay")).id
    start = datetime.now(UTC) - timedelta(seconds=1)

    def publish(event_type: str) -> str:
        return svix.message.create(app, MessageIn(event_type=event_type, payload={})).id

    before_it = publish("a.b")
    not_its_type = publish("c.d")
    ep = svix.endpoint.create(
        app, EndpointIn(url=f"{receiver.url}/late", event_types=["a.b"], uid="late")
    ).id
    svix.endpoint.patch(app, ep, EndpointPatch(disabled=True))
    while_disabled = publish("a.b")
    svix.endpoint.patch(app, ep, EndpointPatch(disabled=False))
    after = publish("a.b")
    receiver.wait_for(lambda reqs: len(reqs) >= 1)

    task = svix.endpoint.replay_missing(app, "late", ReplayIn(since=start))
    assert (task.status, task.task) == ("finished", "endpoint.replay")
    assert task.id.startswith("qtask_")
    got = receiver.wait_for(lambda reqs: len(reqs) >= 3)
    assert [r.headers["webhook-id"] for r in got] == [after, before_it, while_disabled]
    # Nothing more to replay: each message has its delivery to the endpoint now.
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=10) as http:
        r = http.post(
            f"/api/v1/app/{app}/endpoint/{ep}/replay-missing", json={"since": start.isoformat()}
        )
    assert (r.status_code, r.json()["data"]) == (202, {"messagesQueued": 0})
    sent = {m.id for m in svix.message_attempt.list_attempted_messages(app, ep).data}
    assert sent == {before_it, while_disabled, after}
    assert not_its_type not in sent


def test_replay_missing_keeps_to_its_window(shared_hookline, receiver):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Replay window")).id
    old = svix.message.create(app, MessageIn(event_type="a.b", payload={})).id
    time.sleep(0.05)
    middle = datetime.now(UTC)
    time.sleep(0.05)
    new = svix.message.create(app, MessageIn(event_type="a.b", payload={})).id
    ep = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/window")).id
    svix.endpoint.replay_missing(app, ep, ReplayIn(since=middle - timedelta(hours=1), until=middle))
    [got] = receiver.wait_for(lambda reqs: len(reqs) >= 1)
    assert got.headers["webhook-id"] == old
    svix.endpoint.replay_missing(app, ep, ReplayIn(since=middle))
    got = receiver.wait_for(lambda reqs: len(reqs) >= 2)
    assert [r.headers["webhook-id"] for r in got] == [old, new]
