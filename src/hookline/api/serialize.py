"""Store rows → Svix-shaped JSON dicts."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import orjson

from hookline.store.pagination import Page
from hookline.types import DeliveryStatus


def iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, tz=UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def application(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "uid": row["uid"],
        "name": row["name"],
        "throttleRate": row["throttle_rate"],
        "metadata": row["metadata"] or {},
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def event_type(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": row["name"],
        "description": row["description"],
        "archived": row["archived"],
        "deprecated": row["deprecated"],
        "schemas": row["schemas"],
        "groupName": row["group_name"],
        "featureFlags": row["feature_flags"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def endpoint(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "uid": row["uid"],
        "url": row["url"],
        "description": row["description"],
        "disabled": row["disabled"],
        "eventTypes": row["event_types"],
        "filterTypes": row["event_types"],
        "channels": row["channels"],
        "throttleRate": row["throttle_rate"],
        "metadata": row["metadata"] or {},
        "version": 1,
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
        "fifo": row["fifo"],
        "disabledReason": row["disabled_reason"],
        "health": endpoint_health(row),
        "tls": endpoint_tls(row),
    }


def endpoint_tls(row: dict[str, Any]) -> dict[str, Any] | None:
    """The endpoint's TLS settings without the client key (never returned)."""
    if not (row.get("tls_client_cert") or row.get("tls_ca_cert")):
        return None
    return {
        "clientCert": row.get("tls_client_cert"),
        "caCert": row.get("tls_ca_cert"),
        "hasClientKey": row.get("tls_client_key") is not None,
    }


def endpoint_health(row: dict[str, Any]) -> dict[str, Any]:
    until = row["circuit_until"]
    circuit = "closed" if until is None else "open" if until > time.time() * 1000 else "probing"
    return {
        "circuit": circuit,
        "circuitUntil": iso(until) if until is not None else None,
        "failureStreak": row["failure_streak"],
        "failingSince": iso(row["failing_since"]) if row["failing_since"] is not None else None,
    }


# What Svix shows for a payload that was expunged or expired.
REMOVED_PAYLOAD = {"expired": True}


def message(row: dict[str, Any], with_content: bool = True) -> dict[str, Any]:
    return {
        "id": row["id"],
        "eventType": row["event_type"],
        "eventId": row["event_id"],
        "payload": _payload(row.get("payload"), with_content),
        "channels": row["channels"],
        "tags": row["tags"],
        "timestamp": iso(row["created_at"]),
    }


def _payload(stored: bytes | None, with_content: bool) -> dict[str, Any]:
    if not with_content:
        return {}
    return orjson.loads(stored) if stored is not None else dict(REMOVED_PAYLOAD)


def attempt(row: dict[str, Any]) -> dict[str, Any]:
    status = DeliveryStatus(row["status"])
    return {
        "id": row["id"],
        "msgId": row["msg_id"],
        "endpointId": row["endpoint_id"],
        "url": row["url"],
        "response": row["response"],
        "responseStatusCode": row["response_status_code"],
        "responseDurationMs": row["response_duration_ms"],
        "status": int(status),
        "statusText": status.text,
        "triggerType": row["trigger"],
        "timestamp": iso(row["created_at"]),
        "failureKind": row["failure_kind"],
    }


def attempt_message(row: dict[str, Any]) -> dict[str, Any]:
    """The message beside an attempt (`with_msg`): Svix never includes its payload there."""
    return {
        "id": row["msg_id"],
        "eventType": row["msg_event_type"],
        "eventId": row["msg_event_id"],
        "payload": {},
        "channels": row["msg_channels"],
        "tags": row["msg_tags"],
        "timestamp": iso(row["msg_created_at"]),
    }


def page(p: Page, convert: Any) -> dict[str, Any]:
    return {
        "data": [convert(item) for item in p.items],
        "iterator": p.iterator,
        "prevIterator": p.prev_iterator,
        "done": p.done,
    }


def _delivery_state(row: dict[str, Any]) -> dict[str, Any]:
    """The state of the latest delivery, in Svix's fields; `nextAttempt` only while one is
    scheduled (not while parked or being sent)."""
    status = DeliveryStatus(row["delivery_status"])
    due = row["delivery_due_at"]
    waiting = status is DeliveryStatus.PENDING and due is not None
    return {
        "status": int(status),
        "statusText": status.text,
        "nextAttempt": iso(due) if waiting else None,
    }


def message_endpoint(row: dict[str, Any]) -> dict[str, Any]:
    """Svix's MessageEndpointOut: an endpoint a message was sent to, with the delivery state."""
    return {
        "id": row["id"],
        "uid": row["uid"],
        "url": row["url"],
        "description": row["description"],
        "disabled": row["disabled"],
        "eventTypes": row["event_types"],
        "channels": row["channels"],
        "throttleRate": row["throttle_rate"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
        **_delivery_state(row),
    }


def endpoint_message(row: dict[str, Any], with_content: bool = True) -> dict[str, Any]:
    """Svix's EndpointMessageOut: a message sent to an endpoint, with the delivery state."""
    return {**message(row, with_content), "deliverAt": None, **_delivery_state(row)}
