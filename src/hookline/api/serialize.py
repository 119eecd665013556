"""Store rows (`hookline.store.rows`) → Svix-shaped JSON dicts."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson

from hookline.store.pagination import Page
from hookline.store.rows import (
    ApplicationRow,
    AttemptMessage,
    AttemptRow,
    BackgroundTaskRow,
    DeliveryState,
    EndpointMessageRow,
    EndpointRow,
    EventTypeRow,
    MessageEndpointRow,
    MessageRow,
)
from hookline.types import DeliveryStatus

T = TypeVar("T")


def iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, tz=UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def application(row: ApplicationRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "uid": row.uid,
        "name": row.name,
        "throttleRate": row.throttle_rate,
        "metadata": row.metadata or {},
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


def event_type(row: EventTypeRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "description": row.description,
        "archived": row.archived,
        "deprecated": row.deprecated,
        "schemas": row.schemas,
        "groupName": row.group_name,
        "featureFlags": row.feature_flags,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "validate": row.validate,
    }


def endpoint(row: EndpointRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "uid": row.uid,
        "url": row.url,
        "description": row.description,
        "disabled": row.disabled,
        "eventTypes": row.event_types,
        "filterTypes": row.event_types,
        "channels": row.channels,
        "throttleRate": row.throttle_rate,
        "metadata": row.metadata or {},
        "version": 1,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "fifo": row.fifo,
        "keepMessagesWhileDisabled": row.keep_messages_while_disabled,
        "disabledReason": row.disabled_reason,
        "health": endpoint_health(row),
        "tls": endpoint_tls(row),
        "kind": row.kind,
    }


def endpoint_tls(row: EndpointRow) -> dict[str, Any] | None:
    """The endpoint's TLS settings without the client key (never returned)."""
    if not (row.tls_client_cert or row.tls_ca_cert):
        return None
    return {
        "clientCert": row.tls_client_cert,
        "caCert": row.tls_ca_cert,
        "hasClientKey": row.tls_client_key is not None,
    }


def endpoint_health(row: EndpointRow) -> dict[str, Any]:
    until = row.circuit_until
    circuit = "closed" if until is None else "open" if until > time.time() * 1000 else "probing"
    return {
        "circuit": circuit,
        "circuitUntil": iso(until) if until is not None else None,
        "failureStreak": row.failure_streak,
        "failingSince": iso(row.failing_since) if row.failing_since is not None else None,
    }


# What Svix shows for a payload that was expunged or expired.
REMOVED_PAYLOAD = {"expired": True}


def message(row: MessageRow, with_content: bool = True) -> dict[str, Any]:
    return {
        "id": row.id,
        "eventType": row.event_type,
        "eventId": row.event_id,
        "payload": _payload(row.payload, with_content),
        "channels": row.channels,
        "tags": row.tags,
        "timestamp": iso(row.created_at),
        "deliverAt": None if row.deliver_at is None else iso(row.deliver_at),
    }


def _payload(stored: bytes | None, with_content: bool) -> dict[str, Any]:
    if not with_content:
        return {}
    return orjson.loads(stored) if stored is not None else dict(REMOVED_PAYLOAD)


def attempt(row: AttemptRow) -> dict[str, Any]:
    status = row.status
    return {
        "id": row.id,
        "msgId": row.msg_id,
        "endpointId": row.endpoint_id,
        "url": row.url,
        "response": row.response,
        "responseStatusCode": row.response_status_code,
        "responseDurationMs": row.response_duration_ms,
        "status": int(status),
        "statusText": status.text,
        "triggerType": int(row.trigger),
        "timestamp": iso(row.created_at),
        "failureKind": None if row.failure_kind is None else str(row.failure_kind),
    }


def attempt_message(msg: AttemptMessage) -> dict[str, Any]:
    """The message beside an attempt (`with_msg`): Svix never includes its payload there."""
    return {
        "id": msg.id,
        "eventType": msg.event_type,
        "eventId": msg.event_id,
        "payload": {},
        "channels": msg.channels,
        "tags": msg.tags,
        "timestamp": iso(msg.created_at),
        "deliverAt": None if msg.deliver_at is None else iso(msg.deliver_at),
    }


def page(p: Page[T], convert: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    return {
        "data": [convert(item) for item in p.items],
        "iterator": p.iterator,
        "prevIterator": p.prev_iterator,
        "done": p.done,
    }


def _delivery_state(state: DeliveryState) -> dict[str, Any]:
    """The state of the latest delivery, in Svix's fields; `nextAttempt` only while one is
    scheduled (not while parked or being sent)."""
    status = state.status
    due = state.due_at
    waiting = status is DeliveryStatus.PENDING and due is not None
    return {
        "status": int(status),
        "statusText": status.text,
        "nextAttempt": iso(due) if waiting and due is not None else None,
    }


def message_endpoint(row: MessageEndpointRow) -> dict[str, Any]:
    """Svix's MessageEndpointOut: an endpoint a message was sent to, with the delivery state."""
    return {
        "id": row.id,
        "uid": row.uid,
        "url": row.url,
        "description": row.description,
        "disabled": row.disabled,
        "eventTypes": row.event_types,
        # The filter twice and `version`, as on an endpoint: the 1.x SDKs read `filterTypes`
        # and cannot read an answer without `version`.
        "filterTypes": row.event_types,
        "channels": row.channels,
        "throttleRate": row.throttle_rate,
        "version": 1,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        **_delivery_state(row.delivery),
    }


def endpoint_message(row: EndpointMessageRow, with_content: bool = True) -> dict[str, Any]:
    """Svix's EndpointMessageOut: a message sent to an endpoint, with the delivery state."""
    return {
        **message(row.message, with_content),
        **_delivery_state(row.delivery),
    }


def background_task(row: BackgroundTaskRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "task": row.task,
        "updatedAt": iso(row.updated_at),
        "data": row.data,
    }


def task_summary(row: BackgroundTaskRow) -> dict[str, Any]:
    """A task as the operation that started it answers (without `data`)."""
    return {"id": row.id, "status": row.status, "task": row.task, "updatedAt": iso(row.updated_at)}
