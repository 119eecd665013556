"""Scheduled messages (`deliverAt`) and message tags, through the svix SDK against a real
receiver, on both stores: a scheduled message is echoed with its time and not attempted
before it; tags are stored, returned, and the `tag` filters of message lists, attempt lists
and an endpoint's messages keep exactly the messages carrying the tag."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx
import pytest
from server_process import TOKEN
from standardwebhooks.webhooks import Webhook
from svix.api import (
    ApplicationIn,
    EndpointIn,
    MessageAttemptListAttemptedMessagesOptions,
    MessageAttemptListByEndpointOptions,
    MessageAttemptListByMsgOptions,
    MessageCreateOptions,
    MessageIn,
    MessageListOptions,
    Svix,
)
from svix.exceptions import HTTPValidationError

WITH_CONTENT = MessageCreateOptions(with_content=True)
T = TypeVar("T")


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


@pytest.fixture(scope="module")
def http(shared_hookline):
    with httpx.Client(
        base_url=shared_hookline.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as client:
        yield client


def recorded(listing: Callable[[], list[T]], count: int) -> list[T]:
    """`listing()` once it holds `count` items (attempts are recorded just after they are
    made); bounded by 20 s."""
    deadline = time.monotonic() + 20
    while (items := listing()) and len(items) < count or not items:
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} items not recorded: {items}")
        time.sleep(0.05)
    return items


def new_app(svix: Svix) -> str:
    return svix.application.create(ApplicationIn(name=f"Sched {secrets.token_hex(3)}")).id


def test_a_scheduled_message_is_echoed_and_not_attempted_before_its_time(svix, receiver):
    app = new_app(svix)
    ep = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/hook"))
    at = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    scheduled = svix.message.create(
        app, MessageIn(event_type="a.b", payload={"when": "later"}, deliver_at=at), WITH_CONTENT
    )
    now = svix.message.create(app, MessageIn(event_type="a.b", payload={"when": "now"}))

    assert scheduled.deliver_at == at
    assert now.deliver_at is None
    assert svix.message.get(app, scheduled.id).deliver_at == at
    [listed] = [m for m in svix.message.list(app).data if m.id == scheduled.id]
    assert listed.deliver_at == at
    got = receiver.wait_for(lambda reqs: len(reqs) >= 2)
    # The unscheduled message went first; the scheduled one no earlier than asked.
    assert [r.headers["webhook-id"] for r in got] == [now.id, scheduled.id]
    assert got[1].at >= at.timestamp()
    secret = svix.endpoint.get_secret(app, ep.id).key
    assert Webhook(secret).verify(got[1].body, got[1].headers) == {"when": "later"}
    [attempt] = recorded(lambda: svix.message_attempt.list_by_msg(app, scheduled.id).data, 1)
    assert attempt.timestamp >= at
    sent = svix.message_attempt.list_attempted_messages(app, ep.id).data
    assert {m.id: m.deliver_at for m in sent} == {scheduled.id: at, now.id: None}


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("past", "in the future"),
        ("beyond retention", "at most 90 days ahead"),
        ("not a time", "ISO 8601"),
        ("1700000000", "ISO 8601"),
    ],
)
def test_bad_deliver_at_values_are_422_and_store_nothing(http, svix, value, says):
    app = new_app(svix)
    when = {
        "past": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "beyond retention": (datetime.now(UTC) + timedelta(days=91)).isoformat(),
    }.get(value, value)
    r = http.post(
        f"/api/v1/app/{app}/msg", json={"eventType": "a.b", "payload": {}, "deliverAt": when}
    )
    assert r.status_code == 422, r.text
    [problem] = r.json()["detail"]
    assert problem["loc"] == ["body", "deliverAt"] and says in problem["msg"]
    assert svix.message.list(app).data == []


def test_tags_are_stored_returned_and_filter_every_list(svix, receiver):
    app = new_app(svix)
    ep = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/tags")).id

    def publish(tags: list[str] | None) -> str:
        return svix.message.create(app, MessageIn(event_type="a.b", payload={}, tags=tags)).id

    red = publish(["red", "project:1"])
    blue = publish(["blue"])
    both = publish(["blue", "red", "red"])
    plain = publish(None)
    recorded(lambda: svix.message_attempt.list_by_endpoint(app, ep).data, 4)

    assert svix.message.get(app, red).tags == ["red", "project:1"]
    assert svix.message.get(app, both).tags == ["blue", "red"]  # a repeat is kept once
    assert svix.message.get(app, plain).tags is None

    def messages(tag: str) -> list[str]:
        return [m.id for m in svix.message.list(app, MessageListOptions(tag=tag)).data]

    assert messages("red") == [both, red]
    assert messages("blue") == [both, blue]
    assert messages("project:1") == [red]
    assert messages("green") == []

    def attempts_by_endpoint(tag: str) -> list[str]:
        opts = MessageAttemptListByEndpointOptions(tag=tag)
        return [a.msg_id for a in svix.message_attempt.list_by_endpoint(app, ep, opts).data]

    assert attempts_by_endpoint("red") == [both, red]
    assert attempts_by_endpoint("green") == []

    def attempts_by_msg(msg: str, tag: str) -> list[str]:
        opts = MessageAttemptListByMsgOptions(tag=tag)
        return [a.msg_id for a in svix.message_attempt.list_by_msg(app, msg, opts).data]

    assert attempts_by_msg(blue, "blue") == [blue]
    assert attempts_by_msg(blue, "red") == []

    opts = MessageAttemptListAttemptedMessagesOptions(tag="blue")
    sent = svix.message_attempt.list_attempted_messages(app, ep, opts).data
    assert [m.id for m in sent] == [both, blue]
    assert sent[0].tags == ["blue", "red"]


@pytest.mark.parametrize(
    "tags",
    [
        [f"t{i}" for i in range(6)],  # more than 5
        ["has space"],
        [""],
        ["x" * 129],
    ],
    ids=["six", "space", "empty", "long"],
)
def test_bad_tags_are_422(svix, tags):
    app = new_app(svix)
    with pytest.raises(HTTPValidationError) as err:
        svix.message.create(app, MessageIn(event_type="a.b", payload={}, tags=tags))
    assert err.value.detail[0].loc[:2] == ["body", "tags"]
    assert svix.message.list(app).data == []


def test_a_bad_tag_filter_is_422(http, svix):
    app = new_app(svix)
    r = http.get(f"/api/v1/app/{app}/msg", params={"tag": "has space"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "tag"]
