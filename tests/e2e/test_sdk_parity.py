"""Every public operation of the installed svix SDK's sending resources, found by introspection,
called against a running Hookline on both stores: none answers 404 or 405, and each does what
Svix documents (the answer's key fields, and its effect read back).

The list of operations is not written here: it is read from the SDK (tests/sdk_surface.py). An
operation the SDK gains fails `test_every_sdk_operation_is_called_or_left_out_with_a_reason`
until it gets a check below or a reason to be out of scope.
"""

from __future__ import annotations

import functools
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from receiver import Receiver
from sdk_surface import (
    OUT_OF_SCOPE_METHODS,
    OUT_OF_SCOPE_RESOURCES,
    SdkMethod,
    async_sdk_paths,
    out_of_scope_reason,
    sdk_methods,
)
from server_process import TOKEN, HooklineProcess, free_port
from standardwebhooks.webhooks import Webhook
from svix.api import (
    ApplicationIn,
    ApplicationListOptions,
    ApplicationPatch,
    ApplicationTokenExpireIn,
    AppPortalAccessIn,
    AppUsageStatsIn,
    BackgroundTaskListOptions,
    BulkExpungeContentsIn,
    BulkReplayIn,
    EndpointHeadersIn,
    EndpointHeadersPatchIn,
    EndpointIn,
    EndpointListOptions,
    EndpointPatch,
    EndpointSecretRotateIn,
    EndpointUpsertIn,
    EventExampleIn,
    EventTypeImportOpenApiIn,
    EventTypeIn,
    EventTypeListOptions,
    EventTypePatch,
    EventTypeUpsertIn,
    MessageAttemptListByEndpointOptions,
    MessageAttemptListByMsgOptions,
    MessageCreateOptions,
    MessageGetOptions,
    MessageIn,
    MessageListOptions,
    MessagePollerPollOptions,
    MessagePrecheckIn,
    OperationalWebhookEndpointHeadersIn,
    OperationalWebhookEndpointIn,
    OperationalWebhookEndpointSecretIn,
    OperationalWebhookEndpointUpsertIn,
    PollingEndpointConsumerSeekIn,
    RecoverIn,
    ReplayIn,
    Svix,
    SvixOptions,
)
from svix.exceptions import HttpError
from svix.models import BackgroundTaskStatus, BackgroundTaskType, MessageStatus, Ordering

AUTH = {"Authorization": f"Bearer {TOKEN}"}
SDK = sdk_methods()
BY_PATH = {m.path: m for m in SDK}


@dataclass
class World:
    """What most checks start from: an application with an endpoint on a real receiver, and
    one message delivered to it (with its attempt)."""

    hookline: HooklineProcess
    svix: Svix
    receiver: Receiver
    app: str
    endpoint: str
    msg: str
    attempt: str
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.hookline.url, headers=AUTH, timeout=10)

    def new_app(self, name: str = "Parity") -> str:
        return self.svix.application.create(ApplicationIn(name=name)).id

    def new_endpoint(self, app: str, path: str = "/p", **fields: Any) -> str:
        return self.svix.endpoint.create(
            app, EndpointIn(url=f"{self.receiver.url}{path}", **fields)
        ).id

    def delivered(self, app: str, msg: str, count: int = 1) -> list[Any]:
        """The message's attempts once `count` are recorded."""
        deadline = time.monotonic() + 30
        while True:
            attempts = self.svix.message_attempt.list_by_msg(app, msg).data
            if len(attempts) >= count:
                return attempts
            assert time.monotonic() < deadline, f"{msg}: {len(attempts)} attempts"
            time.sleep(0.05)

    def finished(self, task_id: str) -> Any:
        deadline = time.monotonic() + 30
        while True:
            task = self.svix.background_task.get(task_id)
            if task.status != BackgroundTaskStatus.RUNNING:
                return task
            assert time.monotonic() < deadline, f"task {task_id} still running"
            time.sleep(0.05)

    def client_with(self, token: str) -> Svix:
        client = Svix(token, SvixOptions(server_url=self.hookline.url, retry_schedule=[]))
        self.hookline._clients.append(client)  # closed with the server's own clients
        return client


@pytest.fixture(scope="module")
def world(shared_hookline: HooklineProcess) -> Iterator[World]:
    receiver = Receiver().start()
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="Parity world")).id
    ep = svix.endpoint.create(app, EndpointIn(url=f"{receiver.url}/world")).id
    msg = svix.message.create(app, MessageIn(event_type="world.made", payload={"w": 1})).id
    w = World(shared_hookline, svix, receiver, app, ep, msg, attempt="")
    w.attempt = w.delivered(app, msg)[0].id
    yield w
    w.http.close()
    receiver.stop()


def status_of(call: Callable[[], object]) -> int:
    with pytest.raises(HttpError) as raised:
        call()
    return int(raised.value.status_code)


CHECKS: dict[str, Callable[[World], None]] = {}


def checks(path: str) -> Callable[[Callable[[World], None]], Callable[[World], None]]:
    """Registers a check as the one for the SDK operation `path`."""

    def register(fn: Callable[[World], None]) -> Callable[[World], None]:
        assert path not in CHECKS, path
        CHECKS[path] = fn
        return fn

    return register


