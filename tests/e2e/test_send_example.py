"""Sending an example of an event type to one endpoint (`send-example`), through the svix SDK,
to a real receiver that verifies the signature."""

from __future__ import annotations

import secrets

import pytest
from standardwebhooks.webhooks import Webhook
from svix.api import (
    ApplicationIn,
    EndpointIn,
    EndpointPatch,
    EventExampleIn,
    EventTypeIn,
    MessageGetOptions,
    Svix,
)
from svix.exceptions import HttpError, HTTPValidationError

INVOICES = [{"invoice": "inv_1", "amount": 4200}, {"invoice": "inv_2", "amount": 990}]


@pytest.fixture(scope="module")
def svix(shared_hookline) -> Svix:
    return shared_hookline.svix()


@pytest.fixture(scope="module")
def invoice_paid(svix) -> str:
    name = f"invoice.paid.{secrets.token_hex(4)}"
    svix.event_type.create(
        EventTypeIn(
            name=name,
            description="An invoice was paid",
            schemas={"1": {"type": "object", "examples": INVOICES}},
        )
    )
    return name


def destinations(svix: Svix, app_id: str, msg_id: str) -> list[str]:
    page = svix.message_attempt.list_attempted_destinations(app_id, msg_id)
    return [ep.id for ep in page.data]


def test_the_chosen_example_goes_to_that_endpoint_only_whatever_its_filters(
    svix, receiver, invoice_paid
):
    app = svix.application.create(ApplicationIn(name="Examples"))
    chosen = svix.endpoint.create(
        app.id, EndpointIn(url=f"{receiver.url}/chosen", event_types=["something.else"])
    )
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/other"))

    msg = svix.endpoint.send_example(
        app.id, chosen.id, EventExampleIn(event_type=invoice_paid, example_index=1)
    )

    assert msg.id.startswith("msg_")
    assert msg.event_type == invoice_paid
    assert msg.payload == INVOICES[1]
    # The fan-out was stored with the message: one delivery, to the chosen endpoint.
    assert destinations(svix, app.id, msg.id) == [chosen.id]  # not the other one
    got = receiver.wait_for(lambda reqs: len(reqs) >= 1, timeout=15)
    assert [r.path for r in got] == ["/chosen"]
    secret = svix.endpoint.get_secret(app.id, chosen.id).key
    assert Webhook(secret).verify(got[0].body, got[0].headers) == INVOICES[1]
    assert got[0].headers["webhook-id"] == msg.id


def test_the_first_example_by_default_and_an_empty_payload_without_one(svix, invoice_paid):
    app = svix.application.create(ApplicationIn(name="Examples"))
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/hook"))
    first = svix.endpoint.send_example(app.id, ep.id, EventExampleIn(event_type=invoice_paid))
    assert first.payload == INVOICES[0]
    unknown = svix.endpoint.send_example(
        app.id, ep.id, EventExampleIn(event_type=f"not.catalogued.{secrets.token_hex(3)}")
    )
    assert unknown.payload == {}
    given = svix.endpoint.send_example(
        app.id, ep.id, EventExampleIn(event_type=invoice_paid, payload={"custom": True})
    )
    assert given.payload == {"custom": True}
    assert svix.message.get(app.id, given.id, MessageGetOptions(with_content=True)).payload == {
        "custom": True
    }


def test_refusals_are_clear(svix, invoice_paid):
    app = svix.application.create(ApplicationIn(name="Examples"))
    ep = svix.endpoint.create(app.id, EndpointIn(url="http://127.0.0.1:9/hook"))
    with pytest.raises(HTTPValidationError) as beyond:
        svix.endpoint.send_example(
            app.id, ep.id, EventExampleIn(event_type=invoice_paid, example_index=2)
        )
    assert beyond.value.detail[0].loc == ["body", "exampleIndex"]
    assert "2 example(s)" in beyond.value.detail[0].msg

    svix.endpoint.patch(app.id, ep.id, EndpointPatch(disabled=True))
    with pytest.raises(HTTPValidationError) as disabled:
        svix.endpoint.send_example(app.id, ep.id, EventExampleIn(event_type=invoice_paid))
    assert "disabled" in disabled.value.detail[0].msg

    with pytest.raises(HttpError) as missing:
        svix.endpoint.send_example(app.id, "ep-missing", EventExampleIn(event_type=invoice_paid))
    assert missing.value.status_code == 404
    assert missing.value.code == "not_found"
