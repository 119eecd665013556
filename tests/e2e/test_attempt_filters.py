"""Every filter of the attempt listings, through the svix SDK's list options and raw HTTP.

One server per store, one set of real deliveries: an endpoint that answers each message with
the status code the message asks for (2xx, 3xx, 4xx, 5xx) and one that never answers (no
HTTP response: status code class 0). Each filter is checked for what it keeps and what it
leaves out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from receiver import Receiver
from server_process import TOKEN, HooklineProcess
from svix.api import (
    ApplicationIn,
    EndpointIn,
    MessageAttemptListAttemptedMessagesOptions,
    MessageAttemptListByEndpointOptions,
    MessageAttemptListByMsgOptions,
    MessageIn,
    MessageStatus,
    StatusCodeClass,
    Svix,
)

AUTH = {"Authorization": f"Bearer {TOKEN}"}
NO_RETRIES = {"HOOKLINE_RETRY_SCHEDULE": "", "HOOKLINE_CIRCUIT_BREAKER_THRESHOLD": "1000"}


@dataclass
class World:
    hookline: HooklineProcess
    svix: Svix
    http: httpx.Client
    app: str
    answering: str  # endpoint id: answers with the code each message asks for
    silent: str  # endpoint id: nothing listens there
    msgs: dict[str, str]  # name -> message id
    middle: datetime  # between the attempts of m1, m2 and those of m3, m4


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[World]:
    env = dict(NO_RETRIES)
    if request.param == "postgresql":
        env["HOOKLINE_DATABASE_URL"] = request.getfixturevalue("postgres_template").new_database()
    receiver = Receiver().start()
    receiver.respond_with(
        lambda _n, r: (
            json.loads(r.body)["code"],
            f"answer {json.loads(r.body)['code']}".encode(),
            {},
            0.0,
        )
    )
    hookline = HooklineProcess(tmp_path_factory.mktemp("filters"), env=env).start()
    svix = hookline.svix()
    http = httpx.Client(base_url=hookline.url, headers=AUTH, timeout=10)
    try:
        app = svix.application.create(ApplicationIn(name="Filters")).id
        answering = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/a", uid="ans")).id
        silent = svix.endpoint.create(app, EndpointIn(url="http://127.0.0.1:9/never")).id

        def publish(
            event_type: str, code: int, channels: list[str] | None, tags: list[str] | None = None
        ) -> str:
            body = MessageIn(
                event_type=event_type, payload={"code": code}, channels=channels, tags=tags
            )
            return svix.message.create(app, body).id

        def attempts_recorded(count: int) -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                total = sum(
                    len(http.get(f"/api/v1/app/{app}/attempt/endpoint/{ep}").json()["data"])
                    for ep in (answering, silent)
                )
                if total >= count:
                    return
                time.sleep(0.05)
            raise AssertionError(f"{count} attempts not recorded")

        msgs = {
            "m1": publish("order.created", 204, ["eu"], ["vip"]),
            "m2": publish("order.paid", 404, ["us"]),
        }
        attempts_recorded(4)
        time.sleep(0.05)
        middle = datetime.now(UTC)
        time.sleep(0.05)
        msgs["m3"] = publish("order.created", 302, ["us", "eu"], ["vip", "team/eu"])
        msgs["m4"] = publish("order.paid", 503, None)
        attempts_recorded(8)
        yield World(hookline, svix, http, app, answering, silent, msgs, middle)
    finally:
        http.close()
        hookline.stop()
        receiver.stop()


def by_endpoint(w: World, endpoint: str | None = None, **options) -> list[str]:
    """Names of the messages of the endpoint's attempts, newest first (through the SDK)."""
    opts = MessageAttemptListByEndpointOptions(limit=250, **options)
    page = w.svix.message_attempt.list_by_endpoint(w.app, endpoint or w.answering, opts)
    assert page.done
    return names(w, [a.msg_id for a in page.data])


def names(w: World, msg_ids: list[str]) -> list[str]:
    back = {v: k for k, v in w.msgs.items()}
    return [back[m] for m in msg_ids]


def raw(w: World, path: str, **params) -> httpx.Response:
    return w.http.get(f"/api/v1/app/{w.app}{path}", params=params)


def raw_names(w: World, path: str, key: str = "msgId", **params) -> list[str]:
    r = raw(w, path, **params)
    assert r.status_code == 200, r.text
    return names(w, [item[key] for item in r.json()["data"]])


def test_without_filters_every_attempt_is_listed(world):
    assert by_endpoint(world) == ["m4", "m3", "m2", "m1"]
    assert by_endpoint(world, world.silent) == ["m4", "m3", "m2", "m1"]