# ---------------------------------------------------------------------------------------------
# application


@checks("application.create")
def check_application_create(w: World) -> None:
    uid = f"parity-{secrets.token_hex(4)}"
    app = w.svix.application.create(
        ApplicationIn(name="Made", uid=uid, metadata={"tier": "gold"}, throttle_rate=7)
    )
    assert app.id.startswith("app_")
    assert (app.name, app.uid, app.metadata, app.throttle_rate) == (
        "Made",
        uid,
        {"tier": "gold"},
        7,
    )
    assert w.svix.application.get(uid).id == app.id
    assert status_of(lambda: w.svix.application.create(ApplicationIn(name="x", uid=uid))) == 409


@checks("application.get")
def check_application_get(w: World) -> None:
    got = w.svix.application.get(w.app)
    assert (got.id, got.name) == (w.app, "Parity world")


@checks("application.get_or_create")
def check_application_get_or_create(w: World) -> None:
    uid = f"parity-{secrets.token_hex(4)}"
    made = w.svix.application.get_or_create(ApplicationIn(name="First", uid=uid))
    again = w.svix.application.get_or_create(ApplicationIn(name="Second", uid=uid))
    assert again.id == made.id
    assert again.name == "First"


@checks("application.list")
def check_application_list(w: World) -> None:
    empty = w.new_app("No endpoints")
    listed = w.svix.application.list(ApplicationListOptions(limit=250, order="descending"))
    assert empty in {a.id for a in listed.data}
    with_endpoints = w.svix.application.list(
        ApplicationListOptions(limit=250, exclude_apps_with_no_endpoints=True)
    )
    ids = {a.id for a in with_endpoints.data}
    assert w.app in ids
    assert empty not in ids


@checks("application.patch")
def check_application_patch(w: World) -> None:
    app = w.svix.application.create(ApplicationIn(name="Before", metadata={"k": "v"})).id
    patched = w.svix.application.patch(app, ApplicationPatch(name="After"))
    assert (patched.name, patched.metadata) == ("After", {"k": "v"})
    assert w.svix.application.get(app).name == "After"


@checks("application.upsert")
def check_application_upsert(w: World) -> None:
    uid = f"parity-{secrets.token_hex(4)}"
    made = w.svix.application.upsert(uid, ApplicationIn(name="Upserted"))
    assert made.uid == uid
    replaced = w.svix.application.upsert(uid, ApplicationIn(name="Replaced"))
    assert (replaced.id, w.svix.application.get(uid).name) == (made.id, "Replaced")


@checks("application.delete")
def check_application_delete(w: World) -> None:
    app = w.new_app("Doomed")
    w.svix.application.delete(app)
    assert status_of(lambda: w.svix.application.get(app)) == 404


# ---------------------------------------------------------------------------------------------
# authentication


@checks("authentication.app_portal_access")
def check_authentication_app_portal_access(w: World) -> None:
    out = w.svix.authentication.app_portal_access(w.app, AppPortalAccessIn(expiry=3600))
    assert out.url.startswith("http")
    as_app = w.client_with(out.token)
    assert w.endpoint in {e.id for e in as_app.endpoint.list(w.app).data}
    other = w.new_app("Not yours")
    assert status_of(lambda: as_app.endpoint.list(other)) == 403


@checks("authentication.expire_all")
def check_authentication_expire_all(w: World) -> None:
    app = w.new_app("Expiring")
    token = w.svix.authentication.app_portal_access(app, AppPortalAccessIn()).token
    as_app = w.client_with(token)
    as_app.endpoint.list(app)
    w.svix.authentication.expire_all(app, ApplicationTokenExpireIn())
    assert status_of(lambda: as_app.endpoint.list(app)) == 401


@checks("authentication.logout")
def check_authentication_logout(w: World) -> None:
    app = w.new_app("Leaving")
    token = w.svix.authentication.app_portal_access(app, AppPortalAccessIn()).token
    kept = w.svix.authentication.app_portal_access(app, AppPortalAccessIn()).token
    as_app = w.client_with(token)
    as_app.authentication.logout()
    assert status_of(lambda: as_app.endpoint.list(app)) == 401
    w.client_with(kept).endpoint.list(app)  # only that token ended


# ---------------------------------------------------------------------------------------------
# background_task


@checks("background_task.get")
def check_background_task_get(w: World) -> None:
    started = w.svix.endpoint.recover(
        w.app, w.endpoint, RecoverIn(since=datetime.now(UTC) - timedelta(minutes=1))
    )
    task = w.finished(started.id)
    assert (task.id, task.task, task.status) == (
        started.id,
        BackgroundTaskType.ENDPOINT_RECOVER,
        BackgroundTaskStatus.FINISHED,
    )
    assert "messagesQueued" in task.data


@checks("background_task.list")
def check_background_task_list(w: World) -> None:
    started = w.svix.message.expunge_all_contents(w.new_app("Task list"))
    listed = w.svix.background_task.list(
        BackgroundTaskListOptions(task=BackgroundTaskType.APPLICATION_PURGE_CONTENT, limit=250)
    )
    assert started.id in {t.id for t in listed.data}
    assert {t.task for t in listed.data} == {BackgroundTaskType.APPLICATION_PURGE_CONTENT}


