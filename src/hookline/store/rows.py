"""What the store hands out: one frozen dataclass per kind of row, built in one place each.

Each `from_row` takes a SQLAlchemy row (or the mapping of values just inserted) and gives
typed fields: times are integer milliseconds, JSON lists are tuples, states are the enums of
`hookline.types`. Only the API turns these into JSON (`api/serialize.py`).

Secret material (endpoint signing secrets, previous secrets, the TLS client key) is stored
sealed, but it is still key material: it stays out of `repr`, so a row in a log or a
traceback shows none of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from hookline.types import DeliveryStatus, FailureKind, TriggerType


def _mapping(row: sa.Row[Any] | Mapping[str, Any]) -> Mapping[Any, Any]:
    """A row read back, or the values just inserted (the same names either way)."""
    return row._mapping if isinstance(row, sa.Row) else row


def _strings(value: list[str] | None) -> tuple[str, ...] | None:
    """A JSON list column (NULL stays None)."""
    return None if value is None else tuple(value)


def _delays(value: list[float] | None) -> tuple[float, ...] | None:
    """A JSON list of seconds (NULL stays None)."""
    return None if value is None else tuple(float(v) for v in value)


def _header_pairs(value: list[list[str]] | None) -> tuple[tuple[str, str], ...] | None:
    """Recorded headers, a JSON list of [name, value] (NULL stays None)."""
    return None if value is None else tuple((str(n), str(v)) for n, v in value)


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    id: str
    uid: str | None
    name: str
    throttle_rate: int | None
    metadata: dict[str, str]
    created_at: int
    updated_at: int
    next_send_at: int | None  # the application's throttle: its next free send slot

    @classmethod
    def from_row(cls, row: sa.Row[Any] | Mapping[str, Any]) -> ApplicationRow:
        m = _mapping(row)
        return cls(
            id=m["id"],
            uid=m["uid"],
            name=m["name"],
            throttle_rate=m["throttle_rate"],
            metadata=m["metadata"],
            created_at=m["created_at"],
            updated_at=m["updated_at"],
            next_send_at=m["next_send_at"],
        )


@dataclass(frozen=True, slots=True)
class EventTypeRow:
    name: str
    description: str
    archived: bool
    deprecated: bool
    schemas: dict[str, Any] | None
    group_name: str | None
    feature_flags: tuple[str, ...] | None
    created_at: int
    updated_at: int
    # Seconds between attempts for messages of this type; None: the server's schedule.
    retry_schedule: tuple[float, ...] | None = None
    # Payloads must match the current schema (payload_schemas.current_schema) to be published.
    validate: bool = False

    @classmethod
    def from_row(cls, row: sa.Row[Any] | Mapping[str, Any]) -> EventTypeRow:
        m = _mapping(row)
        return cls(
            name=m["name"],
            description=m["description"],
            archived=m["archived"],
            deprecated=m["deprecated"],
            schemas=m["schemas"],
            group_name=m["group_name"],
            feature_flags=_strings(m["feature_flags"]),
            created_at=m["created_at"],
            updated_at=m["updated_at"],
            retry_schedule=_delays(m.get("retry_schedule")),
            validate=bool(m.get("validate") or False),
        )


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """An endpoint with its settings, health and (sealed) secrets."""

    id: str
    app_id: str
    uid: str | None
    url: str
    description: str
    disabled: bool
    event_types: tuple[str, ...] | None
    channels: tuple[str, ...] | None
    metadata: dict[str, str]
    headers: dict[str, str]
    throttle_rate: int | None
    fifo: bool
    created_at: int
    updated_at: int
    # Health (see store/endpoint_health.py).
    failure_streak: int
    failing_since: int | None
    circuit_until: int | None
    circuit_failures: int
    disabled_reason: str | None
    next_send_at: int | None
    # Keep messages published while disabled (None: the server's setting).
    keep_messages_while_disabled: bool | None
    # Sealed (hookline.secrets_at_rest); `previous_secrets` as in endpoint_secrets.
    secret: str = field(repr=False)
    previous_secrets: list[dict[str, Any]] | None = field(repr=False)
    tls_client_cert: str | None
    tls_client_key: str | None = field(repr=False)
    tls_ca_cert: str | None
    # 'http', or 'relay' (`hookline listen`; see store/relay_endpoints.py).
    kind: str = "http"
    relay_owner: str | None = None
    relay_owner_until: int | None = None

    @classmethod
    def from_row(cls, row: sa.Row[Any] | Mapping[str, Any]) -> EndpointRow:
        m = _mapping(row)
        return cls(
            id=m["id"],
            app_id=m["app_id"],
            uid=m["uid"],
            url=m["url"],
            description=m["description"],
            disabled=m["disabled"],
            event_types=_strings(m["event_types"]),
            channels=_strings(m["channels"]),
            metadata=m["metadata"],
            headers=m["headers"],
            throttle_rate=m["throttle_rate"],
            fifo=m["fifo"],
            created_at=m["created_at"],
            updated_at=m["updated_at"],
            failure_streak=m["failure_streak"],
            failing_since=m["failing_since"],
            circuit_until=m["circuit_until"],
            circuit_failures=m["circuit_failures"],
            disabled_reason=m["disabled_reason"],
            next_send_at=m["next_send_at"],
            keep_messages_while_disabled=m.get("keep_messages_while_disabled"),
            secret=m["secret"],
            previous_secrets=m["previous_secrets"],
            tls_client_cert=m["tls_client_cert"],
            tls_client_key=m["tls_client_key"],
            tls_ca_cert=m["tls_ca_cert"],
            kind=m.get("kind") or "http",
            relay_owner=m.get("relay_owner"),
            relay_owner_until=m.get("relay_owner_until"),
        )


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: str
    app_id: str
    event_type: str
    event_id: str | None
    payload: bytes | None  # None once expunged or past retention, or when not read
    channels: tuple[str, ...] | None
    tags: tuple[str, ...] | None
    created_at: int
    # The publish span's W3C traceparent, when tracing was on (observability/tracing.py).
    trace_context: str | None = None
    deliver_at: int | None = None  # the time it was scheduled for (`deliverAt`), if any
    seq: int | None = None  # its place in the application's stream (polling), where read
    payload_expires_at: int | None = None  # its own, shorter payload retention, if it asked

    @classmethod
    def from_row(cls, row: sa.Row[Any] | Mapping[str, Any]) -> MessageRow:
        m = _mapping(row)
        return cls(
            id=m["id"],
            app_id=m["app_id"],
            event_type=m["event_type"],
            event_id=m["event_id"],
            payload=m.get("payload"),
            channels=_strings(m["channels"]),
            tags=_strings(m["tags"]),
            created_at=m["created_at"],
            trace_context=m.get("trace_context"),
            deliver_at=m.get("deliver_at"),
            seq=m.get("seq"),
            payload_expires_at=m.get("payload_expires_at"),
        )


@dataclass(frozen=True, slots=True)
class DeliveryState:
    """The state of the latest delivery of a message to an endpoint."""

    status: DeliveryStatus
    due_at: int | None  # the next attempt while pending; the lease expiry while sending
    attempt_count: int | None = None  # attempts that delivery made, where the query reads it

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> DeliveryState:
        """From the `delivery_status`, `delivery_due_at` (and `delivery_attempt_count`, if
        read) columns of a delivery-log query."""
        return cls(
            status=DeliveryStatus(row.delivery_status),
            due_at=row.delivery_due_at,
            attempt_count=row._mapping.get("delivery_attempt_count"),
        )


@dataclass(frozen=True, slots=True)
class MessageEndpointRow:
    """An endpoint a message was sent to (no secrets, no health), with the delivery state."""

    id: str
    uid: str | None
    url: str
    description: str
    disabled: bool
    event_types: tuple[str, ...] | None
    channels: tuple[str, ...] | None
    throttle_rate: int | None
    created_at: int
    updated_at: int
    delivery: DeliveryState

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> MessageEndpointRow:
        return cls(
            id=row.id,
            uid=row.uid,
            url=row.url,
            description=row.description,
            disabled=row.disabled,
            event_types=_strings(row.event_types),
            channels=_strings(row.channels),
            throttle_rate=row.throttle_rate,
            created_at=row.created_at,
            updated_at=row.updated_at,
            delivery=DeliveryState.from_row(row),
        )


@dataclass(frozen=True, slots=True)
class EndpointMessageRow:
    """A message sent to an endpoint, with the delivery state."""

    message: MessageRow
    delivery: DeliveryState

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> EndpointMessageRow:
        return cls(message=MessageRow.from_row(row), delivery=DeliveryState.from_row(row))


@dataclass(frozen=True, slots=True)
class AttemptMessage:
    """The message beside an attempt (`with_msg`): never its payload."""

    id: str
    event_type: str
    event_id: str | None
    channels: tuple[str, ...] | None
    tags: tuple[str, ...] | None
    created_at: int
    deliver_at: int | None = None


@dataclass(frozen=True, slots=True)
class AttemptRow:
    id: str
    app_id: str
    msg_id: str
    endpoint_id: str
    delivery_id: int
    url: str
    status: DeliveryStatus
    trigger: TriggerType
    response_status_code: int  # 0: no HTTP response
    response: str
    response_duration_ms: int
    failure_kind: FailureKind | None
    created_at: int
    msg: AttemptMessage | None = None  # only when listed `with_msg`
    # (name, value) pairs as sent and received, secrets redacted (hookline.recorded_headers);
    # None: not recorded (an older attempt), removed with the content, or no answer came.
    request_headers: tuple[tuple[str, str], ...] | None = None
    response_headers: tuple[tuple[str, str], ...] | None = None

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> AttemptRow:
        kind = row.failure_kind
        return cls(
            id=row.id,
            app_id=row.app_id,
            msg_id=row.msg_id,
            endpoint_id=row.endpoint_id,
            delivery_id=row.delivery_id,
            url=row.url,
            status=DeliveryStatus(row.status),
            trigger=TriggerType(row.trigger),
            response_status_code=row.response_status_code,
            response=row.response,
            response_duration_ms=row.response_duration_ms,
            failure_kind=None if kind is None else FailureKind(kind),
            created_at=row.created_at,
            request_headers=_header_pairs(row.request_headers),
            response_headers=_header_pairs(row.response_headers),
        )

    @classmethod
    def with_message(cls, row: sa.Row[Any]) -> AttemptRow:
        """From an attempt query with the `msg_…` columns of its message added."""
        attempt = cls.from_row(row)
        msg = AttemptMessage(
            id=row.msg_id,
            event_type=row.msg_event_type,
            event_id=row.msg_event_id,
            channels=_strings(row.msg_channels),
            tags=_strings(row.msg_tags),
            created_at=row.msg_created_at,
            deliver_at=row.msg_deliver_at,
        )
        return replace(attempt, msg=msg)


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One delivery of a message to an endpoint, as stored."""

    id: int
    app_id: str
    msg_id: str
    endpoint_id: str
    status: DeliveryStatus
    trigger: TriggerType
    attempt_count: int
    due_at: int | None
    lease_owner: str | None
    fifo: bool
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> DeliveryRow:
        return cls(
            id=row.id,
            app_id=row.app_id,
            msg_id=row.msg_id,
            endpoint_id=row.endpoint_id,
            status=DeliveryStatus(row.status),
            trigger=TriggerType(row.trigger),
            attempt_count=row.attempt_count,
            due_at=row.due_at,
            lease_owner=row.lease_owner,
            fifo=row.fifo,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True, slots=True)
