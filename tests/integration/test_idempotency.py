"""The `idempotency-key` header: a repeated POST gets the first answer and creates nothing."""

from __future__ import annotations

import asyncio
import secrets
import uuid

import httpx
import pytest
from db_access import run_sql
from server_process import TOKEN
from svix.api import ApplicationIn, AppPortalAccessIn, MessageCreateOptions, MessageIn

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def http(shared_hookline):
    with httpx.Client(base_url=shared_hookline.url, headers=AUTH, timeout=30) as client:
        yield client


def new_app(http: httpx.Client) -> str:
    r = http.post("/api/v1/app", json={"name": "Idempotency"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def message_ids(http: httpx.Client, app_id: str) -> list[str]:
    r = http.get(f"/api/v1/app/{app_id}/msg", params={"limit": 250})
    assert r.status_code == 200, r.text
    return [m["id"] for m in r.json()["data"]]


@pytest.mark.parametrize("key", ["order-1234", "auto_"])
def test_a_repeat_gets_the_first_answer_and_creates_nothing(http, key):
    key = key + str(uuid.uuid4()) if key == "auto_" else f"{key}-{secrets.token_hex(4)}"
    app_id = new_app(http)
    body = {"eventType": "invoice.paid", "payload": {"amount": 1}}
    first = http.post(f"/api/v1/app/{app_id}/msg", json=body, headers={"idempotency-key": key})
    again = http.post(f"/api/v1/app/{app_id}/msg", json=body, headers={"idempotency-key": key})

    assert first.status_code == again.status_code == 202
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert message_ids(http, app_id) == [first.json()["id"]]


def test_the_sdk_call_with_a_key_is_answered_once(shared_hookline, http):
    svix = shared_hookline.svix()
    app = svix.application.create(ApplicationIn(name="SDK keys"))
    options = MessageCreateOptions(idempotency_key=f"sdk-{secrets.token_hex(4)}")
    msg = MessageIn(event_type="a.b", payload={"n": 1})
    first = svix.message.create(app.id, msg, options)
    again = svix.message.create(app.id, msg, options)
    assert again.id == first.id
    assert message_ids(http, app.id) == [first.id]


def test_without_a_key_every_post_runs(http):
    app_id = new_app(http)
    body = {"eventType": "a.b", "payload": {}}
    for _ in range(2):
        assert http.post(f"/api/v1/app/{app_id}/msg", json=body).status_code == 202
    assert len(message_ids(http, app_id)) == 2


def test_the_same_key_with_another_request_is_refused(http):
    app_id = new_app(http)
    key = {"idempotency-key": f"k-{secrets.token_hex(4)}"}
    path = f"/api/v1/app/{app_id}/msg"
    assert http.post(path, json={"eventType": "a.b", "payload": {"n": 1}}, headers=key).is_success

    other_body = http.post(path, json={"eventType": "a.b", "payload": {"n": 2}}, headers=key)
    other_query = http.post(
        path,
        params={"with_content": "false"},
        json={"eventType": "a.b", "payload": {"n": 1}},
        headers=key,
    )
    for answer in (other_body, other_query):
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "validation"
        [problem] = answer.json()["detail"]
        assert problem["loc"] == ["header", "idempotency-key"]
        assert "different request" in problem["msg"]
    assert len(message_ids(http, app_id)) == 1


def test_keys_are_scoped_to_the_path(http):
    key = {"idempotency-key": f"k-{secrets.token_hex(4)}"}
    app = http.post("/api/v1/app", json={"name": "Scoped"}, headers=key)
    assert app.status_code == 201
    endpoint = http.post(
        f"/api/v1/app/{app.json()['id']}/endpoint",
        json={"url": "http://127.0.0.1:9/hook"},
        headers=key,
    )
    assert endpoint.status_code == 201, endpoint.text
    assert endpoint.json()["id"].startswith("ep_")


def test_keys_are_scoped_to_the_caller(shared_hookline, http):
    # The same key, path and body from an application's own (app portal) token and from the
    # admin token are two requests.
    app_id = new_app(http)
    portal = shared_hookline.svix().authentication.app_portal_access(app_id, AppPortalAccessIn())
    key = {"idempotency-key": f"k-{secrets.token_hex(4)}"}
    path, body = f"/api/v1/app/{app_id}/endpoint", {"url": "http://127.0.0.1:9/hook"}
    as_admin = http.post(path, json=body, headers=key)
    as_app = httpx.post(
        shared_hookline.url + path,
        json=body,
        headers={**key, "Authorization": f"Bearer {portal.token}"},
    )
    assert as_admin.status_code == 201, as_admin.text
    assert as_app.status_code == 201, as_app.text
    assert as_app.json()["id"] != as_admin.json()["id"]


def test_a_failed_request_is_not_remembered(http):
    # As in Svix, only successful answers are kept: the retry runs once the app exists.
    uid = f"later-{secrets.token_hex(4)}"
    key = {"idempotency-key": f"k-{secrets.token_hex(4)}"}
    body = {"eventType": "a.b", "payload": {}}
    assert http.post(f"/api/v1/app/{uid}/msg", json=body, headers=key).status_code == 404
    assert http.post("/api/v1/app", json={"name": "Later", "uid": uid}).status_code == 201
    retry = http.post(f"/api/v1/app/{uid}/msg", json=body, headers=key)
    assert retry.status_code == 202, retry.text
    assert "idempotent-replayed" not in retry.headers


@pytest.mark.parametrize("value", ["", "x" * 257])
def test_an_unusable_key_is_refused(http, value):
    app_id = new_app(http)
    r = http.post(
        f"/api/v1/app/{app_id}/msg",
        json={"eventType": "a.b", "payload": {}},
        headers={"idempotency-key": value},
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["header", "idempotency-key"]
    assert message_ids(http, app_id) == []


@pytest.mark.parametrize("key", ["burst-", "auto_"])
async def test_identical_requests_at_once_create_one_message(shared_hookline, http, key):
    app_id = new_app(http)
    key += str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=shared_hookline.url, headers=AUTH, timeout=30) as c:
        answers = await asyncio.gather(
            *(
                c.post(
                    f"/api/v1/app/{app_id}/msg",
                    json={"eventType": "a.b", "payload": {"n": 1}},
                    headers={"idempotency-key": key},
                )
                for _ in range(24)
            )
        )
    assert {a.status_code for a in answers} == {202}, [a.text for a in answers]
    assert len({a.content for a in answers}) == 1
    assert message_ids(http, app_id) == [answers[0].json()["id"]]


def test_an_expired_key_runs_again(hookline):
    http = httpx.Client(base_url=hookline.url, headers=AUTH, timeout=30)
    app_id = new_app(http)
    key = {"idempotency-key": f"k-{secrets.token_hex(4)}"}
    body = {"eventType": "a.b", "payload": {}}
    first = http.post(f"/api/v1/app/{app_id}/msg", json=body, headers=key).json()["id"]
    hookline.stop()  # a graceful stop writes the answers that are still waiting
    run_sql(hookline, "UPDATE idempotency_keys SET expires_at = 0")
    hookline.start()
    second = http.post(f"/api/v1/app/{app_id}/msg", json=body, headers=key)
    assert second.status_code == 202
    assert second.json()["id"] != first
    http.close()


def test_an_answer_outlives_a_restart(hookline):
    http = httpx.Client(base_url=hookline.url, headers=AUTH, timeout=30)
    app_id = new_app(http)
    key = {"idempotency-key": f"job-{secrets.token_hex(4)}"}
    body = {"eventType": "a.b", "payload": {"n": 1}}
    first = http.post(f"/api/v1/app/{app_id}/msg", json=body, headers=key)
    hookline.stop()
    hookline.start()
    again = http.post(f"/api/v1/app/{app_id}/msg", json=body, headers=key)
    assert again.status_code == 202
    assert again.content == first.content
    assert message_ids(http, app_id) == [first.json()["id"]]
    http.close()


@pytest.mark.parametrize(
    "database_url", ["postgresql"], indirect=True
)  # several processes share one database only on PostgreSQL
@pytest.mark.parametrize("key", ["burst-", "auto_"])
async def test_identical_requests_to_two_api_processes_create_one_message(
    start_hookline, database_url, key
):
    first = start_hookline(args=("serve", "--no-worker"))
    second = start_hookline(args=("serve", "--no-worker"))
    key += str(uuid.uuid4())
    async with httpx.AsyncClient(headers=AUTH, timeout=30) as c:
        created = await c.post(f"{first.url}/api/v1/app", json={"name": "Two"})
        app_id = created.json()["id"]
        answers = await asyncio.gather(
            *(
                c.post(
                    f"{(first, second)[i % 2].url}/api/v1/app/{app_id}/msg",
                    json={"eventType": "a.b", "payload": {"n": 1}},
                    headers={"idempotency-key": key},
                )
                for i in range(24)
            )
        )
        listed = (await c.get(f"{first.url}/api/v1/app/{app_id}/msg")).json()["data"]
    assert {a.status_code for a in answers} == {202}, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert [m["id"] for m in listed] == [answers[0].json()["id"]]