# ---------------------------------------------------------------------------------------------
# endpoint


@checks("endpoint.create")
def check_endpoint_create(w: World) -> None:
    app = w.new_app()
    ep = w.svix.endpoint.create(
        app,
        EndpointIn(
            url=f"{w.receiver.url}/made",
            uid="made",
            description="A made endpoint",
            event_types=["order.paid"],
            channels=["eu"],
            metadata={"team": "billing"},
            throttle_rate=50,
        ),
    )
    assert ep.id.startswith("ep_")
    assert (ep.url, ep.uid, ep.description, ep.event_types, ep.channels) == (
        f"{w.receiver.url}/made",
        "made",
        "A made endpoint",
        ["order.paid"],
        ["eu"],
    )
    assert (ep.metadata, ep.throttle_rate, ep.disabled) == ({"team": "billing"}, 50, False)
    assert w.svix.endpoint.get(app, "made").id == ep.id


@checks("endpoint.get")
def check_endpoint_get(w: World) -> None:
    got = w.svix.endpoint.get(w.app, w.endpoint)
    assert (got.id, got.url) == (w.endpoint, f"{w.receiver.url}/world")


@checks("endpoint.list")
def check_endpoint_list(w: World) -> None:
    app = w.new_app()
    first = w.new_endpoint(app, "/1")
    second = w.new_endpoint(app, "/2")
    assert [e.id for e in w.svix.endpoint.list(app).data] == [first, second]
    newest = w.svix.endpoint.list(app, EndpointListOptions(order=Ordering.DESCENDING, limit=1))
    assert ([e.id for e in newest.data], newest.done) == ([second], False)
    rest = w.svix.endpoint.list(
        app, EndpointListOptions(order=Ordering.DESCENDING, iterator=newest.iterator, limit=1)
    )
    assert [e.id for e in rest.data] == [first]


@checks("endpoint.patch")
def check_endpoint_patch(w: World) -> None:
    app = w.new_app()
    ep = w.new_endpoint(app, description="before", metadata={"k": "v"})
    patched = w.svix.endpoint.patch(app, ep, EndpointPatch(description="after", disabled=True))
    assert (patched.description, patched.disabled, patched.metadata) == ("after", True, {"k": "v"})
    assert w.svix.endpoint.get(app, ep).description == "after"


@checks("endpoint.upsert")
def check_endpoint_upsert(w: World) -> None:
    app = w.new_app()
    made = w.svix.endpoint.upsert(app, "by-uid", EndpointUpsertIn(url=f"{w.receiver.url}/u"))
    assert made.uid == "by-uid"
    replaced = w.svix.endpoint.upsert(
        app, made.id, EndpointUpsertIn(url=f"{w.receiver.url}/v", uid="by-uid")
    )
    assert replaced.id == made.id
    assert w.svix.endpoint.get(app, "by-uid").url == f"{w.receiver.url}/v"


@checks("endpoint.delete")
def check_endpoint_delete(w: World) -> None:
    app = w.new_app()
    ep = w.new_endpoint(app)
    w.svix.endpoint.delete(app, ep)
    assert status_of(lambda: w.svix.endpoint.get(app, ep)) == 404


@checks("endpoint.get_secret")
def check_endpoint_get_secret(w: World) -> None:
    key = w.svix.endpoint.get_secret(w.app, w.endpoint).key
    assert key.startswith("whsec_")
    got = next(r for r in w.receiver.requests if r.path == "/world")
    assert Webhook(key).verify(got.body, got.headers) == {"w": 1}


@checks("endpoint.rotate_secret")
def check_endpoint_rotate_secret(w: World) -> None:
    app = w.new_app()
    ep = w.new_endpoint(app)
    old = w.svix.endpoint.get_secret(app, ep).key
    new = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert w.svix.endpoint.rotate_secret(app, ep, EndpointSecretRotateIn(key=new)).key == new
    assert w.svix.endpoint.get_secret(app, ep).key == new != old
    generated = w.svix.endpoint.rotate_secret(app, ep, EndpointSecretRotateIn()).key
    assert generated.startswith("whsec_")
    assert w.svix.endpoint.get_secret(app, ep).key == generated != new


@checks("endpoint.get_headers")
def check_endpoint_get_headers(w: World) -> None:
    app = w.new_app()
    ep = w.new_endpoint(app, headers={"X-Tenant": "42", "Authorization": "Bearer s3cret"})
    out = w.svix.endpoint.get_headers(app, ep)
    assert out.headers == {"X-Tenant": "42"}
    assert out.sensitive == ["Authorization"]


@checks("endpoint.set_headers")
def check_endpoint_set_headers(w: World) -> None:
    app = w.new_app()
    ep = w.new_endpoint(app, headers={"X-Old": "1"})
    w.svix.endpoint.set_headers(app, ep, EndpointHeadersIn(headers={"X-New": "2"}))
    assert w.svix.endpoint.get_headers(app, ep).headers == {"X-New": "2"}


