"""Domain vocabulary shared by the store, the API and the worker. Imports nothing of Hookline."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class DeliveryStatus(enum.IntEnum):
    """Values match Svix's `MessageStatus`, so they appear unchanged in the API."""

    SUCCESS = 0
    PENDING = 1
    FAIL = 2
    SENDING = 3
    CANCELED = 4

    @property
    def text(self) -> str:
        return self.name.lower()


class TriggerType(enum.IntEnum):
    SCHEDULED = 0
    MANUAL = 1


class FailureKind(enum.StrEnum):
    """Why an attempt failed; stored with the attempt and shown in the API."""

    HTTP_STATUS = "http_status"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    TLS = "tls"
    BLOCKED_ADDRESS = "blocked_address"
    INVALID_URL = "invalid_url"
    ERROR = "error"
    # The message's payload was removed (expunged, or past retention) before it could be
    # sent: nothing was sent, and the delivery fails for good instead of sending an empty body.
    EXPUNGED = "expunged"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one HTTP attempt, whatever happened."""

    succeeded: bool
    status_code: int  # 0 when no HTTP response was received
    response_body: str
    duration_ms: int
    failure_kind: FailureKind | None = None
    retry_after: float | None = None
    # False when trying again cannot help (the payload is gone): the delivery fails for good.
    retryable: bool = True
    # The headers sent and received, as `(name, value)` pairs with secrets redacted
    # (hookline.recorded_headers); None when nothing was sent, or no answer came.
    request_headers: tuple[tuple[str, str], ...] | None = None
    response_headers: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True, slots=True)
class EndpointTls:
    """An endpoint's own TLS settings (PEM text): a client certificate and key to present, and
    CA certificates to trust instead of the system store. The key is plaintext here (opened by
    the store), so never log this object."""

    client_cert: str | None = None
    client_key: str | None = field(default=None, repr=False)
    ca_cert: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    """Everything the worker needs to send one delivery, as claimed from the store."""

    delivery_id: int
    app_id: str
    msg_id: str
    endpoint_id: str
    url: str
    secrets: tuple[str, ...] = field(repr=False)  # plaintext: keep them out of logs
    headers: dict[str, str]
    payload: bytes
    attempt_count: int
    trigger: TriggerType
    # Throttled endpoints: the earliest time (ms) this may be sent, to keep to the rate.
    not_before_ms: int | None = None
    # The endpoint's TLS settings; None: the defaults (system trust store, no client cert).
    tls: EndpointTls | None = None
    # The publish's W3C `traceparent` (observability.tracing), if it was traced.
    trace_context: str | None = None
    # The message's event type's own retry schedule (seconds); None: the server's.
    retry_schedule: tuple[float, ...] | None = None
    # A relay endpoint (`hookline listen`): sent through the listener's WebSocket, not dialled.
    relay: bool = False
    event_type: str = ""


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """What the worker reports back after sending one `DeliveryJob`."""

    job: DeliveryJob
    attempt_id: str
    started_at_ms: int
    outcome: Outcome
    # None when the delivery is finished (delivered or out of retries).
    next_attempt_at_ms: int | None


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """How the workers judge an endpoint's health (see docs/delivery.md)."""

    breaker_threshold: int  # consecutive failed attempts that open the circuit
    breaker_cooldown_ms: int  # first wait before a probe; doubles after each failed probe
    breaker_max_cooldown_ms: int
    disable_after_ms: int  # failing without a success this long disables the endpoint
    drain_per_second: float  # parked deliveries released per second when a circuit closes


@dataclass(frozen=True, slots=True)
class EndpointEvent:
    """A change of an endpoint's state that operators hear about."""

    kind: str  # "disabled"
    app_id: str
    endpoint_id: str
    reason: str
    failing_since_ms: int | None
