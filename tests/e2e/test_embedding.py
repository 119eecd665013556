"""Hookline inside a host application (hookline.embed): the example FastAPI service under
examples/fastapi_host runs as a real uvicorn process on both stores, mounts the API at
/webhooks, runs the worker in its lifespan, and publishes in-process from its own route; a
real receiver gets the webhook and standardwebhooks verifies it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_process import TOKEN, HooklineProcess
from standardwebhooks.webhooks import Webhook
from svix.api import ApplicationIn, AppPortalAccessIn, EndpointIn, MessageGetOptions, Svix

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi_host"
ORDER_SCHEMA = {
    "type": "object",
    "properties": {"amount": {"type": "integer", "minimum": 0}},
    "required": ["amount"],
}


@pytest.fixture
def shop(tmp_path: Path, database_url: str) -> Iterator[HooklineProcess]:
    proc = HooklineProcess(
        tmp_path / "data",
        env={"HOOKLINE_DATABASE_URL": database_url} if database_url else {},
        module_args=("uvicorn", "app:app", "--app-dir", str(EXAMPLE), "--host", "127.0.0.1"),
        api_prefix="/webhooks",
    ).start()
    yield proc
    proc.stop()


@pytest.fixture
def svix(shop: HooklineProcess) -> Svix:
    return shop.svix()  # pointed at the mounted API


def place_order(shop: HooklineProcess, app: str, amount: int) -> httpx.Response:
    body = {"customer_app": app, "amount": amount}
    return httpx.post(f"{shop.url}/orders", json=body, timeout=10)


def test_an_order_publishes_in_process_and_the_webhook_arrives_signed(shop, svix, receiver):
    app = svix.application.create(
        ApplicationIn(name="Customer 1", uid=f"cust-{secrets.token_hex(3)}")
    )
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/orders"))

    placed = place_order(shop, app.uid, 4200)  # by uid, as the API takes it too

    assert placed.status_code == 201, placed.text
    message_id = placed.json()["message_id"]
    assert message_id.startswith("msg_")
    [got] = receiver.wait_for(lambda reqs: len(reqs) >= 1, timeout=15)
    secret = svix.endpoint.get_secret(app.id, ep.id).key
    expected = {"order": placed.json()["order"], "amount": 4200, "currency": "EUR"}
    assert Webhook(secret).verify(got.body, got.headers) == expected
    assert got.headers["webhook-id"] == message_id
    # Stored as a publish through the API stores it: readable there, with its eventId.
    stored = svix.message.get(app.id, message_id, MessageGetOptions(with_content=True))
    assert (stored.event_type, stored.event_id) == ("order.created", f"order-{expected['order']}")
    assert stored.payload == expected


def test_in_process_publishing_refuses_what_the_api_refuses(shop, svix):
    app = svix.application.create(ApplicationIn(name="Customer 2"))
    with httpx.Client(base_url=shop.api_url, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        created = api.put(
            "/api/v1/event-type/order.created",
            json={"description": "An order", "schemas": {"1": ORDER_SCHEMA}, "validate": True},
        )
        assert created.status_code == 201, created.text

    refused = place_order(shop, app.id, -1)

    assert refused.status_code == 422
    assert refused.json()["detail"] == "$.amount: -1 is less than the minimum of 0"
    assert svix.message.list(app.id).data == []  # nothing was stored
    missing = place_order(shop, "no-such-customer", 10)
    assert missing.status_code == 404
    assert place_order(shop, app.id, 10).status_code == 201


def test_the_mounted_api_authenticates_and_scopes_tokens_below_its_prefix(shop, svix):
    anonymous = httpx.get(f"{shop.api_url}/api/v1/app", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "authentication_failed"
    mine = svix.application.create(ApplicationIn(name="Mine"))
    other = svix.application.create(ApplicationIn(name="Other"))
    token = svix.authentication.app_portal_access(mine.id, AppPortalAccessIn()).token
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=shop.api_url, headers=headers, timeout=10) as tenant:
        assert tenant.get(f"/api/v1/app/{mine.id}/endpoint").status_code == 200
        assert tenant.get(f"/api/v1/app/{other.id}/endpoint").status_code == 403
    # The host's own routes are its own business.
    assert httpx.get(f"{shop.url}/health", timeout=10).json() == {"hookline": True}