@checks("endpoint.patch_headers")
def check_endpoint_patch_headers(w: World) -> None:
    app = w.new_app()
    ep = w.new_endpoint(app, headers={"X-Keep": "1", "X-Drop": "2"})
    w.svix.endpoint.patch_headers(
        app, ep, EndpointHeadersPatchIn(headers={"X-Add": "3"}, delete_headers=["X-Drop"])
    )
    assert w.svix.endpoint.get_headers(app, ep).headers == {"X-Keep": "1", "X-Add": "3"}


@checks("endpoint.get_stats")
def check_endpoint_get_stats(w: World) -> None:
    stats = w.svix.endpoint.get_stats(w.app, w.endpoint)
    assert (stats.success, stats.fail) == (1, 0)


@checks("endpoint.get_attempt_stats")
def check_endpoint_get_attempt_stats(w: World) -> None:
    stats = w.svix.endpoint.get_attempt_stats(w.app, w.endpoint)
    assert (stats.success, stats.fail) == (1, 0)


@checks("endpoint.send_example")
def check_endpoint_send_example(w: World) -> None:
    name = f"parity.example.{secrets.token_hex(3)}"
    w.svix.event_type.create(
        EventTypeIn(name=name, description="d", schemas={"1": {"examples": [{"ex": 1}]}})
    )
    app = w.new_app()
    ep = w.new_endpoint(app, "/example", event_types=["something.else"])
    msg = w.svix.endpoint.send_example(app, ep, EventExampleIn(event_type=name))
    assert (msg.event_type, msg.payload) == (name, {"ex": 1})
    assert w.delivered(app, msg.id)[0].endpoint_id == ep


@checks("endpoint.recover")
def check_endpoint_recover(w: World) -> None:
    # A message of a type with no retries fails for good at its first attempt, to a port
    # nothing listens on; once the endpoint points at the receiver, recover sends it again.
    name = new_type_name()
    w.svix.event_type.create(EventTypeIn(name=name, description="Tried once"))
    no_retries = w.http.put(f"/api/v1/event-type/{name}/retry-schedule", json={"retrySchedule": []})
    assert no_retries.status_code == 200
    app = w.new_app()
    ep = w.svix.endpoint.create(app, EndpointIn(url=f"http://127.0.0.1:{free_port()}/down")).id
    msg = w.svix.message.create(app, MessageIn(event_type=name, payload={"again": 1})).id
    deadline = time.monotonic() + 30
    while w.svix.message_attempt.list_attempted_destinations(app, msg).data[0].status != (
        MessageStatus.FAIL
    ):
        assert time.monotonic() < deadline, "the delivery never failed for good"
        time.sleep(0.05)
    w.svix.endpoint.patch(app, ep, EndpointPatch(url=f"{w.receiver.url}/recovered"))

    started = w.svix.endpoint.recover(
        app, ep, RecoverIn(since=datetime.now(UTC) - timedelta(minutes=1))
    )
    assert started.task == BackgroundTaskType.ENDPOINT_RECOVER
    assert w.finished(started.id).data == {"messagesQueued": 1}
    attempts = w.delivered(app, msg, count=2)
    assert [a.status for a in attempts] == [MessageStatus.SUCCESS, MessageStatus.FAIL]


@checks("endpoint.replay_missing")
def check_endpoint_replay_missing(w: World) -> None:
    app = w.new_app()
    since = datetime.now(UTC) - timedelta(minutes=1)
    msg = w.svix.message.create(app, MessageIn(event_type="a.b", payload={"early": True}))
    ep = w.new_endpoint(app, "/late")  # made after the message was published
    started = w.svix.endpoint.replay_missing(app, ep, ReplayIn(since=since))
    assert started.task == BackgroundTaskType.ENDPOINT_REPLAY
    assert w.finished(started.id).data == {"messagesQueued": 1}
    assert w.delivered(app, msg.id)[0].endpoint_id == ep


@checks("endpoint.bulk_replay")
def check_endpoint_bulk_replay(w: World) -> None:
    app = w.new_app()
    ep = w.new_endpoint(app, "/bulk")
    since = datetime.now(UTC) - timedelta(minutes=1)
    msg = w.svix.message.create(app, MessageIn(event_type="a.b", payload={"bulk": True})).id
    w.delivered(app, msg)
    started = w.svix.endpoint.bulk_replay(app, ep, BulkReplayIn(since=since, event_types=["a.b"]))
    assert started.task == BackgroundTaskType.ENDPOINT_BULK_REPLAY
    assert w.finished(started.id).data == {"messagesQueued": 1}
    # Sent again: a second attempt of the same message to the same endpoint.
    assert [a.endpoint_id for a in w.delivered(app, msg, count=2)] == [ep, ep]


# ---------------------------------------------------------------------------------------------
# event_type


def new_type_name() -> str:
    return f"parity.type.{secrets.token_hex(4)}"


@checks("event_type.create")
def check_event_type_create(w: World) -> None:
    name = new_type_name()
    made = w.svix.event_type.create(
        EventTypeIn(name=name, description="Made", group_name="parity", feature_flags=["beta"])
    )
    assert (made.name, made.description, made.group_name, made.feature_flags) == (
        name,
        "Made",
        "parity",
        ["beta"],
    )
    assert w.svix.event_type.get(name).description == "Made"


