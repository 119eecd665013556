"""Removing content: expunging a message on request, and the retention task."""

from __future__ import annotations

import time

import httpx
import pytest
from db_access import run_sql
from server_process import TOKEN
from svix.api import ApplicationIn, EndpointIn, MessageGetOptions, MessageIn
from svix.exceptions import HttpError
from waits import wait_until

AUTH = {"Authorization": f"Bearer {TOKEN}"}
WITH_CONTENT = MessageGetOptions(with_content=True)
# About 5 s: messages are past it within seconds, a fresh one is not, and a delivery made at
# once is over long before.
SHORT_RETENTION = {"HOOKLINE_RETENTION_DAYS": "0.00006", "HOOKLINE_RETENTION_INTERVAL": "0.3"}


def attempts(hookline, app_id: str, msg_id: str) -> list[dict]:
    r = httpx.get(f"{hookline.url}/api/v1/app/{app_id}/attempt/msg/{msg_id}", headers=AUTH)
    r.raise_for_status()
    return r.json()["data"]


def test_expunging_removes_the_payload_and_response_bodies(shared_hookline, receiver):
    hookline = shared_hookline
    receiver.respond_with(lambda _n, _r: (200, b"echo: card 4242", {}, 0.0))
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Erase"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    msg = svix.message.create(
        app.id, MessageIn(event_type="card.added", payload={"card": "4242"}, event_id="evt-1")
    )
    [attempt] = wait_until(lambda: attempts(hookline, app.id, msg.id), what="an attempt")
    assert attempt["response"] == "echo: card 4242"

    svix.message.expunge_content(app.id, "evt-1")  # by eventId, as any message route

    got = svix.message.get(app.id, msg.id, WITH_CONTENT)
    assert got.payload == {"expired": True}  # what Svix shows for a removed payload
    assert (got.id, got.event_type, got.event_id) == (msg.id, "card.added", "evt-1")
    [after] = attempts(hookline, app.id, msg.id)
    assert after["response"] == "EXPUNGED"
    assert (after["id"], after["responseStatusCode"], after["status"]) == (attempt["id"], 200, 0)

    with pytest.raises(HttpError) as resend:
        svix.message_attempt.resend(app.id, msg.id, ep.id)
    assert resend.value.status_code == 400
    assert resend.value.code == "missing_payload"
    assert len(receiver.received()) == 1
    # Expunging again changes nothing; an unknown message is a 404.
    svix.message.expunge_content(app.id, msg.id)
    missing = httpx.delete(f"{hookline.url}/api/v1/app/{app.id}/msg/msg_nope/content", headers=AUTH)
    assert missing.status_code == 404


def test_expunging_one_attempts_response(shared_hookline, receiver):
    hookline = shared_hookline
    receiver.respond_with(lambda _n, _r: (200, b"private", {}, 0.0))
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Attempt"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": 1}))
    [attempt] = wait_until(lambda: attempts(hookline, app.id, msg.id), what="an attempt")

    svix.message_attempt.expunge_content(app.id, msg.id, attempt["id"])

    [after] = attempts(hookline, app.id, msg.id)
    assert after["response"] == "EXPUNGED"
    assert svix.message.get(app.id, msg.id, WITH_CONTENT).payload == {"n": 1}
    base = f"{hookline.url}/api/v1/app/{app.id}/msg/{msg.id}/attempt"
    assert httpx.delete(f"{base}/atmpt_nope/content", headers=AUTH).status_code == 404


def test_a_waiting_delivery_of_an_expunged_message_fails_instead_of_sending(
    start_hookline, receiver
):
    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": "3,3,3"})
    receiver.respond_with(lambda _n, _r: (500, b"", {}, 0.0))
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Waiting"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": 1}))
    wait_until(lambda: attempts(hookline, app.id, msg.id), what="the first attempt")

    svix.message.expunge_content(app.id, msg.id)  # the retry is due in about 3 s

    second = wait_until(
        lambda: (got := attempts(hookline, app.id, msg.id)) and len(got) == 2 and got[0],
        what="the retry",
    )
    assert second["failureKind"] == "expunged"
    assert second["status"] == 2
    assert second["responseStatusCode"] == 0
    time.sleep(4)  # the schedule had two more retries: none come
    assert len(attempts(hookline, app.id, msg.id)) == 2
    assert len(receiver.received()) == 1  # nothing was sent for the retry


def test_retention_removes_old_payloads_and_keeps_the_record(start_hookline, receiver):
    hookline = start_hookline(env=SHORT_RETENTION)
    receiver.respond_with(lambda _n, _r: (200, b"received it", {}, 0.0))
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Retention"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/hook"))
    old = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": 1}))
    wait_until(lambda: attempts(hookline, app.id, old.id), what="an attempt")

    wait_until(
        lambda: svix.message.get(app.id, old.id, WITH_CONTENT).payload == {"expired": True},
        what="the payload removed",
    )
    # The attempt was made after the message, so its response body passes the cutoff a
    # little later (a pass or two, more on a loaded machine).
    wait_until(
        lambda: attempts(hookline, app.id, old.id)[0]["response"] == "EXPUNGED",
        what="the response body removed",
    )
    fresh = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": 2}))
    assert svix.message.get(app.id, fresh.id, WITH_CONTENT).payload == {"n": 2}
    [attempt] = attempts(hookline, app.id, old.id)
    assert attempt["response"] == "EXPUNGED"
    assert attempt["responseStatusCode"] == 200
    assert [m.id for m in svix.message.list(app.id).data] == [fresh.id, old.id]


def test_retention_deletes_expired_idempotency_keys(start_hookline):
    hookline = start_hookline(env={"HOOKLINE_RETENTION_INTERVAL": "0.3"})
    http = httpx.Client(base_url=hookline.url, headers=AUTH)
    app_id = http.post("/api/v1/app", json={"name": "Keys"}).json()["id"]
    for i in range(3):
        r = http.post(
            f"/api/v1/app/{app_id}/msg",
            json={"eventType": "a.b", "payload": {}},
            headers={"idempotency-key": f"job-{i}"},
        )
        assert r.status_code == 202
    answered = "SELECT count(*) FROM idempotency_keys WHERE status_code = 202"
    wait_until(lambda: run_sql(hookline, answered)[0][0] == 3, what="the answers written")
    run_sql(hookline, "UPDATE idempotency_keys SET expires_at = 0 WHERE status_code = 202")
    wait_until(
        lambda: run_sql(hookline, "SELECT count(*) FROM idempotency_keys")[0][0] == 0,
        what="the expired keys deleted",
    )
    http.close()


@pytest.mark.parametrize(
    "database_url", ["postgresql"], indirect=True
)  # several processes share one database only on PostgreSQL
def test_retention_in_several_processes_at_once(start_hookline, database_url):
    api = start_hookline(args=("serve", "--no-worker"), env=SHORT_RETENTION)
    workers = [start_hookline(args=("worker",), env=SHORT_RETENTION) for _ in range(2)]
    svix = api.svix()
    app = svix.application.create(ApplicationIn(name="Many"))
    sent = [
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={"i": i}))
        for i in range(30)
    ]
    kept = "SELECT count(*) FROM messages WHERE payload IS NOT NULL"
    wait_until(lambda: run_sql(api, kept)[0][0] == 0, what="every payload removed")
    assert len(svix.message.list(app.id).data) == len(sent)
    for proc in (api, *workers):
        assert "Traceback" not in proc.output(), proc.output()