@pytest.mark.parametrize(
    ("code_class", "answering", "silent"),
    [
        (StatusCodeClass.CODE_NONE, [], ["m4", "m3", "m2", "m1"]),
        (StatusCodeClass.CODE1XX, [], []),
        (StatusCodeClass.CODE2XX, ["m1"], []),
        (StatusCodeClass.CODE3XX, ["m3"], []),
        (StatusCodeClass.CODE4XX, ["m2"], []),
        (StatusCodeClass.CODE5XX, ["m4"], []),
    ],
)
def test_status_code_class(world, code_class, answering, silent):
    assert by_endpoint(world, status_code_class=code_class) == answering
    assert by_endpoint(world, world.silent, status_code_class=code_class) == silent
    path = f"/attempt/endpoint/{world.answering}"
    assert raw_names(world, path, status_code_class=int(code_class)) == answering
    m3 = f"/attempt/msg/{world.msgs['m3']}"
    expected = {0: [world.silent], 300: [world.answering]}.get(int(code_class), [])
    r = raw(world, m3, status_code_class=int(code_class))
    assert [a["endpointId"] for a in r.json()["data"]] == expected


@pytest.mark.parametrize("bad", ["250", "600", "2xx", "-100"])
def test_status_code_class_outside_the_classes_is_422(world, bad):
    for path in (f"/attempt/endpoint/{world.answering}", f"/attempt/msg/{world.msgs['m1']}"):
        r = raw(world, path, status_code_class=bad)
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["query", "status_code_class"]


def test_status(world):
    assert by_endpoint(world, status=MessageStatus.SUCCESS) == ["m1"]
    assert by_endpoint(world, status=MessageStatus.FAIL) == ["m4", "m3", "m2"]
    assert by_endpoint(world, world.silent, status=MessageStatus.SUCCESS) == []


def test_before_and_after_are_the_attempt_time(world):
    middle = world.middle
    assert by_endpoint(world, after=middle) == ["m4", "m3"]
    assert by_endpoint(world, before=middle) == ["m2", "m1"]
    # A range that is empty (before not later than after) answers an empty list.
    assert by_endpoint(world, before=middle, after=middle) == []
    path = f"/attempt/endpoint/{world.answering}"
    assert raw_names(world, path, after=middle.isoformat()) == ["m4", "m3"]
    naive_utc = middle.replace(tzinfo=None).isoformat()  # no offset: UTC
    assert raw_names(world, path, before=naive_utc) == ["m2", "m1"]
    by_msg = MessageAttemptListByMsgOptions(before=middle)
    assert world.svix.message_attempt.list_by_msg(world.app, world.msgs["m3"], by_msg).data == []


def test_event_types_and_channel_are_the_message_s(world):
    assert by_endpoint(world, event_types=["order.created"]) == ["m3", "m1"]
    assert by_endpoint(world, event_types=["order.created", "order.paid"]) == [
        "m4",
        "m3",
        "m2",
        "m1",
    ]
    assert by_endpoint(world, event_types=["order.refunded"]) == []
    assert by_endpoint(world, channel="eu") == ["m3", "m1"]
    assert by_endpoint(world, channel="us") == ["m3", "m2"]
    assert by_endpoint(world, channel="e") == []  # whole channel names only
    assert by_endpoint(world, channel="eu", event_types=["order.paid"]) == []
    path = f"/attempt/endpoint/{world.answering}"
    assert raw_names(world, path, event_types="order.paid") == ["m4", "m2"]
    r = world.http.get(
        f"/api/v1/app/{world.app}{path}", params=[("event_types", "order.paid"), ("channel", "us")]
    )
    assert names(world, [a["msgId"] for a in r.json()["data"]]) == ["m2"]


def test_filters_of_a_message_s_attempts(world):
    m3 = world.msgs["m3"]

    def listed(**options) -> list[str]:
        opts = MessageAttemptListByMsgOptions(limit=250, **options)
        return [
            a.endpoint_id for a in world.svix.message_attempt.list_by_msg(world.app, m3, opts).data
        ]

    both = sorted([world.answering, world.silent])
    assert sorted(listed()) == both
    assert listed(endpoint_id=world.answering) == [world.answering]
    assert listed(endpoint_id="ans") == [world.answering]  # the endpoint's uid
    assert sorted(listed(channel="eu")) == both
    assert listed(event_types=["order.paid"]) == []
    assert listed(status=MessageStatus.SUCCESS) == []
    assert sorted(listed(after=world.middle)) == both


def test_a_filtered_page_is_full_and_pages_on(world):
    """Filters apply before the page is cut: a page of one holds a match, and the next
    page goes on from it."""
    path = f"/attempt/endpoint/{world.answering}"
    first = raw(world, path, channel="eu", limit=1).json()
    assert (names(world, [a["msgId"] for a in first["data"]]), first["done"]) == (["m3"], False)
    second = raw(world, path, channel="eu", limit=1, iterator=first["iterator"]).json()
    assert names(world, [a["msgId"] for a in second["data"]]) == ["m1"]
    third = raw(world, path, channel="eu", limit=1, iterator=second["iterator"]).json()
    assert (third["data"], third["done"]) == ([], True)


