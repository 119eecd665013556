"""Messages through the official svix SDK: publish, read back, list, filters, get-or-create."""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Iterator

import httpx
import pytest
from server_process import TOKEN
from svix.api import (
    ApplicationIn,
    ApplicationListOptions,
    EndpointIn,
    MessageAttemptListAttemptedDestinationsOptions,
    MessageCreateOptions,
    MessageGetOptions,
    MessageIn,
    MessageListOptions,
    Svix,
)
from svix.exceptions import HttpError, HTTPValidationError

PAYLOAD = {
    "amount": 4200,
    "currency": "EUR",
    "lines": [{"sku": "A-1", "qty": 2, "price": 12.5}, {"sku": "B-2", "qty": 1, "price": None}],
    "paid": True,
    "note": "Grüße aus Köln ✓ 🚀",
}


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


@pytest.fixture(scope="module")
def http(shared_hookline) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=shared_hookline.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def app(svix):
    return svix.application.create(ApplicationIn(name="Messages", uid=uid("app")))


def uid(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


# The v2 SDK asks for `with_content=false` unless told otherwise.
WITH_CONTENT = MessageCreateOptions(with_content=True)
GET_CONTENT = MessageGetOptions(with_content=True)


def listed(svix: Svix, app_id: str, **options) -> list:
    options.setdefault("with_content", True)
    page = svix.message.list(app_id, MessageListOptions(limit=250, **options))
    assert page.done
    return page.data


def test_create_answers_202_with_the_message(http, app):
    r = http.post(
        f"/api/v1/app/{app.id}/msg",
        json={"eventType": "invoice.paid", "payload": PAYLOAD, "eventId": "evt-1"},
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["id"].startswith("msg_")
    assert (body["eventType"], body["eventId"], body["payload"]) == (
        "invoice.paid",
        "evt-1",
        PAYLOAD,
    )
    assert body["timestamp"].endswith("Z")


def test_create_get_by_id_and_event_id(svix, app):
    msg = svix.message.create(
        app.uid,
        MessageIn(
            event_type="invoice.paid",
            payload=PAYLOAD,
            event_id="evt-42",
            channels=["project_1", "eu:west#2"],
        ),
        WITH_CONTENT,
    )
    assert msg.id.startswith("msg_")
    assert (msg.event_type, msg.event_id, msg.payload) == ("invoice.paid", "evt-42", PAYLOAD)
    assert msg.channels == ["project_1", "eu:west#2"]

    for app_key in (app.id, app.uid):
        for msg_key in (msg.id, "evt-42"):
            got = svix.message.get(app_key, msg_key, GET_CONTENT)
            assert got.id == msg.id
            assert got.payload == PAYLOAD
            assert got.channels == ["project_1", "eu:west#2"]
            assert got.tags is None
            assert got.timestamp == msg.timestamp


def test_list_is_newest_first_and_pages_without_gaps(svix, app):
    ids = [
        svix.message.create(app.id, MessageIn(event_type="n.th", payload={"n": n})).id
        for n in range(7)
    ]
    assert [m.id for m in listed(svix, app.id)] == ids[::-1]
    assert [m.payload["n"] for m in listed(svix, app.id)] == list(range(6, -1, -1))

    walked: list[str] = []
    iterator = None
    for _ in range(10):
        page = svix.message.list(app.id, MessageListOptions(limit=3, iterator=iterator))
        walked += [m.id for m in page.data]
        if page.done:
            break
        iterator = page.iterator
    assert walked == ids[::-1]


def test_list_filters_by_event_types_and_channel(svix, app):
    paid = svix.message.create(
        app.id, MessageIn(event_type="invoice.paid", payload={}, channels=["eu"])
    )
    failed = svix.message.create(
        app.id, MessageIn(event_type="invoice.failed", payload={}, channels=["us"])
    )
    user = svix.message.create(app.id, MessageIn(event_type="user.created", payload={}))

    assert [m.id for m in listed(svix, app.id, event_types=["invoice.paid"])] == [paid.id]
    both = listed(svix, app.id, event_types=["invoice.paid", "invoice.failed"])
    assert [m.id for m in both] == [failed.id, paid.id]
    assert [m.id for m in listed(svix, app.id, channel="us")] == [failed.id]
    assert listed(svix, app.id, channel="nowhere") == []
    assert [m.id for m in listed(svix, app.id)] == [user.id, failed.id, paid.id]


def test_list_filters_by_time(svix, app):
    first = svix.message.create(app.id, MessageIn(event_type="t", payload={"i": 1}))
    time.sleep(0.01)
    second = svix.message.create(app.id, MessageIn(event_type="t", payload={"i": 2}))

    assert [m.id for m in listed(svix, app.id, after=first.timestamp)] == [second.id]
    assert [m.id for m in listed(svix, app.id, before=second.timestamp)] == [first.id]


def test_duplicate_event_id_is_a_conflict_and_stores_nothing(svix, app):
    original = svix.message.create(
        app.id, MessageIn(event_type="a.b", payload={"v": 1}, event_id="once")
    )
    with pytest.raises(HttpError) as err:
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={"v": 2}, event_id="once"))
    assert err.value.status_code == 409
    assert err.value.code == "conflict"
    assert [m.id for m in listed(svix, app.id)] == [original.id]
    assert svix.message.get(app.id, "once", GET_CONTENT).payload == {"v": 1}

    # Event ids are unique per application only.
    other = svix.application.create(ApplicationIn(name="Other"))
    assert svix.message.create(
        other.id, MessageIn(event_type="a.b", payload={}, event_id="once")
    ).event_id == ("once")


