"""Polling instead of receiving: the events API, polling endpoints and their consumers (the
svix SDK's message poller), long polling, on both stores."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from server_process import TOKEN, HooklineCluster
from svix.api import (
    ApplicationIn,
    EndpointIn,
    MessageIn,
    MessagePollerConsumerPollOptions,
    MessagePollerPollOptions,
    PollingEndpointConsumerSeekIn,
    Svix,
)
from svix.exceptions import HttpError


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


@pytest.fixture(scope="module")
def http(shared_hookline):
    with httpx.Client(
        base_url=shared_hookline.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=40
    ) as client:
        yield client


def new_app(svix: Svix) -> str:
    return svix.application.create(ApplicationIn(name=f"Polling {secrets.token_hex(3)}")).id


def sink(svix: Svix, app: str, url: str = "http://127.0.0.1:9/poll", **fields) -> str:
    """A polling endpoint: an endpoint that is disabled, so it is only ever read."""
    return svix.endpoint.create(app, EndpointIn(url=url, disabled=True, **fields)).id


def publish(svix: Svix, app: str, n: int, event_type: str = "a.b", **fields) -> list[str]:
    return [
        svix.message.create(app, MessageIn(event_type=event_type, payload={"n": i}, **fields)).id
        for i in range(n)
    ]


def test_events_are_read_in_publish_order_and_the_iterator_continues_later(svix, http):
    app = new_app(svix)
    sent = publish(svix, app, 3)
    first = http.get(f"/api/v1/app/{app}/events", params={"limit": 2}).json()
    assert [m["id"] for m in first["data"]] == sent[:2]
    assert first["done"] is False
    assert first["data"][0]["payload"] == {"n": 0}
    rest = http.get(f"/api/v1/app/{app}/events", params={"iterator": first["iterator"]}).json()
    assert ([m["id"] for m in rest["data"]], rest["done"]) == (sent[2:], True)

    # Nothing new: the same iterator comes back; a message published later follows it.
    empty = http.get(f"/api/v1/app/{app}/events", params={"iterator": rest["iterator"]}).json()
    assert (empty["data"], empty["iterator"], empty["done"]) == ([], rest["iterator"], True)
    later = publish(svix, app, 1)
    got = http.get(f"/api/v1/app/{app}/events", params={"iterator": rest["iterator"]}).json()
    assert [m["id"] for m in got["data"]] == later


def test_events_filters_and_after(svix, http):
    app = new_app(svix)
    publish(svix, app, 1, "x.old")
    before = datetime.now(UTC)
    time.sleep(0.01)  # the next message's millisecond is after `before`
    typed = publish(svix, app, 1, "x.typed")
    on_channel = publish(svix, app, 1, "x.other", channels=["blue"])
    publish(svix, app, 1, "x.other", channels=["red"])

    def ids(**params) -> list[str]:
        return [
            m["id"] for m in http.get(f"/api/v1/app/{app}/events", params=params).json()["data"]
        ]

    assert ids(event_types="x.typed,x.old") == ids(event_types=["x.old", "x.typed"])
    assert len(ids(event_types="x.typed,x.old")) == 2
    assert ids(channels="blue,green") == on_channel
    assert ids(after=before.isoformat())[:2] == typed + on_channel
    assert len(ids(after=before.isoformat())) == 3


def test_events_refuse_what_is_not_an_iterator(svix, http):
    app = new_app(svix)
    answer = http.get(f"/api/v1/app/{app}/events", params={"iterator": "msg_nope"})
    assert answer.status_code == 422
    assert http.get(f"/api/v1/app/{app}/events", params={"wait": 31}).status_code == 422
    assert http.get("/api/v1/app/app_nothing/events").status_code == 404


def test_poll_reads_through_the_endpoints_filters(svix):
    app = new_app(svix)
    ep = sink(svix, app, event_types=["order.paid"], channels=["eu"])
    publish(svix, app, 1, "order.paid", channels=["us"])
    wanted = publish(svix, app, 2, "order.paid", channels=["eu", "us"])
    publish(svix, app, 1, "order.refunded", channels=["eu"])

    page = svix.message.poller.poll(app, ep, MessagePollerPollOptions(limit=1))
    assert ([m.id for m in page.data], page.done) == (wanted[:1], False)
    page = svix.message.poller.poll(app, ep, MessagePollerPollOptions(iterator=page.iterator))
    assert ([m.id for m in page.data], page.done) == (wanted[1:], True)
    assert page.data[0].event_type == "order.paid" and page.data[0].payload == {"n": 1}
    narrowed = svix.message.poller.poll(app, ep, MessagePollerPollOptions(channel="us"))
    assert [m.id for m in narrowed.data] == wanted
    none = svix.message.poller.poll(app, ep, MessagePollerPollOptions(event_type="order.refunded"))
    assert none.data == []


def test_two_consumers_read_independently_and_resume_where_they_stopped(svix):
    app = new_app(svix)
    ep = sink(svix, app)
    sent = publish(svix, app, 5)
    poller = svix.message.poller

    def read(consumer: str, limit: int = 50) -> list[str]:
        options = MessagePollerConsumerPollOptions(limit=limit)
        return [m.id for m in poller.consumer_poll(app, ep, consumer, options).data]

    assert read("alpha", 2) == sent[:2]
    assert read("beta", 4) == sent[:4]  # alpha's reads do not move beta
    assert read("alpha", 2) == sent[2:4]
    more = publish(svix, app, 2)
    assert read("alpha") == sent[4:] + more  # exactly what it had not read yet
    assert read("beta") == sent[4:] + more
    assert read("alpha") == []


def test_seek_moves_the_consumer_to_a_time(svix):
    app = new_app(svix)
    ep = sink(svix, app)
    early = publish(svix, app, 2)
    time.sleep(0.01)
    middle = datetime.now(UTC)
    time.sleep(0.01)
    late = publish(svix, app, 2)
    poller = svix.message.poller
    assert [m.id for m in poller.consumer_poll(app, ep, "c").data] == early + late

    seek = poller.consumer_seek(app, ep, "c", PollingEndpointConsumerSeekIn(after=middle))
    assert seek.iterator
    assert [m.id for m in poller.consumer_poll(app, ep, "c").data] == late
    before_all = middle - timedelta(days=1)
    poller.consumer_seek(app, ep, "c", PollingEndpointConsumerSeekIn(after=before_all))
    assert [m.id for m in poller.consumer_poll(app, ep, "c").data] == early + late


def test_unknown_polling_endpoint_is_404(svix):
    app = new_app(svix)
    with pytest.raises(HttpError) as caught:
        svix.message.poller.poll(app, "ep_nothing")
    assert caught.value.status_code == 404


def _long_poll(http: httpx.Client, path: str, params: dict, answers: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: answers.append(http.get(path, params=params)))
    thread.start()
    return thread


def test_a_long_poll_is_answered_by_a_publish(svix, http):
    app = new_app(svix)
    ep = sink(svix, app)
    path = f"/api/v1/app/{app}/poller/{ep}/consumer/waiter"
    assert http.get(path).json()["data"] == []  # the consumer exists and has read everything
    answers: list[httpx.Response] = []
    thread = _long_poll(http, path, {"wait": 30}, answers)
    time.sleep(0.3)  # let the poll start waiting (if it has not, it reads the message at once)
    sent = publish(svix, app, 1)
    thread.join(40)
    body = answers[0].json()
    assert [m["id"] for m in body["data"]] == sent


def test_a_long_poll_of_the_events_api_is_answered_by_a_publish(svix, http):
    app = new_app(svix)
    iterator = http.get(f"/api/v1/app/{app}/events").json()["iterator"]
    answers: list[httpx.Response] = []
    thread = _long_poll(
        http, f"/api/v1/app/{app}/events", {"iterator": iterator, "wait": 30}, answers
    )
    time.sleep(0.3)
    sent = publish(svix, app, 1)
    thread.join(40)
    assert [m["id"] for m in answers[0].json()["data"]] == sent


@pytest.fixture
def two_servers(postgres_template, tmp_path):
    """Two API processes on one PostgreSQL database (a scale-out deployment)."""
    cluster = HooklineCluster(tmp_path / "data", postgres_template.new_database())
    first = cluster.start()
    second = cluster.start(args=("serve", "--no-worker"))
    yield first, second
    cluster.stop()


def test_postgresql_long_poll_is_woken_by_a_publish_in_another_process(two_servers):
    first, second = two_servers
    publisher = first.svix()
    app = new_app(publisher)
    ep = sink(publisher, app)
    with httpx.Client(
        base_url=second.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=40
    ) as http:
        path = f"/api/v1/app/{app}/poller/{ep}/consumer/elsewhere"
        assert http.get(path).json()["data"] == []
        answers: list[httpx.Response] = []
        thread = _long_poll(http, path, {"wait": 30}, answers)
        time.sleep(0.3)
        sent = publish(publisher, app, 1)
        thread.join(40)
    assert [m["id"] for m in answers[0].json()["data"]] == sent


def test_postgresql_consumer_misses_nothing_while_two_processes_publish(two_servers):
    """Publishes commit in any order across processes; the consumer, reading all along,
    still gets each message exactly once."""
    first, second = two_servers
    app = new_app(first.svix())
    ep = sink(first.svix(), app)
    clients = [first.svix(), second.svix()]
    sent: list[str] = []

    def publish_from(client: Svix) -> None:
        for _ in range(3):
            sent.extend(publish(client, app, 10))

    threads = [threading.Thread(target=publish_from, args=(c,)) for c in clients * 2]
    for thread in threads:
        thread.start()
    read: list[str] = []
    reader = clients[1].message.poller
    while any(t.is_alive() for t in threads):
        read += [m.id for m in reader.consumer_poll(app, ep, "all").data]
    for thread in threads:
        thread.join()
    read += [m.id for m in reader.consumer_poll(app, ep, "all").data]
    assert len(read) == len(set(read)) == 120
    assert set(read) == set(sent)


def test_a_token_for_one_polling_endpoint_reads_only_that(svix, http, shared_hookline):
    app = new_app(svix)
    ep = sink(svix, app, uid="the-sink")
    other = sink(svix, app)
    sent = publish(svix, app, 2)
    issued = http.post(
        f"/api/v1/auth/app-portal-access/{app}", json={"pollingEndpoint": "the-sink"}
    )
    assert issued.status_code == 200
    assert issued.json()["url"] == f"{shared_hookline.url}/api/v1/app/{app}/poller/{ep}"
    token = issued.json()["token"]
    with httpx.Client(
        base_url=shared_hookline.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as scoped:
        assert [
            m["id"] for m in scoped.get(f"/api/v1/app/{app}/poller/{ep}").json()["data"]
        ] == sent
        consumer = f"/api/v1/app/{app}/poller/{ep}/consumer/mine"
        assert [m["id"] for m in scoped.get(consumer).json()["data"]] == sent
        seek = scoped.post(consumer + "/seek", json={"after": "2020-01-01T00:00:00Z"})
        assert seek.status_code == 200
        for refused in (
            f"/api/v1/app/{app}/poller/{other}",
            f"/api/v1/app/{app}/events",
            f"/api/v1/app/{app}/msg",
            f"/api/v1/app/{app}/endpoint/{ep}",
            f"/api/v1/app/{app}",
        ):
            answer = scoped.get(refused)
            assert answer.status_code == 403, refused
            assert answer.json()["code"] == "forbidden"
    unknown = http.post(f"/api/v1/auth/app-portal-access/{app}", json={"pollingEndpoint": "nope"})
    assert unknown.status_code == 404


def test_a_long_poll_is_answered_when_the_server_shuts_down(hookline):
    client = hookline.svix()
    app = new_app(client)
    ep = sink(client, app)
    with httpx.Client(
        base_url=hookline.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=40
    ) as http:
        answers: list[httpx.Response] = []
        thread = _long_poll(http, f"/api/v1/app/{app}/poller/{ep}", {"wait": 30}, answers)
        time.sleep(0.3)
        assert hookline.stop() == 0
        thread.join(40)
    assert answers[0].status_code == 200
    assert answers[0].json()["data"] == []