@checks("event_type.get")
def check_event_type_get(w: World) -> None:
    name = new_type_name()
    w.svix.event_type.create(EventTypeIn(name=name, description="Got", schemas={"1": {}}))
    got = w.svix.event_type.get(name)
    assert (got.name, got.description, got.schemas, got.archived) == (name, "Got", {"1": {}}, False)


@checks("event_type.list")
def check_event_type_list(w: World) -> None:
    name = new_type_name()
    w.svix.event_type.create(EventTypeIn(name=name, description="Listed"))
    names: set[str] = set()
    iterator = None
    while True:
        page = w.svix.event_type.list(EventTypeListOptions(limit=250, iterator=iterator))
        names |= {t.name for t in page.data}
        if page.done:
            break
        iterator = page.iterator
    assert name in names


@checks("event_type.patch")
def check_event_type_patch(w: World) -> None:
    name = new_type_name()
    w.svix.event_type.create(EventTypeIn(name=name, description="Before"))
    patched = w.svix.event_type.patch(name, EventTypePatch(deprecated=True))
    assert (patched.description, patched.deprecated) == ("Before", True)
    assert w.svix.event_type.get(name).deprecated is True


@checks("event_type.upsert")
def check_event_type_upsert(w: World) -> None:
    name = new_type_name()
    w.svix.event_type.upsert(name, EventTypeUpsertIn(description="One"))
    replaced = w.svix.event_type.upsert(name, EventTypeUpsertIn(description="Two"))
    assert (replaced.name, w.svix.event_type.get(name).description) == (name, "Two")


@checks("event_type.delete")
def check_event_type_delete(w: World) -> None:
    name = new_type_name()
    w.svix.event_type.create(EventTypeIn(name=name, description="Archived"))
    w.svix.event_type.delete(name)
    assert w.svix.event_type.get(name).archived is True  # Svix archives; expunge deletes


@checks("event_type.import_openapi")
def check_event_type_import_openapi(w: World) -> None:
    name = new_type_name()
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Parity", "version": "1"},
        "webhooks": {
            name: {
                "post": {
                    "description": "Imported",
                    "requestBody": {
                        "content": {"application/json": {"schema": {"type": "object"}}}
                    },
                }
            }
        },
    }
    dry = w.svix.event_type.import_openapi(EventTypeImportOpenApiIn(spec=spec, dry_run=True))
    assert name in [t.name for t in dry.data.to_modify or []]
    assert status_of(lambda: w.svix.event_type.get(name)) == 404
    done = w.svix.event_type.import_openapi(EventTypeImportOpenApiIn(spec=spec))
    assert done.data.modified == [name]
    assert w.svix.event_type.get(name).description == "Imported"


# ---------------------------------------------------------------------------------------------
# health


@checks("health.get")
def check_health_get(w: World) -> None:
    assert w.svix.health.get() is None  # 204: the database answers and the worker is ready


# ---------------------------------------------------------------------------------------------
# message


@checks("message.create")
def check_message_create(w: World) -> None:
    app = w.new_app()
    ep = w.new_endpoint(app, "/created")
    msg = w.svix.message.create(
        app,
        MessageIn(
            event_type="order.paid",
            payload={"order": 7},
            event_id=f"evt-{secrets.token_hex(3)}",
            channels=["eu"],
            tags=["vip"],
        ),
        MessageCreateOptions(with_content=True),  # v2 SDKs ask for no payload by default
    )
    assert msg.id.startswith("msg_")
    assert (msg.event_type, msg.payload, msg.channels, msg.tags) == (
        "order.paid",
        {"order": 7},
        ["eu"],
        ["vip"],
    )
    got = w.receiver.wait_for(
        lambda reqs: any(r.headers.get("webhook-id") == msg.id for r in reqs), timeout=30
    )
    sent = next(r for r in got if r.headers.get("webhook-id") == msg.id)
    assert Webhook(w.svix.endpoint.get_secret(app, ep).key).verify(sent.body, sent.headers) == {
        "order": 7
    }


@checks("message.get")
def check_message_get(w: World) -> None:
    got = w.svix.message.get(w.app, w.msg, MessageGetOptions(with_content=True))
    assert (got.id, got.event_type, got.payload) == (w.msg, "world.made", {"w": 1})
    bare = w.svix.message.get(w.app, w.msg)  # v2 SDKs ask for no payload by default
    assert bare.payload == {}


@checks("message.list")
def check_message_list(w: World) -> None:
    app = w.new_app()
    a = w.svix.message.create(app, MessageIn(event_type="a.one", payload={}, tags=["t1"])).id
    b = w.svix.message.create(app, MessageIn(event_type="a.two", payload={})).id
    assert [m.id for m in w.svix.message.list(app).data] == [b, a]  # newest first
    tagged = w.svix.message.list(app, MessageListOptions(tag="t1"))
    assert [m.id for m in tagged.data] == [a]
    typed = w.svix.message.list(app, MessageListOptions(event_types=["a.two"]))
    assert [m.id for m in typed.data] == [b]


@checks("message.precheck")
def check_message_precheck(w: World) -> None:
    app = w.new_app()
    assert w.svix.message.precheck(app, MessagePrecheckIn(event_type="x.y")).active is False
    w.new_endpoint(app, event_types=["x.y"])
    assert w.svix.message.precheck(app, MessagePrecheckIn(event_type="x.y")).active is True
    assert w.svix.message.precheck(app, MessagePrecheckIn(event_type="x.z")).active is False