def test_application_field_creates_the_application_by_uid(svix):
    key = uid("auto")
    msg = svix.message.create(
        key,
        MessageIn(
            event_type="a.b",
            payload={"first": True},
            application=ApplicationIn(name="Auto-created", uid=key, metadata={"m": "1"}),
        ),
    )
    app = svix.application.get(key)
    assert (app.uid, app.name, app.metadata) == (key, "Auto-created", {"m": "1"})
    assert [m.id for m in listed(svix, key)] == [msg.id]

    # Once the application exists, the field is ignored.
    again = svix.message.create(
        key,
        MessageIn(event_type="a.b", payload={}, application=ApplicationIn(name="Ignored", uid=key)),
    )
    assert svix.application.get(key).name == "Auto-created"
    assert [m.id for m in listed(svix, app.id)] == [again.id, msg.id]
    matching = [
        a for a in svix.application.list(ApplicationListOptions(limit=250)).data if a.uid == key
    ]
    assert len(matching) == 1


def test_application_field_uses_the_path_as_uid_when_it_has_none(svix):
    key = uid("auto-path")
    svix.message.create(
        key, MessageIn(event_type="a.b", payload={}, application=ApplicationIn(name="From path"))
    )
    assert svix.application.get(key).name == "From path"


def test_application_field_with_an_unknown_id_creates_at_most_one_application(svix):
    key = "app_" + "".join(secrets.choice(string.digits + string.ascii_letters) for _ in range(22))
    before = {a.id for a in svix.application.list(ApplicationListOptions(limit=250)).data}
    for _ in range(2):
        try:
            svix.message.create(
                key, MessageIn(event_type="a.b", payload={}, application=ApplicationIn(name="G"))
            )
        except (HttpError, HTTPValidationError) as err:  # refusing an unassigned id is fine
            assert err.status_code in (404, 422)
    after = {a.id for a in svix.application.list(ApplicationListOptions(limit=250)).data}
    assert len(after - before) <= 1
    if after - before:
        assert svix.application.get(key).id in after - before


def test_application_field_with_a_taken_uid_is_a_conflict(http, svix):
    taken = svix.application.create(ApplicationIn(name="Taken", uid=uid("taken")))
    path = uid("fresh")
    r = http.post(
        f"/api/v1/app/{path}/msg",
        json={"eventType": "a.b", "payload": {}, "application": {"name": "x", "uid": taken.uid}},
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "conflict"
    assert listed(svix, taken.id) == []
    with pytest.raises(HttpError):
        svix.application.get(path)
    assert taken.uid in r.json()["detail"]


def test_unknown_application_without_application_field_is_404_and_creates_nothing(svix):
    key = uid("ghost")
    with pytest.raises(HttpError) as err:
        svix.message.create(key, MessageIn(event_type="a.b", payload={}))
    assert err.value.status_code == 404
    assert err.value.code == "not_found"
    with pytest.raises(HttpError) as err:
        svix.application.get(key)
    assert err.value.status_code == 404
    with pytest.raises(HttpError) as err:
        svix.message.list(key)
    assert err.value.status_code == 404


def test_unknown_message_is_404(svix, app):
    for msg_key in ("msg_0000000000000000000000", "no-such-event-id"):
        with pytest.raises(HttpError) as err:
            svix.message.get(app.id, msg_key)
        assert err.value.status_code == 404
        assert err.value.code == "not_found"


def test_messages_belong_to_their_application(svix, app):
    msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={}, event_id="mine"))
    other = svix.application.create(ApplicationIn(name="Other"))
    for key in (msg.id, "mine"):
        with pytest.raises(HttpError) as err:
            svix.message.get(other.id, key)
        assert err.value.status_code == 404
    assert listed(svix, other.id) == []


