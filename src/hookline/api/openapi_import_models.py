"""Bodies of `POST /api/v1/event-type/import/openapi` (Svix's EventTypeImportOpenApiIn and
EventTypeImportOpenApiOut, plus Hookline's `archived`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool

from hookline.api.models import ApiModel, OutModel

MAX_SPEC_RAW = 5_000_000  # characters; the body limit (HOOKLINE_MAX_PAYLOAD_BYTES) also holds


class EventTypeImportOpenApiIn(ApiModel):
    """An OpenAPI document, as `spec` (parsed) or `specRaw` (JSON or YAML text): one of them."""

    dry_run: StrictBool | None = None
    replace_all: StrictBool | None = None
    spec: dict[str, Any] | None = None
    spec_raw: str | None = Field(default=None, max_length=MAX_SPEC_RAW)


class EventTypeFromOpenApi(OutModel):
    name: str
    description: str
    schemas: dict[str, Any] | None = None
    deprecated: bool
    group_name: str | None = None
    feature_flags: list[str] | None = None


class EventTypeImportOpenApiOutData(OutModel):
    """`modified`: the event types created or replaced (none on a dry run); `to_modify`: the
    event types the document holds; `archived` (Hookline's): those `replaceAll` archived."""

    modified: list[str]
    to_modify: list[EventTypeFromOpenApi] | None = Field(default=None, alias="to_modify")
    archived: list[str]


class EventTypeImportOpenApiOut(OutModel):
    data: EventTypeImportOpenApiOutData
