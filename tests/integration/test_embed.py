"""hookline.embed in-process, on both stores: the mounted API before and while running, and
`publish` refusing what the API refuses (tests/e2e/test_embedding.py runs the example
service as a real process)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from server_process import SECRET_KEY, TOKEN

from hookline.config import load_settings
from hookline.embed import Conflict, Hookline, InvalidInput, NotFound
from hookline.store import open_database

PUBLIC_URL = "http://127.0.0.1:9/webhooks"


def embedded(tmp_path: Path, database_url: str, public_url: str = PUBLIC_URL) -> Hookline:
    env = {
        "HOOKLINE_DATA_DIR": str(tmp_path),
        "HOOKLINE_ADMIN_TOKEN": TOKEN,
        "HOOKLINE_SECRET_KEY": SECRET_KEY,
        "HOOKLINE_PUBLIC_URL": public_url,
    }
    if database_url:
        env["HOOKLINE_DATABASE_URL"] = database_url
    return Hookline(load_settings(env), worker=False)


@pytest.fixture
async def hookline(tmp_path: Path, database_url: str) -> AsyncIterator[Hookline]:
    embedded_hookline = embedded(tmp_path, database_url)
    async with embedded_hookline.lifespan():
        yield embedded_hookline


def client(hookline: Hookline) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=hookline.app),
        base_url="http://127.0.0.1",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


async def test_the_mounted_api_answers_503_until_the_lifespan_runs(tmp_path, database_url):
    hookline = embedded(tmp_path, database_url)
    async with client(hookline) as api:
        before = await api.get("/api/v1/app")
        assert before.status_code == 503
        assert before.json()["code"] == "service_unavailable"
        with pytest.raises(RuntimeError, match="not running"):
            await hookline.publish("app", "order.created", {})
        async with hookline.lifespan():
            assert hookline.running
            assert (await api.get("/api/v1/app")).status_code == 200
        assert not hookline.running
        assert (await api.get("/api/v1/app")).status_code == 503


def test_a_public_url_is_required(tmp_path):
    with pytest.raises(ValueError, match="HOOKLINE_PUBLIC_URL"):
        Hookline(load_settings({"HOOKLINE_DATA_DIR": str(tmp_path)}))


async def test_publish_refuses_what_the_api_refuses(hookline):
    async with client(hookline) as api:
        app_id = (await api.post("/api/v1/app", json={"name": "A"})).json()["id"]
    with pytest.raises(InvalidInput) as bad_name:
        await hookline.publish(app_id, "no spaces allowed", {})
    assert bad_name.value.field == "eventType"
    with pytest.raises(InvalidInput) as too_many_tags:
        await hookline.publish(app_id, "order.created", {}, tags=[f"t{n}" for n in range(6)])
    assert too_many_tags.value.field == "tags"
    with pytest.raises(NotFound):
        await hookline.publish("app_missing", "order.created", {})

    first = await hookline.publish(app_id, "order.created", {"n": 1}, event_id="order-1")
    with pytest.raises(Conflict):
        await hookline.publish(app_id, "order.created", {"n": 1}, event_id="order-1")
    async with client(hookline) as api:
        listed = (await api.get(f"/api/v1/app/{app_id}/msg")).json()["data"]
    assert [m["id"] for m in listed] == [first.id]
    assert listed[0]["eventId"] == "order-1"


async def test_a_schema_saved_before_schemas_were_checked_is_a_clear_refusal(hookline):
    # As an earlier version stored it, past the checks on save: straight through the store.
    db = await open_database(hookline.settings.database_url)
    try:
        await db.event_types.create(
            "legacy.bad",
            {"description": "", "schemas": {"1": {"minimum": "zero"}}, "validate": True},
        )
    finally:
        await db.close()
    async with client(hookline) as api:
        app_id = (await api.post("/api/v1/app", json={"name": "A"})).json()["id"]
        with pytest.raises(InvalidInput) as refused:
            await hookline.publish(app_id, "legacy.bad", {"n": 1})
        assert refused.value.field == "payload"
        assert "the event type's schema cannot be applied" in refused.value.detail
        assert "'zero' is not of type 'number'" in refused.value.detail
        answer = await api.post(
            f"/api/v1/app/{app_id}/msg", json={"eventType": "legacy.bad", "payload": {"n": 1}}
        )
        assert answer.status_code == 422
        assert (await api.get(f"/api/v1/app/{app_id}/msg")).json()["data"] == []
