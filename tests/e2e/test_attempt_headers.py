"""Each attempt keeps the headers Hookline sent and the headers the receiver answered with,
on both stores: in order, repeats included, credentials redacted, the receiver's bounded; and
removing a message's content removes them with the response body."""

from __future__ import annotations

import json
import time
from typing import Any

from db_access import run_sql
from svix.api import ApplicationIn, EndpointIn, MessageIn

from hookline.recorded_headers import REDACTED

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
FILLERS = 100  # more headers than an attempt keeps


def _stored(hookline: Any, attempt_id: str) -> tuple[Any, Any]:
    [(sent, received)] = run_sql(
        hookline,
        f"SELECT request_headers, response_headers FROM attempts WHERE id = '{attempt_id}'",
    )
    return (
        None if sent is None else json.loads(sent),
        None if received is None else json.loads(received),
    )


def _attempt_ids(hookline: Any, app_id: str, msg_id: str) -> list[str]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = hookline.svix().message_attempt.list_by_msg(app_id, msg_id).data
        if found:
            return [a.id for a in found]
        time.sleep(0.05)
    raise AssertionError("no attempt was recorded")


def test_an_attempt_keeps_the_headers_sent_and_received(hookline, receiver) -> None:  # type: ignore[no-untyped-def]
    answer = [
        ("X-Hostile", HOSTILE),
        ("Set-Cookie", "sid=receiver-session-1; HttpOnly"),
        ("Set-Cookie", "theme=dark"),
        *((f"X-Fill-{i:03}", "f" * 20) for i in range(FILLERS)),
    ]
    receiver.respond_with(lambda _n, _r: (200, b"ok", answer, 0.0))  # type: ignore[arg-type,return-value]
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Headers"))
    ep = svix.endpoint.create(
        app.id,
        EndpointIn(
            url=f"{receiver.url}/hook",
            headers={"Authorization": "Bearer endpoint-credential-1", "X-Team": "billing"},
        ),
    )
    assert ep.id
    msg = svix.message.create(app.id, MessageIn(event_type="a.b", payload={"n": 1}))
    [attempt_id] = _attempt_ids(hookline, app.id, msg.id)
    [got] = receiver.received()
    sent, received = _stored(hookline, attempt_id)

    # What was sent, header for header, with the credential's value replaced.
    assert got.headers["authorization"] == "Bearer endpoint-credential-1"
    as_sent = {name.lower(): value for name, value in sent}
    assert as_sent["authorization"] == REDACTED
    assert as_sent["x-team"] == "billing"
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type"):
        assert as_sent[name] == got.headers[name], name
    assert as_sent["webhook-id"] == msg.id
    assert as_sent["user-agent"].startswith("Hookline/")

    # What came back: the hostile value as text, every Set-Cookie redacted, and at most 64
    # headers, the rest counted in a last marker.
    assert ["X-Hostile", HOSTILE] in received
    cookies = [value for name, value in received if name.lower() == "set-cookie"]
    assert cookies == [REDACTED, REDACTED]
    assert len(received) == 65
    name, value = received[-1]
    assert name == "…" and value.endswith("not kept")
    stored_text = json.dumps([sent, received])
    assert "endpoint-credential-1" not in stored_text
    assert "receiver-session-1" not in stored_text

    # Removing the message's content takes the headers with the response body.
    svix.message.expunge_content(app.id, msg.id)
    assert _stored(hookline, attempt_id) == (None, None)
    [(response,)] = run_sql(hookline, f"SELECT response FROM attempts WHERE id = '{attempt_id}'")
    assert response == "EXPUNGED"

    # No answer (nothing listens on port 1): the request headers only.
    refused = svix.application.create(ApplicationIn(name="Refused"))
    svix.endpoint.create(refused.id, EndpointIn(url="http://127.0.0.1:1/hook"))
    unanswered = svix.message.create(refused.id, MessageIn(event_type="a.b", payload={}))
    [attempt_id] = _attempt_ids(hookline, refused.id, unanswered.id)
    sent, received = _stored(hookline, attempt_id)
    assert received is None
    assert dict(sent)["webhook-id"] == unanswered.id
