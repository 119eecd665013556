"""Bodies of /api/v1/operational-webhook/endpoint: Svix's OperationalWebhookEndpointIn,
…UpsertIn, …Out, …HeadersIn/Out and …SecretIn/Out. `filterTypes` (Svix's API) and
`eventTypes` (the svix 2.9 SDK's name for it) are the same field."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AliasChoices, Field, StrictBool, field_validator

from hookline.api.models import (
    MAX_ENDPOINT_HEADERS,
    ApiModel,
    Description,
    Headers,
    Metadata,
    OutModel,
    Secret,
    ThrottleRate,
    Uid,
    Url,
    acceptable_headers,
)
from hookline.operational import OPERATIONAL_EVENT_TYPES

OperationalEventType = Literal[OPERATIONAL_EVENT_TYPES]  # type: ignore[valid-type]

_FILTER_TYPES = Field(
    default=None,
    validation_alias=AliasChoices("filterTypes", "eventTypes", "filter_types", "event_types"),
    max_length=len(OPERATIONAL_EVENT_TYPES),
)


class OperationalWebhookEndpointUpsertIn(ApiModel):
    url: Url
    description: Description | None = None
    uid: Uid | None = None
    disabled: StrictBool | None = None
    # Which of Hookline's operational events the endpoint receives; absent or empty: all.
    filter_types: list[OperationalEventType] | None = _FILTER_TYPES
    throttle_rate: ThrottleRate | None = None
    metadata: Metadata | None = None


class OperationalWebhookEndpointIn(OperationalWebhookEndpointUpsertIn):
    secret: Secret | None = None
    headers: Headers | None = Field(default=None, max_length=MAX_ENDPOINT_HEADERS)

    @field_validator("headers")
    @classmethod
    def _acceptable_headers(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return acceptable_headers(value)


class OperationalWebhookEndpointOut(OutModel):
    id: str
    uid: str | None = None
    url: str
    description: str
    disabled: bool
    filter_types: list[str] | None = None
    event_types: list[str] | None = None  # the same, as the svix 2.9 SDK reads it
    throttle_rate: int | None = None
    metadata: dict[str, str]
    created_at: datetime
    updated_at: datetime