class AppTokenRow:
    """An application token as stored: its hash, never the token."""

    token_hash: str
    app_id: str
    read_only: bool
    capabilities: tuple[str, ...] | None  # None: all of them
    session_id: str | None
    created_at: int
    expires_at: int
    polling_endpoint_id: str | None = None  # set: limited to that polling endpoint

    @classmethod
    def from_row(cls, row: sa.Row[Any] | Mapping[str, Any]) -> AppTokenRow:
        m = _mapping(row)
        return cls(
            token_hash=m["token_hash"],
            app_id=m["app_id"],
            read_only=m["read_only"],
            capabilities=_strings(m["capabilities"]),
            session_id=m["session_id"],
            created_at=m["created_at"],
            expires_at=m["expires_at"],
            polling_endpoint_id=m.get("polling_endpoint_id"),
        )


@dataclass(frozen=True, slots=True)
class WebSessionRow:
    """A browser session as stored: the SHA-256 of its cookie value, never the value.

    `kind` is the area it opens ("admin": the dashboard; "portal": one application's portal,
    with `app_id` and the `token_hash` of the application token it was opened with)."""

    id_hash: str
    kind: str
    app_id: str | None
    token_hash: str | None
    csrf_token: str = field(repr=False)
    created_at: int
    expires_at: int
    revoked_at: int | None

    @classmethod
    def from_row(cls, row: sa.Row[Any] | Mapping[str, Any]) -> WebSessionRow:
        m = _mapping(row)
        return cls(
            id_hash=m["id_hash"],
            kind=m["kind"],
            app_id=m["app_id"],
            token_hash=m["token_hash"],
            csrf_token=m["csrf_token"],
            created_at=m["created_at"],
            expires_at=m["expires_at"],
            revoked_at=m["revoked_at"],
        )


