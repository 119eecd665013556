"""What failed, and sending it again: deliveries listed by state, and recovering an endpoint."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from backends import POOLED
from server_process import TOKEN
from svix.api import (
    ApplicationIn,
    EndpointIn,
    MessageAttemptListAttemptedDestinationsOptions,
    MessageAttemptListAttemptedMessagesOptions,
    MessageIn,
    MessageStatus,
    RecoverIn,
)
from svix.exceptions import HttpError, HTTPValidationError
from waits import wait_until

AUTH = {"Authorization": f"Bearer {TOKEN}"}
# No retries, and no circuit breaker getting in the way of many failures in a row.
FAIL_AT_ONCE = {"HOOKLINE_RETRY_SCHEDULE": "", "HOOKLINE_CIRCUIT_BREAKER_THRESHOLD": "1000"}


@pytest.fixture(scope="module")
def fail_at_once_hookline(start_shared_hookline):
    """A server of the module's with FAIL_AT_ONCE (its tests work in applications of their own)."""
    return start_shared_hookline(FAIL_AT_ONCE)


def by_status(svix, app_id: str, endpoint_id: str, status: MessageStatus | None) -> list:
    options = MessageAttemptListAttemptedMessagesOptions(status=status, limit=250)
    return svix.message_attempt.list_attempted_messages(app_id, endpoint_id, options).data


def ok_unless_asked_to_fail(_n: int, request) -> tuple[int, bytes, dict, float]:  # type: ignore[no-untyped-def]
    fail = json.loads(request.body).get("fail", False)
    return (500 if fail else 204), b"", {}, 0.0


def test_destinations_and_messages_show_each_delivery_state(start_hookline, receiver):
    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": "60"})
    receiver.respond_with(lambda _n, r: (500 if r.path == "/down" else 204, b"", {}, 0.0))
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="States"))
    up = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/up", uid="up"))
    down = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/down"))
    msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": 1}))
    receiver.wait_for(lambda reqs: len(reqs) == 2)

    def destinations():
        return svix.message_attempt.list_attempted_destinations(
            app.id, msg.id, MessageAttemptListAttemptedDestinationsOptions()
        ).data

    got = wait_until(
        lambda: (d := destinations()) and {x.status for x in d} == {0, 1} and d,
        what="both deliveries attempted",
    )
    assert [d.id for d in got] == sorted([up.id, down.id])  # by endpoint id
    state = {d.id: d for d in got}
    assert state[up.id].status == MessageStatus.SUCCESS
    assert state[up.id].status_text == "success"
    assert state[up.id].next_attempt is None
    assert state[up.id].url == f"{receiver.url}/up"
    assert state[up.id].uid == "up"
    assert state[down.id].status == MessageStatus.PENDING  # failed once, retried in 60 s
    assert state[down.id].status_text == "pending"
    wait = (state[down.id].next_attempt - datetime.now(UTC)).total_seconds()
    assert 40 < wait < 70

    assert [m.id for m in by_status(svix, app.id, down.id, MessageStatus.PENDING)] == [msg.id]
    assert by_status(svix, app.id, down.id, MessageStatus.SUCCESS) == []
    [listed] = by_status(svix, app.id, up.id, None)
    assert (listed.id, listed.status, listed.event_type) == (msg.id, 0, "a.b")
    assert listed.payload == {}  # the SDK asks for messages without content

    raw = httpx.get(
        f"{hookline.url}/api/v1/app/{app.id}/endpoint/{up.id}/msg",
        params={"with_content": "true"},
        headers=AUTH,
    ).json()
    assert raw["data"][0]["payload"] == {"n": 1}
    assert raw["done"] is True


def test_messages_of_an_endpoint_are_paged_newest_first_and_filtered(
    fail_at_once_hookline, receiver
):
    hookline = fail_at_once_hookline
    receiver.respond_with(ok_unless_asked_to_fail)
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Pages"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    sent = [
        svix.message.create(
            app.id, MessageIn(event_type=f"t.{i % 2}", payload={"fail": i % 2 == 0})
        )
        for i in range(5)
    ]
    wait_until(lambda: len(by_status(svix, app.id, ep.id, MessageStatus.FAIL)) == 3)

    failed = [m.id for m in by_status(svix, app.id, ep.id, MessageStatus.FAIL)]
    assert failed == [sent[4].id, sent[2].id, sent[0].id]
    url = f"{hookline.url}/api/v1/app/{app.id}/endpoint/{ep.id}/msg"
    first = httpx.get(url, params={"limit": 2}, headers=AUTH).json()
    second = httpx.get(url, params={"limit": 2, "iterator": first["iterator"]}, headers=AUTH).json()
    assert [m["id"] for m in first["data"] + second["data"]] == [m.id for m in reversed(sent)][:4]
    assert first["done"] is False
    only_t1 = httpx.get(url, params={"event_types": "t.1"}, headers=AUTH).json()["data"]
    assert [m["id"] for m in only_t1] == [sent[3].id, sent[1].id]
    tagged = httpx.get(url, params={"tag": "y"}, headers=AUTH)  # no message carries it
    assert (tagged.status_code, tagged.json()["data"]) == (200, [])
    bad_tag = httpx.get(url, params={"tag": "not a tag"}, headers=AUTH)
    assert bad_tag.status_code == 422
    assert bad_tag.json()["detail"][0]["loc"] == ["query", "tag"]
    bad = httpx.get(url, params={"status": 9}, headers=AUTH)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "status"]
    assert httpx.get(f"{url}x", headers=AUTH).status_code == 404  # no such endpoint