@checks("message.expunge_content")
def check_message_expunge_content(w: World) -> None:
    app = w.new_app()
    msg = w.svix.message.create(app, MessageIn(event_type="a.b", payload={"pii": 1})).id
    w.svix.message.expunge_content(app, msg)
    assert w.http.get(f"/api/v1/app/{app}/msg/{msg}").json()["payload"] == {"expired": True}


@checks("message.bulk_expunge_content")
def check_message_bulk_expunge_content(w: World) -> None:
    app = w.new_app()
    msg = w.svix.message.create(app, MessageIn(event_type="a.b", payload={"pii": 1})).id
    out = w.svix.message.bulk_expunge_content(app, BulkExpungeContentsIn(ids=[msg, "evt-none"]))
    assert {k: str(v) for k, v in out.results.items()} == {
        msg: "expunged",
        "evt-none": "not-found",
    }
    assert w.http.get(f"/api/v1/app/{app}/msg/{msg}").json()["payload"] == {"expired": True}


@checks("message.expunge_all_contents")
def check_message_expunge_all_contents(w: World) -> None:
    app = w.new_app()
    msg = w.svix.message.create(app, MessageIn(event_type="a.b", payload={"pii": 1})).id
    started = w.svix.message.expunge_all_contents(app)
    assert started.task == BackgroundTaskType.APPLICATION_PURGE_CONTENT
    assert w.finished(started.id).data == {"messagesPurged": 1}
    assert w.http.get(f"/api/v1/app/{app}/msg/{msg}").json()["payload"] == {"expired": True}


@checks("message.poller.poll")
def check_message_poller_poll(w: World) -> None:
    app = w.new_app()
    sink = w.new_endpoint(app, disabled=True)  # a sink only polled: sent nothing
    first = w.svix.message.create(app, MessageIn(event_type="a.b", payload={"n": 1})).id
    page = w.svix.message.poller.poll(app, sink)
    assert [m.id for m in page.data] == [first]
    second = w.svix.message.create(app, MessageIn(event_type="a.b", payload={"n": 2})).id
    more = w.svix.message.poller.poll(app, sink, MessagePollerPollOptions(iterator=page.iterator))
    assert [m.id for m in more.data] == [second]


@checks("message.poller.consumer_poll")
def check_message_poller_consumer_poll(w: World) -> None:
    app = w.new_app()
    sink = w.new_endpoint(app, disabled=True)
    first = w.svix.message.create(app, MessageIn(event_type="a.b", payload={"n": 1})).id
    assert [m.id for m in w.svix.message.poller.consumer_poll(app, sink, "c1").data] == [first]
    assert w.svix.message.poller.consumer_poll(app, sink, "c1").data == []  # its cursor moved
    assert [m.id for m in w.svix.message.poller.consumer_poll(app, sink, "c2").data] == [first]


@checks("message.poller.consumer_seek")
def check_message_poller_consumer_seek(w: World) -> None:
    app = w.new_app()
    sink = w.new_endpoint(app, disabled=True)
    w.svix.message.create(app, MessageIn(event_type="a.b", payload={"n": 1}))
    w.svix.message.poller.consumer_poll(app, sink, "c")  # read everything
    before = w.svix.message.list(app).data[0].timestamp - timedelta(seconds=1)
    out = w.svix.message.poller.consumer_seek(
        app, sink, "c", PollingEndpointConsumerSeekIn(after=before)
    )
    assert out.iterator
    assert len(w.svix.message.poller.consumer_poll(app, sink, "c").data) == 1  # read again


# ---------------------------------------------------------------------------------------------
# message_attempt


@checks("message_attempt.get")
def check_message_attempt_get(w: World) -> None:
    got = w.svix.message_attempt.get(w.app, w.msg, w.attempt)
    assert (got.id, got.msg_id, got.endpoint_id, got.status) == (
        w.attempt,
        w.msg,
        w.endpoint,
        MessageStatus.SUCCESS,
    )
    assert got.response_status_code == 204


@checks("message_attempt.list_by_msg")
def check_message_attempt_list_by_msg(w: World) -> None:
    page = w.svix.message_attempt.list_by_msg(
        w.app, w.msg, MessageAttemptListByMsgOptions(status=MessageStatus.SUCCESS)
    )
    assert [a.id for a in page.data] == [w.attempt]
    failed = w.svix.message_attempt.list_by_msg(
        w.app, w.msg, MessageAttemptListByMsgOptions(status=MessageStatus.FAIL)
    )
    assert failed.data == []


@checks("message_attempt.list_by_endpoint")
def check_message_attempt_list_by_endpoint(w: World) -> None:
    page = w.svix.message_attempt.list_by_endpoint(
        w.app, w.endpoint, MessageAttemptListByEndpointOptions(with_msg=True)
    )
    assert w.attempt in {a.id for a in page.data}
    mine = next(a for a in page.data if a.id == w.attempt)
    assert mine.msg is not None and mine.msg.event_type == "world.made"