@dataclass(frozen=True, slots=True)
class RemovedContent:
    """What one retention pass removed."""

    payloads: int
    responses: int


@dataclass(frozen=True, slots=True)
class DeadLetterRow:
    """A delivery that failed for good (the latest to its endpoint), with its context."""

    delivery_id: int
    app_id: str
    app_name: str
    msg_id: str
    endpoint_id: str
    endpoint_url: str
    event_type: str
    attempt_count: int
    msg_created_at: int
    failed_at: int

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> DeadLetterRow:
        return cls(
            delivery_id=row.id,
            app_id=row.app_id,
            app_name=row.app_name,
            msg_id=row.msg_id,
            endpoint_id=row.endpoint_id,
            endpoint_url=row.endpoint_url,
            event_type=row.event_type,
            attempt_count=row.attempt_count,
            msg_created_at=row.msg_created_at,
            failed_at=row.updated_at,
        )


@dataclass(frozen=True, slots=True)
class FailedEndpointRow:
    """An endpoint and how many of its deliveries failed for good (under some filter)."""

    app_id: str
    app_name: str
    endpoint_id: str
    endpoint_url: str
    failed: int

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> FailedEndpointRow:
        return cls(
            app_id=row.app_id,
            app_name=row.app_name,
            endpoint_id=row.endpoint_id,
            endpoint_url=row.endpoint_url,
            failed=int(row.failed),
        )


@dataclass(frozen=True, slots=True)
class BackgroundTaskRow:
    """A long operation (Svix's background task): what it is, how it stands, its result."""

    id: str
    task: str  # Svix's BackgroundTaskType, e.g. "endpoint.recover"
    status: str  # "running", "finished" or "failed"
    app_id: str | None
    data: dict[str, Any]
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: sa.Row[Any] | Mapping[str, Any]) -> BackgroundTaskRow:
        m = _mapping(row)
        return cls(
            id=m["id"],
            task=m["task"],
            status=m["status"],
            app_id=m["app_id"],
            data=dict(m["data"] or {}),
            created_at=m["created_at"],
            updated_at=m["updated_at"],
        )