def test_with_content_and_with_msg(world):
    sdk_default = world.svix.message_attempt.list_by_endpoint(world.app, world.answering).data
    assert {a.response for a in sdk_default} == {""}  # the v2 SDK asks for no content
    assert all(a.msg is None for a in sdk_default)
    opts = MessageAttemptListByEndpointOptions(with_content=True, with_msg=True, channel="us")
    full = world.svix.message_attempt.list_by_endpoint(world.app, world.answering, opts).data
    assert [a.response for a in full] == ["answer 302", "answer 404"]
    assert [(a.msg.id, a.msg.event_type, a.msg.channels) for a in full] == [
        (world.msgs["m3"], "order.created", ["us", "eu"]),
        (world.msgs["m2"], "order.paid", ["us"]),
    ]
    assert all(a.msg.payload == {} for a in full)  # never the payload
    by_msg = raw(world, f"/attempt/msg/{world.msgs['m2']}", endpoint_id=world.answering).json()
    assert [a["response"] for a in by_msg["data"]] == ["answer 404"]  # raw HTTP: content
    assert "msg" not in by_msg["data"][0]


def test_expanded_statuses_is_accepted_and_changes_nothing(world):
    path = f"/attempt/endpoint/{world.answering}"
    expanded = raw(world, path, expanded_statuses="true").json()["data"]
    assert raw(world, path, expanded_statuses="false").json()["data"] == expanded
    assert raw(world, path, expanded_statuses="maybe").status_code == 422


def test_attempted_messages_filters(world):
    def listed(endpoint: str | None = None, **options) -> list[str]:
        opts = MessageAttemptListAttemptedMessagesOptions(limit=250, **options)
        page = world.svix.message_attempt.list_attempted_messages(
            world.app, endpoint or world.answering, opts
        )
        return names(world, [m.id for m in page.data])

    assert listed() == ["m4", "m3", "m2", "m1"]
    assert listed(channel="eu") == ["m3", "m1"]
    assert listed(event_types=["order.paid"]) == ["m4", "m2"]
    assert listed(status=MessageStatus.SUCCESS) == ["m1"]
    assert listed(world.silent, status=MessageStatus.SUCCESS) == []
    path = f"/endpoint/{world.answering}/msg"
    first = raw(world, path, channel="us", limit=1).json()
    assert (names(world, [m["id"] for m in first["data"]]), first["done"]) == (["m3"], False)
    rest = raw(world, path, channel="us", iterator=first["iterator"]).json()
    assert (names(world, [m["id"] for m in rest["data"]]), rest["done"]) == (["m2"], True)


@pytest.mark.parametrize(
    ("path", "key", "vip"),
    [
        ("/attempt/endpoint/{answering}", "msgId", ["m3", "m1"]),
        ("/attempt/endpoint/{silent}", "msgId", ["m3", "m1"]),
        ("/attempt/msg/{m1}", "msgId", ["m1", "m1"]),
        ("/attempt/msg/{m2}", "msgId", []),
        ("/endpoint/{answering}/msg", "id", ["m3", "m1"]),
        ("/msg", "id", ["m3", "m1"]),
    ],
)
def test_tag_filters_keep_the_messages_carrying_the_tag(world, path, key, vip):
    path = path.format(
        answering=world.answering, silent=world.silent, m1=world.msgs["m1"], m2=world.msgs["m2"]
    )
    assert raw_names(world, path, key, tag="vip") == vip
    assert raw_names(world, path, key, tag="team/eu") == [n for n in vip if n == "m3"]
    assert raw_names(world, path, key, tag="nobody") == []
    r = raw(world, path, tag="not a tag")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "tag"]


def test_the_tag_filter_combines_with_the_others(world):
    assert by_endpoint(world, tag="vip", status=MessageStatus.SUCCESS) == ["m1"]
    assert by_endpoint(world, tag="vip", status_code_class=StatusCodeClass.CODE3XX) == ["m3"]
    assert by_endpoint(world, tag="vip", after=world.middle) == ["m3"]
    assert by_endpoint(world, tag="vip", before=world.middle) == ["m1"]
    assert by_endpoint(world, tag="vip", channel="us") == ["m3"]
    assert by_endpoint(world, tag="vip", event_types=["order.paid"]) == []


def test_every_listing_refuses_a_cursor_it_did_not_issue(world):
    msg, atmpt_like = world.msgs["m1"], "atmpt_" + "0" * 22
    for path, foreign in (
        (f"/attempt/endpoint/{world.answering}", msg),
        (f"/attempt/msg/{msg}", world.answering),
        (f"/endpoint/{world.answering}/msg", atmpt_like),
        (f"/msg/{msg}/endpoint", msg),
        ("/msg", world.answering),
    ):
        for cursor in ("garbage", foreign, f"~{foreign}", "~", "msg_short"):
            r = raw(world, path, iterator=cursor)
            assert r.status_code == 422, (path, cursor, r.text)
            assert r.json()["detail"][0]["loc"] == ["query", "iterator"]


def test_times_are_iso_8601_only(world, tmp_path: Path):
    for path in (
        f"/attempt/endpoint/{world.answering}",
        f"/attempt/msg/{world.msgs['m1']}",
        f"/endpoint/{world.answering}/msg",
        "/msg",
    ):
        for param in ("before", "after"):
            for bad in ("-1.4e-45", "1700000000", "1700000000000", "0", "yesterday"):
                r = raw(world, path, **{param: bad})
                assert r.status_code == 422, (path, param, bad, r.text)
                assert r.json()["detail"][0]["loc"] == ["query", param]