@checks("message_attempt.list_attempted_messages")
def check_message_attempt_list_attempted_messages(w: World) -> None:
    page = w.svix.message_attempt.list_attempted_messages(w.app, w.endpoint)
    mine = next(m for m in page.data if m.id == w.msg)
    assert mine.status == MessageStatus.SUCCESS


@checks("message_attempt.list_attempted_destinations")
def check_message_attempt_list_attempted_destinations(w: World) -> None:
    page = w.svix.message_attempt.list_attempted_destinations(w.app, w.msg)
    assert [(e.id, e.status) for e in page.data] == [(w.endpoint, MessageStatus.SUCCESS)]


@checks("message_attempt.resend")
def check_message_attempt_resend(w: World) -> None:
    app = w.new_app()
    ep = w.new_endpoint(app, "/resent")
    msg = w.svix.message.create(app, MessageIn(event_type="a.b", payload={"again": 1})).id
    w.delivered(app, msg)
    w.svix.message_attempt.resend(app, msg, ep)
    assert len(w.delivered(app, msg, count=2)) == 2


@checks("message_attempt.expunge_content")
def check_message_attempt_expunge_content(w: World) -> None:
    app = w.new_app()
    w.new_endpoint(app, "/expunged")
    msg = w.svix.message.create(app, MessageIn(event_type="a.b", payload={})).id
    attempt = w.delivered(app, msg)[0].id
    w.svix.message_attempt.expunge_content(app, msg, attempt)
    assert w.svix.message_attempt.get(app, msg, attempt).response == "EXPUNGED"


# ---------------------------------------------------------------------------------------------
# operational_webhook.endpoint


def new_operational(w: World, **fields: Any) -> str:
    return w.svix.operational_webhook.endpoint.create(
        OperationalWebhookEndpointIn(url=f"{w.receiver.url}/ops", **fields)
    ).id


@checks("operational_webhook.endpoint.create")
def check_operational_webhook_endpoint_create(w: World) -> None:
    # A path of its own: the other operational endpoints of this server are told too.
    path = f"/ops-{secrets.token_hex(4)}"
    out = w.svix.operational_webhook.endpoint.create(
        OperationalWebhookEndpointIn(
            url=f"{w.receiver.url}{path}",
            description="Ops",
            event_types=["endpoint.created"],
            metadata={"k": "v"},
        )
    )
    assert out.id.startswith("ep_")
    assert (out.description, out.event_types, out.metadata) == (
        "Ops",
        ["endpoint.created"],
        {"k": "v"},
    )
    # It is told about endpoints created from now on.
    app = w.new_app()
    ep = w.new_endpoint(app)
    key = w.svix.operational_webhook.endpoint.get_secret(out.id).key
    got = w.receiver.wait_for(
        lambda reqs: any(ep.encode() in r.body and r.path == path for r in reqs), timeout=30
    )
    event = next(r for r in got if ep.encode() in r.body and r.path == path)
    body = Webhook(key).verify(event.body, event.headers)
    assert (body["type"], body["data"]["endpointId"]) == ("endpoint.created", ep)


@checks("operational_webhook.endpoint.get")
def check_operational_webhook_endpoint_get(w: World) -> None:
    ep = new_operational(w, description="Got")
    assert w.svix.operational_webhook.endpoint.get(ep).description == "Got"


@checks("operational_webhook.endpoint.list")
def check_operational_webhook_endpoint_list(w: World) -> None:
    ep = new_operational(w)
    listed = w.svix.operational_webhook.endpoint.list()
    assert ep in {e.id for e in listed.data}


@checks("operational_webhook.endpoint.upsert")
def check_operational_webhook_endpoint_upsert(w: World) -> None:
    ep = new_operational(w, description="Before")
    out = w.svix.operational_webhook.endpoint.upsert(
        ep, OperationalWebhookEndpointUpsertIn(url=f"{w.receiver.url}/ops2", description="After")
    )
    assert out.id == ep
    got = w.svix.operational_webhook.endpoint.get(ep)
    assert (got.url, got.description) == (f"{w.receiver.url}/ops2", "After")


@checks("operational_webhook.endpoint.delete")
def check_operational_webhook_endpoint_delete(w: World) -> None:
    ep = new_operational(w)
    w.svix.operational_webhook.endpoint.delete(ep)
    assert status_of(lambda: w.svix.operational_webhook.endpoint.get(ep)) == 404


@checks("operational_webhook.endpoint.get_secret")
def check_operational_webhook_endpoint_get_secret(w: World) -> None:
    assert w.svix.operational_webhook.endpoint.get_secret(new_operational(w)).key.startswith(
        "whsec_"
    )


@checks("operational_webhook.endpoint.rotate_secret")
def check_operational_webhook_endpoint_rotate_secret(w: World) -> None:
    ep = new_operational(w)
    new = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    w.svix.operational_webhook.endpoint.rotate_secret(
        ep, OperationalWebhookEndpointSecretIn(key=new)
    )
    assert w.svix.operational_webhook.endpoint.get_secret(ep).key == new


@checks("operational_webhook.endpoint.get_headers")
def check_operational_webhook_endpoint_get_headers(w: World) -> None:
    ep = new_operational(w, headers={"X-Ops": "1", "Authorization": "Bearer x"})
    out = w.svix.operational_webhook.endpoint.get_headers(ep)
    assert (out.headers, out.sensitive) == ({"X-Ops": "1"}, ["Authorization"])


