"""Request and response bodies, in the field names and shapes of Svix's API.

Field names are camelCase on the wire (`eventTypes`), snake_case in Python. Where Svix renamed
a field over time, the old name is accepted too (`filterTypes` for `eventTypes`).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.alias_generators import to_camel

from hookline import endpoint_headers, ids
from hookline.api.json_body import Underflow
from hookline.api.schema_constraints import (
    CERTIFICATE_PEM_PATTERN,
    CLIENT_CERT_WITH_KEY,
    DOCUMENTED_HEADER_NAMES,
    INT64_MIN,
    JSON_OBJECT,
    JSON_SCHEMAS_BY_VERSION,
    NO_NUL,
    PRIVATE_KEY_PEM_PATTERN,
    SCHEME_MATCHES_SECRET,
    SECRET_PATTERN,
    UINT64_MAX,
    URL_PATTERN,
    Documented,
    KeysConstrained,
)
from hookline.endpoint_headers import header_problems

KEY_PATTERN = r"^[a-zA-Z0-9\-_.]+$"
Key = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=KEY_PATTERN)]


def _not_id_shaped(value: str) -> str:
    # A chosen key that looks like an id could be taken for another object's id.
    if ids.looks_like_id(value):
        raise ValueError(
            "must not have the shape of a Hookline id (a prefix such as app_, ep_ or msg_ "
            "followed by 22 letters and digits): ids are assigned by Hookline"
        )
    return value


# A key the caller chooses for an object (application or endpoint uid, message eventId).
Uid = Annotated[Key, AfterValidator(_not_id_shaped)]
EventTypeName = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=KEY_PATTERN)]
Channel = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[a-zA-Z0-9\-_.:#]+$")
]
# Free text. NUL characters are refused by check_json (PostgreSQL's text cannot hold them);
# the pattern only tells the OpenAPI document, so the refusal keeps its clear message.
Text = Annotated[str, Documented({"pattern": NO_NUL})]
Name = Annotated[Text, StringConstraints(min_length=1, max_length=256)]
Description = Annotated[Text, StringConstraints(max_length=4096)]
# The scheme is checked with the address (endpoint_input.checked_url), after a DNS lookup.
Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2048),
    Documented({"pattern": URL_PATTERN, "format": "uri"}),
]
Metadata = Annotated[
    dict[
        Annotated[Text, StringConstraints(max_length=256)],
        Annotated[Text, StringConstraints(max_length=4096)],
    ],
    KeysConstrained(),
]


def _refuse_bool(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would read true as 1; JSON Schema does not
        raise ValueError("must be an integer, not a boolean")
    return value


# An integer that is not a boolean: pydantic would read true as 1; JSON Schema does not.
# Written after the bounds (`Annotated[int, Field(ge=…), NOT_BOOL]`): bounds applied on top of a
# before-validator reach the document as `ge`/`le`, which JSON Schema does not know (so they
# would say nothing), instead of `minimum`/`maximum`.
NOT_BOOL = BeforeValidator(_refuse_bool)
# A retry schedule of an event type: at most 20 retries, each at most a week after the last.
MAX_RETRIES = 20
MAX_RETRY_DELAY_SECONDS = 7 * 24 * 3600
ThrottleRate = Annotated[int, Field(ge=0, le=65535), NOT_BOOL]  # a uint16 in Svix's API
# What orjson can write, and so what check_json lets in: a signed or unsigned 64-bit integer.
Int64 = Annotated[int, Field(ge=INT64_MIN, le=UINT64_MAX), NOT_BOOL]
# A signing secret given by the caller (signing.normalize_secret decides; this documents it).
Secret = Annotated[str, Documented({"pattern": SECRET_PATTERN})]
# JSON objects stored as given: the recursive schemas say what check_json refuses inside them.
Payload = Annotated[dict[str, Any], WithJsonSchema(JSON_OBJECT, mode="validation")]
JsonSchemas = Annotated[dict[str, Any], WithJsonSchema(JSON_SCHEMAS_BY_VERSION, mode="validation")]
# A date and optionally a time, as the SDK writes datetimes (`2024-01-31T12:00:00+00:00`).
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt ]|$)")


def _iso_only(value: Any) -> Any:
    # Pydantic also reads numbers (and numeric strings) as seconds or milliseconds since the
    # epoch, guessing which by size: `after=-1.4e-45` would be a time. Only ISO 8601 is taken.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be an ISO 8601 date-time, such as 2024-01-31T12:00:00Z")
    return value


IsoDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_only),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
# orjson refuses to write 255 levels of nesting, and a message's payload sits a few levels down
# in a list answer: anything deeper than this could be stored but never answered.
MAX_JSON_DEPTH = 128


def check_json(value: Any, allow_nul: bool = False, depth: int = 1) -> Any:
    """Refuse what cannot be stored and answered faithfully: NaN and Infinity (not JSON; orjson
    would write them as null), lone surrogates and integers beyond 64 bits (orjson cannot write
    them), NUL characters (PostgreSQL's text and jsonb refuse them), numbers too small for a
    double (`1e-400`, which would read as 0; see json_body) and nesting deeper than
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
    elif kind is Underflow:
        raise ValueError(f"{value.literal} is too small for a 64-bit float (it would read as 0)")
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


class OutModel(ApiModel):
    """A response body. The document says every field is present and no other is (what
    serialize.py writes); schema conformance tests hold the answers to it."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


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


class ApplicationOut(OutModel):
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
    description: Description
    archived: StrictBool | None = None
    deprecated: StrictBool | None = None
    schemas: JsonSchemas | None = None
    group_name: Name | None = None
    feature_flags: list[Name] | None = None
    # Hookline extension: payloads must match the current schema (`validate`; the Python
    # name keeps clear of pydantic's own `validate`).
    validate_payloads: StrictBool | None = Field(default=None, alias="validate")


class EventTypeUpsertIn(ApiModel):
    description: Description
    archived: StrictBool | None = None
    deprecated: StrictBool | None = None
    schemas: JsonSchemas | None = None
    group_name: Name | None = None
    feature_flags: list[Name] | None = None
    # Hookline extension: payloads must match the current schema (`validate`; the Python
    # name keeps clear of pydantic's own `validate`).
    validate_payloads: StrictBool | None = Field(default=None, alias="validate")


class EventTypePatch(ApiModel):
    description: Description | None = None
    archived: StrictBool | None = None
    deprecated: StrictBool | None = None
    schemas: JsonSchemas | None = None
    group_name: Name | None = None
    feature_flags: list[Name] | None = None
    # Hookline extension: payloads must match the current schema (`validate`; the Python
    # name keeps clear of pydantic's own `validate`).
    validate_payloads: StrictBool | None = Field(default=None, alias="validate")


class EventTypeOut(OutModel):
    name: str
    description: str
    archived: bool
    deprecated: bool
    schemas: dict[str, Any] | None = None
    group_name: str | None = None
    feature_flags: list[str] | None = None
    created_at: datetime
    updated_at: datetime
    validate_payloads: bool = Field(default=False, alias="validate")


def _whole_number(value: Any) -> Any:
    """`5.0` is the integer 5 in JSON Schema (and so in the document); `5.5` and `"5"` stay
    refused by StrictInt."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


RetryDelay = Annotated[
    StrictInt, Field(ge=0, le=MAX_RETRY_DELAY_SECONDS), BeforeValidator(_whole_number)
]


class RetryScheduleIn(ApiModel):
    """Svix's RetryScheduleInOut: seconds to wait before each retry of a message of the event
    type (the first attempt is immediate); `null`: the server's HOOKLINE_RETRY_SCHEDULE."""

    retry_schedule: list[RetryDelay] | None = Field(default=None, max_length=MAX_RETRIES)


class RetryScheduleOut(OutModel):
    retry_schedule: list[int] | None


# Endpoints

_EVENT_TYPES = Field(
    default=None,
    validation_alias=AliasChoices("eventTypes", "filterTypes", "event_types", "filter_types"),
    max_length=1000,
)
_CHANNELS = Field(default=None, max_length=10)


# Custom headers an endpoint may add to its deliveries; what they may be is decided in
# hookline/endpoint_headers.py (names, values, and the headers Hookline or HTTP itself owns).
MAX_ENDPOINT_HEADERS = endpoint_headers.MAX_HEADERS
# Documented only (Documented validates nothing): endpoint_headers.header_problems decides, with
# messages that name the header and the rule.
HeaderName = Annotated[
    str,
    Documented(
        {
            "pattern": r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$",
            "not": {"pattern": DOCUMENTED_HEADER_NAMES(endpoint_headers.RESERVED)},
        }
    ),
]
HeaderValue = Annotated[
    str,
    Documented({"pattern": r"^(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?$", "maxLength": 4096}),
]
Headers = Annotated[dict[HeaderName, HeaderValue], KeysConstrained()]
# PEM text: a certificate chain or a key is a few KiB; this leaves room for long chains.
Pem = Annotated[str, StringConstraints(min_length=1, max_length=65536)]
CertificatePem = Annotated[Pem, Documented({"pattern": CERTIFICATE_PEM_PATTERN})]
PrivateKeyPem = Annotated[Pem, Documented({"pattern": PRIVATE_KEY_PEM_PATTERN})]


class EndpointTlsIn(ApiModel):
    """Hookline extension: TLS settings of one endpoint (all PEM). `clientCert` and `clientKey`
    are presented to the receiver (mutual TLS); `caCert` is trusted instead of the system store
    for this endpoint only (pinning a private CA)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=CLIENT_CERT_WITH_KEY)

    client_cert: CertificatePem | None = None
    client_key: PrivateKeyPem | None = None
    ca_cert: CertificatePem | None = None


class EndpointTlsOut(OutModel):
    client_cert: str | None = None
    ca_cert: str | None = None
    has_client_key: bool  # the key itself is never returned


class EndpointFields(ApiModel):
    description: Description | None = None
    uid: Uid | None = None
    disabled: StrictBool | None = None
    event_types: list[EventTypeName] | None = _EVENT_TYPES
    channels: list[Channel] | None = _CHANNELS
    throttle_rate: ThrottleRate | None = None
    metadata: Metadata | None = None
    headers: Headers | None = Field(default=None, max_length=MAX_ENDPOINT_HEADERS)
    version: Int64 | None = None  # accepted for older SDKs, ignored
    # Hookline extension: mutual TLS and a CA of the endpoint's own (null removes them).
    tls: EndpointTlsIn | None = None
    # Hookline extension: deliver one message at a time, in publish order.
    fifo: StrictBool | None = None
    # Hookline extension: messages published while the endpoint is disabled are kept and sent
    # once it is enabled again; null: the server's HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS.
    keep_messages_while_disabled: StrictBool | None = None

    @field_validator("headers")
    @classmethod
    def _acceptable_headers(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return acceptable_headers(value)


def acceptable_headers(value: dict[str, str] | None) -> dict[str, str] | None:
    if value and (problems := header_problems(value)):
        raise ValueError("; ".join(problems))
    return value


class EndpointHeadersIn(ApiModel):
    """Svix's EndpointHeadersIn: every custom header (those not given are removed)."""

    headers: Headers = Field(max_length=MAX_ENDPOINT_HEADERS)

    @field_validator("headers")
    @classmethod
    def _acceptable_headers(cls, value: dict[str, str]) -> dict[str, str] | None:
        return acceptable_headers(value)


class EndpointHeadersPatchIn(ApiModel):
    """Svix's EndpointHeadersPatchIn: headers added or replaced, and `deleteHeaders` removed
    (names regardless of case). At most 20 headers once patched."""

    headers: Headers = Field(max_length=MAX_ENDPOINT_HEADERS)
    # (NUL is refused by check_json, as in every string; the document says so.)
    delete_headers: (
        list[Annotated[str, StringConstraints(max_length=256), Documented({"pattern": NO_NUL})]]
        | None
    ) = Field(default=None, max_length=100)

    @field_validator("headers")
    @classmethod
    def _acceptable_headers(cls, value: dict[str, str]) -> dict[str, str] | None:
        return acceptable_headers(value)


class EndpointHeadersOut(OutModel):
    """Svix's EndpointHeadersOut: the headers whose values may be shown, and the names of the
    sensitive ones (Authorization and the like), whose values never leave Hookline."""

    headers: dict[str, str]
    sensitive: list[str]


class EndpointIn(EndpointFields):
    model_config = ConfigDict(json_schema_extra=SCHEME_MATCHES_SECRET)

    url: Url
    secret: Secret | None = None
    # Hookline extension: "ed25519" generates an Ed25519 key (v1a signatures) instead of a
    # whsec_ secret. A `secret` given as whsk_… selects Ed25519 by itself.
    signature_scheme: Literal["hmac-sha256", "ed25519"] | None = None


class EndpointUpdate(EndpointFields):
    url: Url


class EndpointPatch(EndpointFields):
    url: Url = None  # type: ignore[assignment]  # may be left out, never null


class EndpointHealthOut(OutModel):
    """How deliveries to the endpoint are going (a Hookline extension)."""

    circuit: str  # "closed", "open" (deliveries wait) or "probing" (one probe may go)
    circuit_until: datetime | None = None
    failure_streak: int
    failing_since: datetime | None = None


class EndpointOut(OutModel):
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
    keep_messages_while_disabled: bool | None = None
    disabled_reason: str | None = None
    health: EndpointHealthOut | None = None
    tls: EndpointTlsOut | None = None
    # "relay": created by `hookline listen`, delivered through the listener's WebSocket.
    kind: Literal["http", "relay"] = "http"


class EndpointSecretOut(OutModel):
    key: str


# Messages


# Fields of Svix's MessageIn that belong to features Hookline does not have: a value is
# refused, never stored and then ignored. Svix's SDK leaves out the fields it was not given.
_NOT_SUPPORTED = {
    "transformations_params": "transformations are not supported",
}


def _refused(field: str) -> WithJsonSchema:
    """The schema of a field that is refused unless it asks for nothing (null)."""
    why = _NOT_SUPPORTED[field]
    return WithJsonSchema({"type": "null", "description": f"Refused unless null: {why}."})


# A message tag, as Svix spells them (the same characters as a channel, and `/`).
TAG_PATTERN = r"^[a-zA-Z0-9\-_./:#]+$"
MAX_TAGS = 5
Tag = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=TAG_PATTERN)]