def test_with_content_false_leaves_the_payload_out(http, svix, app):
    created = svix.message.create(
        app.id,
        MessageIn(event_type="a.b", payload=PAYLOAD),
        MessageCreateOptions(with_content=False),
    )
    assert created.payload == {}
    assert svix.message.get(app.id, created.id, MessageGetOptions(with_content=False)).payload == {}
    assert [m.payload for m in listed(svix, app.id, with_content=False)] == [{}]
    # The v2 SDK's default is without content ...
    assert svix.message.create(app.id, MessageIn(event_type="a.b", payload={"x": 1})).payload == {}
    assert svix.message.get(app.id, created.id).payload == {}
    # ... a request that does not say is with content, as in Svix.
    assert http.get(f"/api/v1/app/{app.id}/msg/{created.id}").json()["payload"] == PAYLOAD
    # The content is stored all the same.
    assert svix.message.get(app.id, created.id, GET_CONTENT).payload == PAYLOAD


def test_payload_round_trips_exactly(svix, app):
    payload = {
        "unicode": "Ünïcødé 日本語 مرحبا 🎉",
        "nul": "before\u0000after",  # stored as bytes: NUL is fine in a payload
        "escapes": 'quote " backslash \\ newline \n tab \t',
        "long": "x" * 100_000,
        "nested": {"a": [1, 2, {"b": [None, True, False, 1.5, -0.25, 2**63 - 1, -(2**63)]}]},
        "empty": {},
        "list": [],
    }
    msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload=payload), WITH_CONTENT)
    assert msg.payload == payload
    assert svix.message.get(app.id, msg.id, GET_CONTENT).payload == payload


def test_invalid_messages_are_422_and_store_nothing(svix, app):
    for bad in (
        MessageIn(event_type="has space", payload={}),
        MessageIn(event_type="", payload={}),
        MessageIn(event_type="x" * 257, payload={}),
        MessageIn(event_type="a.b", payload={}, event_id="bad id"),
        MessageIn(event_type="a.b", payload={}, channels=["bad channel"]),
        MessageIn(event_type="a.b", payload={}, channels=[f"c{i}" for i in range(11)]),
    ):
        with pytest.raises(HTTPValidationError) as err:
            svix.message.create(app.id, bad)
        assert err.value.status_code == 422
        assert err.value.detail[0].loc[0] == "body"
    assert listed(svix, app.id) == []


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("transformations_params", {"a": 1}, "transformations"),
    ],
)
def test_message_fields_of_features_hookline_lacks_are_refused(svix, app, field, value, says):
    before = listed(svix, app.id)
    with pytest.raises(HTTPValidationError) as err:
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={}, **{field: value}))
    [problem] = err.value.detail
    assert problem.loc[0] == "body" and says in problem.msg
    assert listed(svix, app.id) == before
    # An empty tag list asks for nothing and is accepted.
    assert (
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={}, tags=[])).tags is None
    )


def test_channel_filter_pages_are_full(http, svix, app):
    ids = [
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={}, channels=ch)).id
        for ch in (["x"], ["y"], ["y", "x"], None, ["xx"])
    ]
    first = http.get(f"/api/v1/app/{app.id}/msg", params={"channel": "x", "limit": 1}).json()
    assert ([m["id"] for m in first["data"]], first["done"]) == ([ids[2]], False)
    params = {"channel": "x", "iterator": first["iterator"]}
    rest = http.get(f"/api/v1/app/{app.id}/msg", params=params).json()
    assert ([m["id"] for m in rest["data"]], rest["done"]) == ([ids[0]], True)
    assert [m.id for m in listed(svix, app.id, channel="y")] == [ids[2], ids[1]]


def test_fan_out_reaches_exactly_the_enabled_endpoints_whose_filters_match(svix, app):
    """One publish to many endpoints of mixed filters: the deliveries stored in the publish
    transaction are exactly those that routing accepts, none to a disabled endpoint."""

    def create(count: int, **fields) -> set[str]:
        return {
            svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/fan", **fields)).id
            for _ in range(count)
        }

    unfiltered = create(12)
    paid = create(5, event_types=["invoice.paid"])
    create(5, event_types=["invoice.voided"])
    eu = create(4, channels=["eu"])
    create(4, channels=["us"])
    paid_eu = create(3, event_types=["invoice.paid"], channels=["eu", "apac"])
    create(3, event_types=["invoice.voided"], channels=["eu"])
    create(4, disabled=True)

    msg = svix.message.create(
        app.id, MessageIn(event_type="invoice.paid", payload=PAYLOAD, channels=["eu"])
    )
    reached: set[str] = set()
    iterator = None
    while True:
        page = svix.message_attempt.list_attempted_destinations(
            app.id,
            msg.id,
            MessageAttemptListAttemptedDestinationsOptions(limit=20, iterator=iterator),
        )
        reached |= {ep.id for ep in page.data}
        if page.done:
            break
        iterator = page.iterator
    assert reached == unfiltered | paid | eu | paid_eu
