"""Payload validation on publish: an event type's JSON Schema enforced per event type
(`validate`, a Hookline extension) or server-wide (HOOKLINE_VALIDATE_PAYLOADS), through the
svix SDK, with real processes on both stores."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from server_process import TOKEN, HooklineProcess
from standardwebhooks.webhooks import Webhook
from svix.api import (
    ApplicationIn,
    EndpointIn,
    EventExampleIn,
    EventTypeIn,
    EventTypePatch,
    MessageIn,
    Svix,
)
from svix.exceptions import HTTPValidationError

INVOICE = {
    "type": "object",
    "properties": {"amount": {"type": "integer", "minimum": 0}, "currency": {"type": "string"}},
    "required": ["amount"],
    "examples": [{"amount": 4200, "currency": "EUR"}, {"amount": -5}],
}


def name(prefix: str) -> str:
    return f"{prefix}.{secrets.token_hex(4)}"


def api(hookline: HooklineProcess) -> httpx.Client:
    """Plain HTTP, for the `validate` field the SDK does not know."""
    return httpx.Client(
        base_url=hookline.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )


def create_event_type(hookline: HooklineProcess, body: dict[str, Any]) -> httpx.Response:
    with api(hookline) as client:
        return client.post("/api/v1/event-type", json=body)


def refusal(raised: pytest.ExceptionInfo[HTTPValidationError]) -> tuple[list[Any], str]:
    assert raised.value.status_code == 422
    [detail] = raised.value.detail
    return detail.loc, detail.msg


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


@pytest.fixture(scope="module")
def validated(shared_hookline) -> str:
    event_type = name("invoice.paid")
    answer = create_event_type(
        shared_hookline,
        {"name": event_type, "description": "Paid", "schemas": {"1": INVOICE}, "validate": True},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["validate"] is True
    return event_type


def test_a_payload_that_does_not_match_is_refused_with_its_path_and_rule(
    svix, shared_hookline, receiver, validated
):
    app = svix.application.create(ApplicationIn(name="Validated"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))

    with pytest.raises(HTTPValidationError) as below_zero:
        svix.message.create(app.id, MessageIn(event_type=validated, payload={"amount": -1}))
    assert refusal(below_zero) == (
        ["body", "payload"],
        "$.amount: -1 is less than the minimum of 0",
    )
    with pytest.raises(HTTPValidationError) as missing:
        svix.message.create(app.id, MessageIn(event_type=validated, payload={"currency": "EUR"}))
    assert refusal(missing)[1] == "$: 'amount' is a required property"
    # A refused payload left nothing behind: no message, no delivery.
    assert svix.message.list(app.id).data == []

    msg = svix.message.create(app.id, MessageIn(event_type=validated, payload={"amount": 7}))
    [got] = receiver.wait_for(lambda reqs: len(reqs) >= 1, timeout=15)
    secret = svix.endpoint.get_secret(app.id, ep.id).key
    assert Webhook(secret).verify(got.body, got.headers) == {"amount": 7}
    assert got.headers["webhook-id"] == msg.id
    assert [m.id for m in svix.message.list(app.id).data] == [msg.id]


def test_without_validate_the_schema_is_a_catalogue_entry_only(svix, shared_hookline):
    unchecked = name("invoice.unchecked")
    svix.event_type.create(EventTypeIn(name=unchecked, description="x", schemas={"1": INVOICE}))
    with api(shared_hookline) as client:
        assert client.get(f"/api/v1/event-type/{unchecked}").json()["validate"] is False
    app = svix.application.create(ApplicationIn(name="Unchecked"))
    msg = svix.message.create(app.id, MessageIn(event_type=unchecked, payload={"amount": -1}))
    # Not in the catalogue at all: nothing to check against.
    free = svix.message.create(app.id, MessageIn(event_type=name("free"), payload={"any": 1}))
    assert {m.id for m in svix.message.list(app.id).data} == {msg.id, free.id}


def test_switching_validate_and_changing_the_schema_apply_to_the_next_publish(
    svix, shared_hookline
):
    event_type = name("order.placed")
    svix.event_type.create(EventTypeIn(name=event_type, description="x", schemas={"1": INVOICE}))
    app = svix.application.create(ApplicationIn(name="Switching"))
    svix.message.create(app.id, MessageIn(event_type=event_type, payload={"amount": -1}))

    with api(shared_hookline) as client:
        on = client.patch(f"/api/v1/event-type/{event_type}", json={"validate": True})
    assert on.status_code == 200 and on.json()["validate"] is True
    with pytest.raises(HTTPValidationError):
        svix.message.create(app.id, MessageIn(event_type=event_type, payload={"amount": -1}))

    # A new version with a lower bound: the current (highest) version is the one checked.
    lower = {**INVOICE, "properties": {"amount": {"type": "integer", "minimum": -10}}}
    svix.event_type.patch(event_type, EventTypePatch(schemas={"1": INVOICE, "2": lower}))
    svix.message.create(app.id, MessageIn(event_type=event_type, payload={"amount": -1}))
    with pytest.raises(HTTPValidationError) as still_bounded:
        svix.message.create(app.id, MessageIn(event_type=event_type, payload={"amount": -11}))
    assert refusal(still_bounded)[1] == "$.amount: -11 is less than the minimum of -10"

    with api(shared_hookline) as client:
        off = client.patch(f"/api/v1/event-type/{event_type}", json={"validate": None})
    assert off.json()["validate"] is False
    svix.message.create(app.id, MessageIn(event_type=event_type, payload={"amount": -11}))


def test_a_schema_that_cannot_check_payloads_is_refused_when_saved(svix, shared_hookline):
    event_type = name("bad.schema")
    bad = {"1": {"type": "object", "properties": {"amount": {"minimum": "zero"}}}}
    answer = create_event_type(
        shared_hookline, {"name": event_type, "description": "x", "schemas": bad}
    )
    assert answer.status_code == 422
    [detail] = answer.json()["detail"]
    assert detail["loc"] == ["body", "schemas", "1"]
    assert detail["msg"] == (
        "not a valid JSON Schema: $.properties.amount.minimum: 'zero' is not of type 'number'"
    )
    assert answer.json()["code"] == "validation"

    svix.event_type.create(EventTypeIn(name=event_type, description="x", schemas={"1": INVOICE}))
    dangling = {"2": {"$ref": "#/$defs/invoice"}}
    with pytest.raises(HTTPValidationError) as patched:
        svix.event_type.patch(event_type, EventTypePatch(schemas=dangling))
    assert refusal(patched) == (
        ["body", "schemas", "2"],
        "$ref '#/$defs/invoice' points to nothing in the schema",
    )
    with api(shared_hookline) as client:
        remote = client.put(
            f"/api/v1/event-type/{event_type}",
            json={"description": "x", "schemas": {"1": {"$ref": "http://127.0.0.1:9/s.json"}}},
        )
    assert remote.status_code == 422
    assert "Hookline fetches no schemas" in remote.json()["detail"][0]["msg"]
    # The event type kept its schema.
    assert svix.event_type.get(event_type).schemas == {"1": INVOICE}


def test_an_example_is_validated_like_any_payload(svix, validated):
    app = svix.application.create(ApplicationIn(name="Examples"))
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/hook"))
    first = svix.endpoint.send_example(app.id, ep.id, EventExampleIn(event_type=validated))
    assert first.payload == INVOICE["examples"][0]
    with pytest.raises(HTTPValidationError) as second:
        svix.endpoint.send_example(
            app.id, ep.id, EventExampleIn(event_type=validated, example_index=1)
        )
    assert refusal(second)[1] == "$.amount: -5 is less than the minimum of 0"


def test_server_wide_validation_and_a_change_made_by_another_process(start_hookline):
    first = start_hookline({"HOOKLINE_VALIDATE_PAYLOADS": "true"})
    second = start_hookline()  # the same settings and database
    svix_first, svix_second = first.svix(), second.svix()
    event_type = name("refund.issued")
    # No `validate` on the event type: the server's setting applies.
    svix_first.event_type.create(
        EventTypeIn(name=event_type, description="x", schemas={"1": INVOICE})
    )
    app = svix_first.application.create(ApplicationIn(name="Server-wide"))
    with pytest.raises(HTTPValidationError) as refused:
        svix_first.message.create(app.id, MessageIn(event_type=event_type, payload={}))
    assert refusal(refused)[1] == "$: 'amount' is a required property"
    svix_first.message.create(app.id, MessageIn(event_type=event_type, payload={"amount": 1}))

    # The other process changes the schema; the first one's compiled validator is stale and
    # must not be used for the next publish.
    stricter = {**INVOICE, "required": ["amount", "currency"]}
    svix_second.event_type.patch(event_type, EventTypePatch(schemas={"1": stricter}))
    with pytest.raises(HTTPValidationError) as now_stricter:
        svix_first.message.create(app.id, MessageIn(event_type=event_type, payload={"amount": 1}))
    assert refusal(now_stricter)[1] == "$: 'currency' is a required property"
    svix_first.message.create(
        app.id, MessageIn(event_type=event_type, payload={"amount": 1, "currency": "EUR"})
    )


def test_the_portal_catalogue_shows_each_example_beside_its_schema(shared_hookline, validated):
    with api(shared_hookline) as client:
        issued = client.post(
            "/api/v1/auth/app-portal-access/catalogue-reader",
            json={"application": {"name": "Catalogue reader"}},
        )
    assert issued.status_code == 200, issued.text
    code = issued.json()["url"].partition("#code=")[2]
    with httpx.Client(base_url=shared_hookline.url, timeout=10) as portal:
        opened = portal.post(
            "/portal/open", json={"code": code}, headers={"Origin": shared_hookline.url}
        )
        assert opened.status_code == 200, opened.text
        page = portal.get("/portal/event-types")
    assert page.status_code == 200
    row = page.text.partition(f'id="event-type-{validated}"')[2].partition("</tr>")[0]
    assert validated in row
    assert "Example payload" in row
    assert "&#34;currency&#34;: &#34;EUR&#34;" in row or '"currency": "EUR"' in row


def test_the_dashboard_catalogue_marks_validated_event_types(svix, shared_hookline, validated):
    unchecked = name("catalogue.unchecked")
    svix.event_type.create(EventTypeIn(name=unchecked, description="x", schemas={"1": INVOICE}))
    base = shared_hookline.url
    with httpx.Client(base_url=base, timeout=10) as dashboard:
        signed_in = dashboard.post("/ui/sign-in", data={"token": TOKEN}, headers={"Origin": base})
        assert signed_in.status_code == 303
        page = dashboard.get("/ui/event-types")
    assert page.status_code == 200

    def card(event_type: str) -> str:
        return page.text.partition(f'id="event-type-{event_type}"')[2].partition("</section>")[0]

    assert "Payloads validated" in card(validated)
    assert unchecked in card(unchecked)  # the card is there, without the mark
    assert "Payloads validated" not in card(unchecked)
