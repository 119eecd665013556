"""Request and response bodies, in the field names and shapes of Svix's API.

Field names are camelCase on the wire (`eventTypes`), snake_case in Python. Where Svix renamed
a field over time, the old name is accepted too (`filterTypes` for `eventTypes`).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from hookline.endpoint_headers import header_problems

KEY_PATTERN = r"^[a-zA-Z0-9\-_.]+$"
Uid = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=KEY_PATTERN)]
EventTypeName = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=KEY_PATTERN)]
Channel = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[a-zA-Z0-9\-_.:#]+$")
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
Metadata = dict[
    Annotated[str, StringConstraints(max_length=256)],
    Annotated[str, StringConstraints(max_length=4096)],
]
ThrottleRate = Annotated[int, Field(ge=0, le=65535)]  # a uint16 in Svix's API
# orjson refuses to write 255 levels of nesting, and a message's payload sits a few levels down
# in a list answer: anything deeper than this could be stored but never answered.
MAX_JSON_DEPTH = 128


def check_json(value: Any, allow_nul: bool = False, depth: int = 1) -> Any:
    """Refuse what cannot be stored and answered faithfully: NaN and Infinity (not JSON; orjson
    would write them as null), lone surrogates and integers beyond 64 bits (orjson cannot write
    them), NUL characters (PostgreSQL's text and jsonb refuse them) and nesting deeper than
    MAX_JSON_DEPTH. Exact type checks: the input comes straight from the JSON parser."""
    kind = type(value)
    if kind is str:
        if not allow_nul and "\x00" in value:
            raise ValueError("must not contain NUL (\\u0000) characters")
        if not value.isascii():
            try:
                value.encode()
            except UnicodeEncodeError:
                raise ValueError("must not contain unpaired surrogates (\\ud800-\\udfff)") from None
    elif kind is dict or kind is list:
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"must not be nested deeper than {MAX_JSON_DEPTH} levels")
        if kind is dict:
            for key, item in value.items():
                check_json(key, allow_nul, depth)
                check_json(item, allow_nul, depth + 1)
        else:
            for item in value:
                check_json(item, allow_nul, depth + 1)
    elif kind is int:
        if not -(2**63) <= value < 2**64:
            raise ValueError("integers must fit in 64 bits")
    elif kind is float and not math.isfinite(value):
        raise ValueError("NaN and Infinity are not JSON numbers")
    return value


class ApiModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", str_strip_whitespace=False
    )

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        # A message payload is stored as bytes, where NUL characters are harmless.
        return check_json(value, allow_nul=info.field_name == "payload")


# Applications


class ApplicationIn(ApiModel):
    name: Name
    uid: Uid | None = None
    throttle_rate: ThrottleRate | None = None
    metadata: Metadata | None = None


class ApplicationPatch(ApiModel):
    name: Name | None = None
    uid: Uid | None = None
    throttle_rate: ThrottleRate | None = None
    metadata: Metadata | None = None


class ApplicationOut(ApiModel):
    id: str
    uid: str | None = None
    name: str
    throttle_rate: int | None = None
    metadata: dict[str, str]
    created_at: datetime
    updated_at: datetime


# Event types


class EventTypeIn(ApiModel):
    name: EventTypeName
    description: Annotated[str, StringConstraints(max_length=4096)]
    archived: bool | None = None
    deprecated: bool | None = None
    schemas: dict[str, Any] | None = None
    group_name: Name | None = None
    feature_flags: list[Name] | None = None


class EventTypeUpsertIn(ApiModel):
    description: Annotated[str, StringConstraints(max_length=4096)]
    archived: bool | None = None
    deprecated: bool | None = None
    schemas: dict[str, Any] | None = None
    group_name: Name | None = None
    feature_flags: list[Name] | None = None


class EventTypePatch(ApiModel):
    description: Annotated[str, StringConstraints(max_length=4096)] | None = None
    archived: bool | None = None
    deprecated: bool | None = None
    schemas: dict[str, Any] | None = None
    group_name: Name | None = None
    feature_flags: list[Name] | None = None


class EventTypeOut(ApiModel):
    name: str
    description: str
    archived: bool
    deprecated: bool
    schemas: dict[str, Any] | None = None
    group_name: str | None = None
    feature_flags: list[str] | None = None
    created_at: datetime
    updated_at: datetime


# Endpoints

_EVENT_TYPES = Field(
    default=None,
    validation_alias=AliasChoices("eventTypes", "filterTypes", "event_types", "filter_types"),
    max_length=1000,
)
_CHANNELS = Field(default=None, max_length=10)


# Custom headers an endpoint may add to its deliveries; what they may be is decided in
# hookline/endpoint_headers.py (names, values, and the headers Hookline or HTTP itself owns).
MAX_ENDPOINT_HEADERS = 20
# PEM text: a certificate chain or a key is a few KiB; this leaves room for long chains.
Pem = Annotated[str, StringConstraints(min_length=1, max_length=65536)]


class EndpointTlsIn(ApiModel):
    """Hookline extension: TLS settings of one endpoint (all PEM). `clientCert` and `clientKey`
    are presented to the receiver (mutual TLS); `caCert` is trusted instead of the system store
    for this endpoint only (pinning a private CA)."""

    model_config = ConfigDict(extra="forbid")

    client_cert: Pem | None = None
    client_key: Pem | None = None
    ca_cert: Pem | None = None


class EndpointTlsOut(ApiModel):
    client_cert: str | None = None
    ca_cert: str | None = None
    has_client_key: bool  # the key itself is never returned


class EndpointFields(ApiModel):
    description: Annotated[str, StringConstraints(max_length=4096)] | None = None
    uid: Uid | None = None
    disabled: bool | None = None
    event_types: list[EventTypeName] | None = _EVENT_TYPES
    channels: list[Channel] | None = _CHANNELS
    throttle_rate: ThrottleRate | None = None
    metadata: Metadata | None = None
    headers: dict[str, str] | None = Field(default=None, max_length=MAX_ENDPOINT_HEADERS)
    version: int | None = None  # accepted for older SDKs, ignored
    # Hookline extension: mutual TLS and a CA of the endpoint's own (null removes them).
    tls: EndpointTlsIn | None = None
    # Hookline extension: deliver one message at a time, in publish order.
    fifo: bool | None = None

    @field_validator("headers")
    @classmethod
    def _acceptable_headers(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value and (problems := header_problems(value)):
            raise ValueError("; ".join(problems))
        return value


class EndpointIn(EndpointFields):
    url: Url
    secret: str | None = None
    # Hookline extension: "ed25519" generates an Ed25519 key (v1a signatures) instead of a
    # whsec_ secret. A `secret` given as whsk_… selects Ed25519 by itself.
    signature_scheme: Literal["hmac-sha256", "ed25519"] | None = None


class EndpointUpdate(EndpointFields):
    url: Url


class EndpointPatch(EndpointFields):
    url: Url | None = None


class EndpointHealthOut(ApiModel):
    """How deliveries to the endpoint are going (a Hookline extension)."""

    circuit: str  # "closed", "open" (deliveries wait) or "probing" (one probe may go)
    circuit_until: datetime | None = None
    failure_streak: int
    failing_since: datetime | None = None


class EndpointOut(ApiModel):
    id: str
    uid: str | None = None
    url: str
    description: str
    disabled: bool
    event_types: list[str] | None = None
    filter_types: list[str] | None = None
    channels: list[str] | None = None
    throttle_rate: int | None = None
    metadata: dict[str, str]
    version: int = 1
    created_at: datetime
    updated_at: datetime
    # Hookline extensions
    fifo: bool = False
    disabled_reason: str | None = None
    health: EndpointHealthOut | None = None
    tls: EndpointTlsOut | None = None


class EndpointSecretOut(ApiModel):
    key: str


# Messages


class MessageIn(ApiModel):
    event_type: EventTypeName
    payload: dict[str, Any]
    event_id: Uid | None = None
    channels: list[Channel] | None = Field(default=None, max_length=10)
    tags: list[Channel] | None = Field(default=None, max_length=5)
    application: ApplicationIn | None = None


class MessageOut(ApiModel):
    id: str
    event_type: str
    event_id: str | None = None
    payload: dict[str, Any]
    channels: list[str] | None = None
    tags: list[str] | None = None
    timestamp: datetime


class MessageAttemptOut(ApiModel):
    id: str
    msg_id: str
    endpoint_id: str
    url: str
    response: str
    response_status_code: int
    response_duration_ms: int
    status: int
    status_text: str
    trigger_type: int
    timestamp: datetime
    failure_kind: str | None = None


class ListResponse(ApiModel):
    data: list[Any]
    iterator: str | None
    prev_iterator: str | None = None
    done: bool


# Endpoint secrets and application tokens


class EndpointSecretRotateIn(ApiModel):
    key: str | None = None  # the new secret; generated (of the endpoint's scheme) if absent
    # How long the outgoing secret keeps signing: 0 (at once) to 7 days; default 24 hours.
    grace_period_seconds: Annotated[int, Field(ge=0, le=7 * 24 * 3600)] | None = None


AppPortalCapability = Literal[
    "ViewBase",
    "ViewEndpointSecret",
    "ManageEndpointSecret",
    "ManageTransformations",
    "CreateAttempts",
    "ManageEndpoint",
]


class AppPortalAccessIn(ApiModel):
    application: ApplicationIn | None = None  # created with the path's uid if it is missing
    read_only: bool | None = None
    capabilities: list[AppPortalCapability] | None = Field(default=None, max_length=16)
    feature_flags: list[Name] | None = None  # accepted for the SDK; Hookline has none
    # Seconds: 1 hour to 7 days (as Svix); default 7 days.
    expiry: Annotated[int, Field(ge=3600, le=7 * 24 * 3600)] | None = None
    session_id: Uid | None = None


class AppPortalAccessOut(ApiModel):
    url: str
    token: str


class ApplicationTokenExpireIn(ApiModel):
    expiry: Annotated[int, Field(ge=0, le=7 * 24 * 3600)] | None = None  # seconds from now
    session_ids: list[Uid] | None = Field(default=None, max_length=100)


# Delivery control: recovering an endpoint, and deliveries listed with their state


class RecoverIn(ApiModel):
    since: datetime
    until: datetime | None = None


class RecoverOut(ApiModel):
    """Svix's RecoverOut (a background task's summary), plus Hookline's `data`."""

    id: str
    status: Literal["running", "finished", "failed"]
    task: Literal["endpoint.recover"]
    updated_at: datetime
    data: dict[str, int]


class MessageEndpointOut(ApiModel):
    id: str
    uid: str | None = None
    url: str
    description: str
    disabled: bool | None = None
    event_types: list[str] | None = None
    channels: list[str] | None = None
    throttle_rate: int | None = None
    created_at: datetime
    updated_at: datetime
    status: int
    status_text: str
    next_attempt: datetime | None = None


class EndpointMessageOut(MessageOut):
    status: int
    status_text: str
    next_attempt: datetime | None = None
    deliver_at: datetime | None = None
