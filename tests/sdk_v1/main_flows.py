"""The main flows of the svix 1.x Python SDK against a running Hookline, run as
`python main_flows.py SERVER_URL TOKEN RECEIVER_URL` with the 1.x SDK first on the path (its
own directory, .venv/svix1, installed by `make test`). It prints one JSON object: what it
made and read, for the test to check; the deliveries are verified by the test, which owns the
receiver.

It imports nothing from the test suite and nothing but the SDK, so that it runs with the 1.x
SDK and its own dependencies alone.
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version
from typing import Any

import svix
from svix.api import (
    ApplicationIn,
    ApplicationPatch,
    EndpointHeadersIn,
    EndpointIn,
    EndpointPatch,
    EndpointSecretRotateIn,
    EndpointUpdate,
    EventTypeIn,
    EventTypePatch,
    MessageAttemptListByEndpointOptions,
    MessageIn,
    Svix,
    SvixOptions,
)
from svix.exceptions import HttpError
from svix.models import MessageStatus

NEW_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def attempts_of(client: Svix, app: str, msg: str, count: int) -> list[Any]:
    """The message's attempts once `count` are recorded (bounded: 30 s)."""
    deadline = time.monotonic() + 30
    while True:
        page = client.message_attempt.list_by_msg(app, msg)
        if len(page.data) >= count:
            return page.data
        if time.monotonic() > deadline:
            raise SystemExit(f"{msg}: {len(page.data)} attempts after 30 s, wanted {count}")
        time.sleep(0.05)


def main(server_url: str, token: str, receiver_url: str) -> dict[str, Any]:
    client = Svix(token, SvixOptions(server_url=server_url))
    out: dict[str, Any] = {"sdk_version": version("svix"), "sdk_file": svix.__file__}

    # Applications
    app = client.application.create(ApplicationIn(name="SDK 1.x", uid="sdk-v1"))
    again = client.application.get_or_create(ApplicationIn(name="Other", uid="sdk-v1"))
    renamed = client.application.update(app.id, ApplicationIn(name="SDK 1.x renamed"))
    patched = client.application.patch(app.id, ApplicationPatch(metadata={"line": "1"}))
    out["app"] = {
        "id": app.id,
        "uid": app.uid,
        "get_or_create_id": again.id,
        "renamed": renamed.name,
        "metadata": patched.metadata,
        "got_by_uid": client.application.get("sdk-v1").id,
        "listed": app.id in {a.id for a in client.application.list().data},
    }

    # Event types
    client.event_type.create(EventTypeIn(name="invoice.paid", description="An invoice was paid"))
    client.event_type.patch("invoice.paid", EventTypePatch(description="Paid"))
    out["event_type"] = {
        "description": client.event_type.get("invoice.paid").description,
        "listed": "invoice.paid" in {t.name for t in client.event_type.list().data},
    }

    # Endpoints: 1.x sends `filterTypes`
    ep = client.endpoint.create(
        app.id,
        EndpointIn(url=f"{receiver_url}/v1", filter_types=["invoice.paid"], uid="v1-endpoint"),
    )
    other = client.endpoint.create(
        app.id, EndpointIn(url=f"{receiver_url}/v1-other", filter_types=["something.else"])
    )
    client.endpoint.patch(app.id, ep.id, EndpointPatch(description="patched"))
    client.endpoint.update_headers(app.id, ep.id, EndpointHeadersIn(headers={"X-Line": "1"}))
    updated = client.endpoint.update(
        app.id,
        other.id,
        EndpointUpdate(url=f"{receiver_url}/v1-other", filter_types=["something.other"]),
    )
    got = client.endpoint.get(app.id, "v1-endpoint")
    out["endpoint"] = {
        "id": ep.id,
        "other": other.id,
        "filter_types": got.filter_types,
        "description": got.description,
        "headers": client.endpoint.get_headers(app.id, ep.id).headers,
        "other_filter_types": updated.filter_types,
        "listed": sorted(e.id for e in client.endpoint.list(app.id).data),
    }
    secret = client.endpoint.get_secret(app.id, ep.id).key

    # Messages and attempts
    msg = client.message.create(
        app.id, MessageIn(event_type="invoice.paid", payload={"invoice": "inv_1"}, event_id="e1")
    )
    first = attempts_of(client, app.id, msg.id, 1)
    read = client.message.get(app.id, "e1")
    by_endpoint = client.message_attempt.list_by_endpoint(
        app.id, ep.id, MessageAttemptListByEndpointOptions(status=MessageStatus.SUCCESS)
    )
    attempt = client.message_attempt.get(app.id, msg.id, first[0].id)
    destinations = client.message_attempt.list_attempted_destinations(app.id, msg.id)
    out["message"] = {
        "id": msg.id,
        "payload_read": read.payload,
        "listed": [m.id for m in client.message.list(app.id).data],
        "attempt_endpoint": attempt.endpoint_id,
        "attempt_status": int(attempt.status),
        "attempt_code": attempt.response_status_code,
        "successful_attempts_of_endpoint": [a.id for a in by_endpoint.data],
        "destinations": [d.id for d in destinations.data],
    }
    try:
        client.message.create(
            app.id, MessageIn(event_type="invoice.paid", payload={}, event_id="e1")
        )
        out["message"]["duplicate_event_id"] = "accepted"
    except HttpError as exc:
        out["message"]["duplicate_event_id"] = exc.status_code

    # Resend
    client.message_attempt.resend(app.id, msg.id, ep.id)
    out["resend_attempts"] = len(attempts_of(client, app.id, msg.id, 2))

    # Secrets: rotation to a given key; 1.x reads no answer
    client.endpoint.rotate_secret(app.id, ep.id, EndpointSecretRotateIn(key=NEW_SECRET))
    rotated = client.endpoint.get_secret(app.id, ep.id).key
    after = client.message.create(
        app.id, MessageIn(event_type="invoice.paid", payload={"invoice": "inv_2"})
    )
    attempts_of(client, app.id, after.id, 1)
    out["secrets"] = {"before": secret, "after": rotated, "message_after": after.id}
    return out


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