@checks("operational_webhook.endpoint.set_headers")
def check_operational_webhook_endpoint_set_headers(w: World) -> None:
    ep = new_operational(w, headers={"X-Old": "1"})
    w.svix.operational_webhook.endpoint.set_headers(
        ep, OperationalWebhookEndpointHeadersIn(headers={"X-New": "2"})
    )
    assert w.svix.operational_webhook.endpoint.get_headers(ep).headers == {"X-New": "2"}


# ---------------------------------------------------------------------------------------------
# statistics


@checks("statistics.aggregate_app_stats")
def check_statistics_aggregate_app_stats(w: World) -> None:
    since = datetime.now(UTC) - timedelta(hours=1)
    until = datetime.now(UTC) + timedelta(minutes=1)
    out = w.svix.statistics.aggregate_app_stats(
        AppUsageStatsIn(since=since, until=until, app_ids=[w.app, "parity-none"])
    )
    assert out.unresolved_app_ids == ["parity-none"]
    task = w.finished(out.id)
    assert task.task == BackgroundTaskType.APPLICATION_STATS
    assert task.data["appStats"] == [{"appId": w.app, "appUid": None, "messageDestinations": 1}]


@checks("statistics.aggregate_event_types")
def check_statistics_aggregate_event_types(w: World) -> None:
    task = w.finished(w.svix.statistics.aggregate_event_types().id)
    assert task.task == BackgroundTaskType.EVENT_TYPE_AGGREGATE
    mine = next(r for r in task.data["event_types"] if r["appId"] == w.app)
    assert mine["hasCatchAllEndpoint"] is True


# ---------------------------------------------------------------------------------------------
# the enumeration


def test_every_sdk_operation_is_called_or_left_out_with_a_reason() -> None:
    found = {m.path for m in SDK}
    left_out = {p for p in found if out_of_scope_reason(p)}
    unaccounted = found - set(CHECKS) - left_out
    assert not unaccounted, f"SDK operations neither checked nor out of scope: {unaccounted}"
    # No check, reason or pending name for an operation the SDK does not have (a typo, or
    # an operation the SDK lost), and nothing both checked and left out.
    assert set(CHECKS) <= found
    assert set(OUT_OF_SCOPE_METHODS) <= found
    assert set(OUT_OF_SCOPE_RESOURCES) <= {m.resource for m in SDK}
    assert not set(CHECKS) & left_out


def test_the_async_client_has_the_same_operations() -> None:
    # The table and the checks cover both clients only while the two have the same paths.
    assert async_sdk_paths() == {m.path for m in SDK}


@dataclass
class Calls:
    """The SDK operations called during one check, and the HTTP errors they raised."""

    made: list[str] = field(default_factory=list)
    errors: list[tuple[str, int]] = field(default_factory=list)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Wraps every public SDK operation to record that it was called and how it failed."""
    seen = Calls()

    def wrap(method: SdkMethod) -> Callable[..., Any]:
        original = getattr(method.owner, method.name)

        @functools.wraps(original)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            seen.made.append(method.path)
            try:
                return original(*args, **kwargs)
            except HttpError as exc:
                seen.errors.append((method.path, int(exc.status_code)))
                raise

        return recorded

    for method in SDK:
        monkeypatch.setattr(method.owner, method.name, wrap(method))
    return seen


@pytest.mark.parametrize("operation", sorted(CHECKS))
def test_each_sdk_operation_does_what_svix_documents(
    operation: str, world: World, calls: Calls
) -> None:
    CHECKS[operation](world)
    assert operation in calls.made, f"the check of {operation} never called it"
    # Deliberate errors (a 409 for a taken uid, a 404 read after a delete) are the check's
    # business; an operation that answers 404 or 405 for its route is missing.
    missing = [s for path, s in calls.errors if path == operation and s in (404, 405)]
    assert not missing, f"{operation} answered {missing}"


# ---------------------------------------------------------------------------------------------
# the compatibility table of the docs

TABLE = Path(__file__).parents[2] / "docs" / "svix-compatibility.md"
ROW = re.compile(
    r"^\| `(?P<operation>[a-z_.]+)` \| `(?P<http>[A-Z]+ /[^`]*)` \| (?P<status>.+) \|$"
)


def table_rows() -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in TABLE.read_text().splitlines():
        if match := ROW.match(line):
            assert match["operation"] not in rows, f"listed twice: {match['operation']}"
            rows[match["operation"]] = match["status"]
    return rows


def test_the_compatibility_table_lists_every_sdk_operation_with_its_status() -> None:
    rows = table_rows()
    found = {m.path for m in SDK}
    assert set(rows) == found, (
        f"missing from the table: {sorted(found - set(rows))}; "
        f"not in the SDK: {sorted(set(rows) - found)}"
    )
    for operation, status in rows.items():
        if operation in CHECKS:
            expected = "supported"
        else:
            assert out_of_scope_reason(operation), operation
            expected = "out of scope"
        assert status.startswith(expected), f"{operation}: {status!r}, expected {expected!r}"