def _distinct(values: list[str] | None) -> list[str] | None:
    # Svix's tags are a set: a repeated tag says nothing more, and is kept once.
    return list(dict.fromkeys(values)) if values else None


class MessageIn(ApiModel):
    event_type: EventTypeName
    payload: Payload
    event_id: Uid | None = None
    channels: list[Channel] | None = Field(default=None, max_length=10)
    application: ApplicationIn | None = None
    # At most 5, each kept once; the `tag` filters of message and attempt lists find them.
    tags: Annotated[list[Tag] | None, AfterValidator(_distinct)] = Field(
        default=None, max_length=MAX_TAGS
    )
    # When to deliver: a time in the future, at most HOOKLINE_RETENTION_DAYS away (checked by
    # operations.messages, which knows the setting). Without an offset: UTC.
    deliver_at: IsoDateTime | None = None
    transformations_params: Annotated[Any, _refused("transformations_params")] = None
    # How long to keep this message's payload, in days or hours (one of them): shorter than
    # HOOKLINE_RETENTION_DAYS, never longer (checked by operations.messages).
    payload_retention_period: Annotated[int, Field(ge=1, le=36_500), NOT_BOOL] | None = None
    payload_retention_hours: Annotated[int, Field(ge=1, le=876_000), NOT_BOOL] | None = None

    @field_validator(*_NOT_SUPPORTED)
    @classmethod
    def _not_supported(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None:
            raise ValueError(_NOT_SUPPORTED[info.field_name or ""])
        return None


class MessagePrecheckIn(ApiModel):
    """Svix's MessagePrecheckIn: would a message of this type and these channels reach any
    enabled endpoint?"""

    event_type: EventTypeName
    channels: list[Channel] | None = Field(default=None, max_length=10)


class MessagePrecheckOut(OutModel):
    active: bool


class EventExampleIn(ApiModel):
    """Svix's EventExampleIn: what `send-example` sends."""

    event_type: EventTypeName
    # Which of the schema's `examples`; default the first.
    example_index: Annotated[int, Field(ge=0, le=10_000), NOT_BOOL] | None = None
    payload: Payload | None = None  # sent instead of an example


class MessageOut(OutModel):
    id: str
    event_type: str
    event_id: str | None = None
    payload: dict[str, Any]
    channels: list[str] | None = None
    tags: list[str] | None = None
    timestamp: datetime
    deliver_at: datetime | None = None  # when the message was scheduled for, if it was


def _not_required(*names: str) -> Callable[[dict[str, Any]], None]:
    """For a model's `json_schema_extra`: fields that an answer may leave out (OutModel makes
    every field required otherwise)."""

    def update(schema: dict[str, Any]) -> None:
        schema["required"] = [name for name in schema.get("required", []) if name not in names]

    return update


class MessageAttemptOut(OutModel):
    model_config = ConfigDict(json_schema_extra=_not_required("msg"))

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
    # Only with `with_msg=true` (the attempts of an endpoint): the message, without its payload.
    msg: MessageOut | None = None


Item = TypeVar("Item", bound=BaseModel)


class ListResponse(ApiModel, Generic[Item]):
    data: list[Item]
    iterator: str | None
    prev_iterator: str | None = None
    done: bool


# Endpoint secrets and application tokens


class EndpointSecretRotateIn(ApiModel):
    key: Secret | None = None  # the new secret; generated (of the endpoint's scheme) if absent
    # How long the outgoing secret keeps signing: 0 (at once) to 7 days; default 24 hours.
    grace_period_seconds: Annotated[int, Field(ge=0, le=7 * 24 * 3600), NOT_BOOL] | None = None


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
    read_only: StrictBool | None = None
    # Every token may at least read (ViewBase); the route refuses a list without it.
    capabilities: (
        Annotated[list[AppPortalCapability], Documented({"contains": {"const": "ViewBase"}})] | None
    ) = Field(default=None, max_length=16)
    feature_flags: list[Name] | None = None  # accepted for the SDK; Hookline has none
    # Seconds: 1 hour to 7 days (as Svix); default 7 days.
    expiry: Annotated[int, Field(ge=3600, le=7 * 24 * 3600), NOT_BOOL] | None = None
    session_id: Key | None = None
    # A Hookline extension: a token that may only read this polling endpoint (an endpoint id
    # or uid of the application) and its consumers; its `url` is the poller's address.
    polling_endpoint: Key | None = None


class AppPortalAccessOut(OutModel):
    url: str
    token: str


class ApplicationTokenExpireIn(ApiModel):
    # Seconds from now.
    expiry: Annotated[int, Field(ge=0, le=7 * 24 * 3600), NOT_BOOL] | None = None
    session_ids: list[Key] | None = Field(default=None, max_length=100)


# Delivery control: recovering an endpoint, and deliveries listed with their state


class RecoverIn(ApiModel):
    since: IsoDateTime
    until: IsoDateTime | None = None


class RecoverOut(OutModel):
    """Svix's RecoverOut (a background task's summary), plus Hookline's `data`."""

    id: str
    status: Literal["running", "finished", "failed"]
    task: Literal["endpoint.recover"]
    updated_at: datetime
    data: dict[str, int]


class ReplayIn(ApiModel):
    since: IsoDateTime
    until: IsoDateTime | None = None


class ReplayOut(OutModel):
    """Svix's ReplayOut (a background task's summary), plus Hookline's `data`."""

    id: str
    status: Literal["running", "finished", "failed"]
    task: Literal["endpoint.replay"]
    updated_at: datetime
    data: dict[str, int]


class StatusCodeClass(enum.IntEnum):
    """Svix's StatusCodeClass: 0 is "no HTTP response" (timeout, connection or TLS error,
    blocked address); the others the hundred of the response's status code."""

    NONE = 0
    CODE_1XX = 100
    CODE_2XX = 200
    CODE_3XX = 300
    CODE_4XX = 400
    CODE_5XX = 500


class MessageEndpointOut(OutModel):
    id: str
    uid: str | None = None
    url: str
    description: str
    disabled: StrictBool | None = None
    event_types: list[str] | None = None
    filter_types: list[str] | None = None
    channels: list[str] | None = None
    throttle_rate: int | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    status: int
    status_text: str
    next_attempt: datetime | None = None


class EndpointMessageOut(MessageOut):
    status: int
    status_text: str
    next_attempt: datetime | None = None


class EmptyOut(OutModel):
    """An acknowledgement without content (`{}`)."""


# Errors (Svix's shapes)


class HttpErrorOut(OutModel):
    code: str
    detail: str


class ValidationError(OutModel):
    loc: list[str | int]
    msg: str
    type: str


class HttpValidationError(OutModel):
    code: Literal["validation"]
    detail: list[ValidationError]