@pytest.mark.parametrize("database_url", POOLED, indirect=True)
def test_recover_sends_failed_messages_again_at_the_recover_rate(start_hookline, receiver):
    hookline = start_hookline(env={**FAIL_AT_ONCE, "HOOKLINE_RECOVER_RATE": "4"})
    receiver.respond_with(ok_unless_asked_to_fail)
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Recover"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    before = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"fail": True}))
    time.sleep(0.05)
    since = datetime.now(UTC)
    time.sleep(0.05)
    failing = [
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={"fail": True, "i": i}))
        for i in range(6)
    ]
    delivered = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"i": 99}))
    wait_until(lambda: len(by_status(svix, app.id, ep.id, MessageStatus.FAIL)) == 7)
    wait_until(lambda: len(receiver.received()) == 8)

    receiver.respond_with(lambda _n, _r: (204, b"", {}, 0.0))  # the receiver is back
    asked = time.time()  # the receiver records arrivals on the same clock
    out = svix.endpoint.recover(app.id, ep.id, RecoverIn(since=since))
    assert out.id.startswith("qtask_")
    assert out.status == "finished"
    assert out.task == "endpoint.recover"

    again = receiver.wait_for(lambda reqs: len(reqs) == 8 + 6)[8:]
    assert sorted(r.headers["webhook-id"] for r in again) == sorted(m.id for m in failing)
    # At most 4 a second, from the recover on: the recover makes the k-th due 250 ms after the
    # one before, the first at the moment it runs (after `asked`), so the k-th arrival comes
    # no sooner than `asked + k / 4` (less 50 ms for the milliseconds' rounding). A busy
    # machine only delays arrivals, which this allows; the spread from the first arrival to
    # the last did not (a worker held up past the first due times sends those together).
    arrivals = sorted(r.at for r in again)
    for k, arrival in enumerate(arrivals):
        assert arrival >= asked + k / 4 - 0.05, (k, arrival - asked)
    wait_until(lambda: len(by_status(svix, app.id, ep.id, MessageStatus.SUCCESS)) == 7)
    assert [m.id for m in by_status(svix, app.id, ep.id, MessageStatus.FAIL)] == [before.id]
    attempts = svix.message_attempt.list_by_msg(app.id, failing[0].id).data
    assert sorted(int(a.trigger_type) for a in attempts) == [0, 1]  # the recovered one: manual
    assert [r.headers["webhook-id"] for r in receiver.received()].count(delivered.id) == 1

    # Nothing failed is left: a second recover queues nothing.
    raw = httpx.post(
        f"{hookline.url}/api/v1/app/{app.id}/endpoint/{ep.id}/recover",
        json={"since": since.isoformat()},
        headers=AUTH,
    )
    assert raw.status_code == 202
    assert raw.json()["data"] == {"messagesQueued": 0}


def test_recover_until_bounds_the_range(fail_at_once_hookline, receiver):
    hookline = fail_at_once_hookline
    receiver.respond_with(lambda _n, _r: (500, b"", {}, 0.0))
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Range"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    marks, sent = [], []
    for i in range(3):
        marks.append(datetime.now(UTC))
        time.sleep(0.05)
        sent.append(svix.message.create(app.id, MessageIn(event_type="a.b", payload={"i": i})))
        time.sleep(0.05)
    wait_until(lambda: len(by_status(svix, app.id, ep.id, MessageStatus.FAIL)) == 3)

    receiver.respond_with(lambda _n, _r: (204, b"", {}, 0.0))
    r = httpx.post(
        f"{hookline.url}/api/v1/app/{app.id}/endpoint/{ep.id}/recover",
        json={"since": marks[1].isoformat(), "until": marks[2].isoformat()},
        headers=AUTH,
    )
    assert r.status_code == 202, r.text
    assert r.json()["data"] == {"messagesQueued": 1}
    got = receiver.wait_for(lambda reqs: len(reqs) == 4)
    assert got[3].headers["webhook-id"] == sent[1].id


def test_recover_refuses_bad_input(shared_hookline):
    hookline = shared_hookline
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Bad"))
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/hook"))
    url = f"{hookline.url}/api/v1/app/{app.id}/endpoint/{ep.id}/recover"
    now = datetime.now(UTC).isoformat()

    # An `until` before `since` is an empty window, as for list filters: nothing to recover.
    backwards = httpx.post(url, json={"since": now, "until": "2000-01-01T00:00:00Z"}, headers=AUTH)
    assert backwards.status_code == 202, backwards.text
    assert backwards.json()["data"] == {"messagesQueued": 0}
    missing = httpx.post(url, json={}, headers=AUTH)
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "since"]
    not_a_time = httpx.post(url, json={"since": "yesterday"}, headers=AUTH)
    assert not_a_time.status_code == 422
    try:
        svix.endpoint.recover(app.id, "ep_nope", RecoverIn(since=datetime.now(UTC)))
    except HttpError as exc:
        assert exc.status_code == 404
    else:
        raise AssertionError("recovering an unknown endpoint should fail")
    try:
        svix.message_attempt.list_attempted_destinations(app.id, "msg_nope")
    except HTTPValidationError:
        raise AssertionError("an unknown message is a 404, not a validation error") from None
    except HttpError as exc:
        assert exc.status_code == 404
