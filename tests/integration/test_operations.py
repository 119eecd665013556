"""The operations called directly, against a real SQLite store: the rules the REST API and the
pages share (PATCH's nulls, the announcement of a manual switch, refusals naming the field)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hookline.config import load_settings
from hookline.operational import APP_UID, OperationalEvents
from hookline.operations import applications, endpoints, messages
from hookline.operations.applications import ApplicationInput
from hookline.operations.context import OperationContext
from hookline.operations.endpoints import EndpointInput
from hookline.operations.errors import InvalidInput
from hookline.secret_key import open_secret_box
from hookline.store import Database, open_database
from hookline.types import EndpointTls, TriggerType

URL = "http://127.0.0.1:9/hook"


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[OperationContext]:
    settings = load_settings(
        {
            "HOOKLINE_DATA_DIR": str(tmp_path),
            "HOOKLINE_ALLOW_PRIVATE_NETWORKS": "127.0.0.0/8",
            "HOOKLINE_OPERATIONAL_WEBHOOK_URL": "http://127.0.0.1:9/operator",
        }
    )
    box, _ = open_secret_box(settings)
    db: Database = await open_database(f"sqlite:///{tmp_path}/operations.db", secret_box=box)
    operational = OperationalEvents(db, settings)
    await operational.setup()
    try:
        yield OperationContext(settings, db, operational)
    finally:
        await db.close()


async def announcements(ctx: OperationContext, switches_only: bool = False) -> list[dict]:
    """The operational events published so far, oldest first (only `endpoint.disabled` and
    `endpoint.enabled` if `switches_only`)."""
    page = await ctx.db.messages.list(APP_UID, 100, None)
    events = [json.loads(m.payload or b"{}") for m in reversed(page.items)]
    switches = ("endpoint.disabled", "endpoint.enabled")
    return [e for e in events if e["type"] in switches] if switches_only else events


async def new_app(ctx: OperationContext) -> str:
    row, _ = await applications.create_application(ctx, ApplicationInput(name="Ops"))
    return row.id


async def test_patch_null_clears_and_leaves_out_keeps(ctx):
    app = await new_app(ctx)
    ep = await endpoints.create_endpoint(
        ctx,
        app,
        EndpointInput(
            url=URL,
            description="Billing",
            metadata={"team": "billing"},
            headers={"X-Team": "billing"},
            event_types=["invoice.paid"],
            throttle_rate=10,
        ),
    )
    cleared = await endpoints.update_endpoint(
        ctx, app, ep.id, EndpointInput(description=None, metadata=None, headers=None)
    )
    assert (cleared.description, cleared.metadata, cleared.headers) == ("", {}, {})
    # What was not given is kept.
    assert (cleared.url, cleared.event_types, cleared.throttle_rate) == (
        URL,
        ("invoice.paid",),
        10,
    )
    filters_cleared = await endpoints.update_endpoint(
        ctx, app, ep.id, EndpointInput(event_types=None, throttle_rate=None)
    )
    assert (filters_cleared.event_types, filters_cleared.throttle_rate) == (None, None)


async def test_a_manual_switch_is_announced_once_each_way(ctx):
    app = await new_app(ctx)
    ep = await endpoints.create_endpoint(ctx, app, EndpointInput(url=URL, uid="billing"))
    await endpoints.set_endpoint_disabled(ctx, app, ep.id, True)
    await endpoints.set_endpoint_disabled(ctx, app, ep.id, True)  # no change: no news
    await endpoints.update_endpoint(ctx, app, ep.id, EndpointInput(description="x"))
    # A PATCH's null means enabled: that is a switch too.
    await endpoints.update_endpoint(ctx, app, ep.id, EndpointInput(disabled=None))
    events = await announcements(ctx, switches_only=True)
    assert [e["type"] for e in events] == ["endpoint.disabled", "endpoint.enabled"]
    assert events[0]["data"] == {
        "appId": app,
        "endpointId": ep.id,
        "endpointUid": "billing",
        "trigger": "manual",
    }


async def test_a_replace_that_switches_is_announced_and_a_create_is_not(ctx):
    app = await new_app(ctx)
    row, created = await endpoints.replace_endpoint(
        ctx, app, "by-put", EndpointInput(url=URL, disabled=True)
    )
    assert created and row.disabled
    row, created = await endpoints.replace_endpoint(ctx, app, "by-put", EndpointInput(url=URL))
    assert not created and not row.disabled
    assert [e["type"] for e in await announcements(ctx, switches_only=True)] == ["endpoint.enabled"]


async def test_created_updated_and_deleted_endpoints_are_announced(ctx):
    app = await new_app(ctx)
    ep = await endpoints.create_endpoint(ctx, app, EndpointInput(url=URL, uid="ledger"))
    await endpoints.update_endpoint(ctx, app, "ledger", EndpointInput(description="x"))
    await endpoints.replace_endpoint(ctx, app, "ledger", EndpointInput(url=URL, uid="ledger"))
    _, created = await endpoints.replace_endpoint(ctx, app, "by-put", EndpointInput(url=URL))
    await endpoints.delete_endpoint(ctx, app, "ledger")
    events = await announcements(ctx)
    assert created
    assert [e["type"] for e in events] == [
        "endpoint.created",
        "endpoint.updated",
        "endpoint.updated",
        "endpoint.created",
        "endpoint.deleted",
    ]
    assert events[-1]["data"] == {"appId": app, "endpointId": ep.id, "endpointUid": "ledger"}
    assert all(e["timestamp"] for e in events)


async def test_the_operators_own_endpoints_are_not_announced(ctx):
    internal = await ctx.operational.application_id()
    assert internal is not None
    await endpoints.create_endpoint(ctx, internal, EndpointInput(url=URL))
    assert await announcements(ctx) == []


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"url": "ftp://127.0.0.1/hook"}, "url"),
        ({"url": "http://10.0.0.1/hook"}, "url"),  # a private address not allowed
        ({"url": URL, "secret": "whsec_short"}, "secret"),
        ({"url": URL, "secret": "whsec_not base64!"}, "secret"),
    ],
    ids=["scheme", "blocked-address", "short-secret", "malformed-secret"],
)
async def test_refusals_name_the_field(ctx, given, field):
    app = await new_app(ctx)
    secret = given.pop("secret", None)
    scheme = given.pop("signature_scheme", None)
    with pytest.raises(InvalidInput) as refused:
        await endpoints.create_endpoint(ctx, app, EndpointInput(**given), secret, scheme)
    assert refused.value.field == field
    assert refused.value.detail


async def test_a_scheme_that_does_not_match_the_secret_is_refused(ctx):
    app = await new_app(ctx)
    with pytest.raises(InvalidInput) as refused:
        await endpoints.create_endpoint(
            ctx, app, EndpointInput(url=URL), "whsec_" + "QUFB" * 8, "ed25519"
        )
    assert refused.value.field == "signatureScheme"


async def test_tls_problems_name_the_field_inside_tls(ctx):
    app = await new_app(ctx)
    with pytest.raises(InvalidInput) as refused:
        await endpoints.create_endpoint(
            ctx, app, EndpointInput(url=URL, tls=EndpointTls(ca_cert="not a certificate"))
        )
    assert refused.value.path == ("tls", "caCert")


async def test_rotation_keeps_the_scheme_and_answers_what_receivers_verify_with(ctx):
    app = await new_app(ctx)
    ed = await endpoints.create_endpoint(ctx, app, EndpointInput(url=URL), None, "ed25519")
    before = await endpoints.endpoint_signing_key(ctx, app, ed.id)
    after = await endpoints.rotate_endpoint_secret(ctx, app, ed.id)
    assert before.startswith("whpk_") and after.startswith("whpk_") and before != after
    assert await endpoints.endpoint_signing_key(ctx, app, ed.id) == after


async def test_resend_to_all_queues_one_manual_delivery_per_endpoint_sent_to(ctx):
    app = await new_app(ctx)
    first = await endpoints.create_endpoint(ctx, app, EndpointInput(url=URL))
    second = await endpoints.create_endpoint(ctx, app, EndpointInput(url=URL + "/2"))
    await endpoints.create_endpoint(
        ctx, app, EndpointInput(url=URL + "/3", event_types=["other.type"])
    )
    msg = await messages.publish_message(ctx, app, "invoice.paid", {"n": 1})
    assert await messages.resend_message_to_all(ctx, app, msg.id) == 2
    manual = [
        d.endpoint_id
        for d in await ctx.db.deliveries.for_message(msg.id)
        if d.trigger == TriggerType.MANUAL
    ]
    assert sorted(manual) == sorted([first.id, second.id])


async def test_send_example_to_one_endpoint_only(ctx):
    app = await new_app(ctx)
    target = await endpoints.create_endpoint(
        ctx, app, EndpointInput(url=URL, event_types=["other.type"])
    )
    await endpoints.create_endpoint(ctx, app, EndpointInput(url=URL + "/2"))
    msg = await messages.send_example(ctx, app, target.id, "invoice.paid")
    assert json.loads(msg.payload or b"") == {}
    assert [d.endpoint_id for d in await ctx.db.deliveries.for_message(msg.id)] == [target.id]


async def test_a_payload_that_is_not_json_is_refused_on_its_field(ctx):
    app = await new_app(ctx)
    with pytest.raises(InvalidInput) as refused:
        await messages.publish_message(ctx, app, "a.b", {"n": float("nan"), "s": {1, 2}})
    assert refused.value.field == "payload"


async def test_an_application_patch_with_a_null_name_keeps_the_name(ctx):
    app = await new_app(ctx)
    row = await applications.update_application(
        ctx, app, ApplicationInput(name=None, metadata=None)
    )
    assert (row.name, row.metadata) == ("Ops", {})
