"""The event type catalogue: create, replace, change, archive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hookline.openapi_webhooks import ImportedEventType, SpecError, event_types_from, parse_raw
from hookline.operations.context import OperationContext
from hookline.operations.errors import InvalidInput
from hookline.operations.partial import UNSET, Unset, all_fields, given_fields
from hookline.operations.payload_validation import refuse_unusable_schemas
from hookline.store.rows import EventTypeRow


@dataclass(frozen=True, kw_only=True)
class EventTypeInput:
    """An event type's settings as a caller gives them; UNSET: not given."""

    description: str | None | Unset = UNSET
    archived: bool | None | Unset = UNSET
    deprecated: bool | None | Unset = UNSET
    # By version ("1", …), each a JSON Schema; its `examples` are what send-example sends.
    schemas: dict[str, Any] | None | Unset = UNSET
    group_name: str | None | Unset = UNSET
    feature_flags: list[str] | None | Unset = UNSET
    # Hookline's: payloads must match the current schema to be published.
    validate: bool | None | Unset = UNSET


async def create_event_type(
    ctx: OperationContext, name: str, given: EventTypeInput
) -> EventTypeRow:
    refuse_unusable_schemas(given.schemas)
    return await ctx.db.event_types.create(name, all_fields(given))


async def replace_event_type(
    ctx: OperationContext, name: str, given: EventTypeInput
) -> tuple[EventTypeRow, bool]:
    """Replace every setting, or create it; True if it was created."""
    refuse_unusable_schemas(given.schemas)
    return await ctx.db.event_types.upsert(name, all_fields(given))


async def update_event_type(
    ctx: OperationContext, name: str, given: EventTypeInput
) -> EventTypeRow:
    """Change the given settings only; None clears a flag (False) or the description."""
    refuse_unusable_schemas(given.schemas)
    changes = given_fields(given)
    for flag in ("archived", "deprecated", "validate"):
        if flag in changes and changes[flag] is None:
            changes[flag] = False
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    return await ctx.db.event_types.patch(name, changes)


async def archive_event_type(ctx: OperationContext, name: str, expunge: bool = False) -> None:
    """Archive it (endpoints keep their filters); `expunge` removes it for good."""
    await ctx.db.event_types.archive(name, expunge=expunge)


async def event_type_retry_schedule(ctx: OperationContext, name: str) -> tuple[float, ...] | None:
    """The seconds between attempts for this type's messages; None: the server's schedule
    (HOOKLINE_RETRY_SCHEDULE)."""
    return (await ctx.db.event_types.get(name)).retry_schedule


async def set_event_type_retry_schedule(
    ctx: OperationContext, name: str, schedule: Sequence[float] | None
) -> tuple[float, ...] | None:
    """Give this type's messages their own retry schedule (None: back to the server's). It
    applies to every retry scheduled from now on, of messages already published too."""
    return (await ctx.db.event_types.set_retry_schedule(name, schedule)).retry_schedule


@dataclass(frozen=True)
class OpenApiImport:
    """What an import found in the document, and (unless a dry run) what it changed."""

    event_types: list[ImportedEventType]
    modified: list[str]
    archived: list[str]


async def import_openapi(
    ctx: OperationContext,
    spec: dict[str, Any] | None,
    spec_raw: str | None,
    dry_run: bool = False,
    replace_all: bool = False,
) -> OpenApiImport:
    """Create or replace an event type per webhook of an OpenAPI document (see
    openapi_webhooks), given parsed (`spec`) or as JSON or YAML text (`spec_raw`), one of
    the two; `replace_all` archives the event types the document does not have; `dry_run`
    changes nothing and says what would be imported."""
    if (spec is None) == (spec_raw is None):
        raise InvalidInput("give the document as either spec or specRaw (one of them)", "spec")
    try:
        document = spec if spec is not None else parse_raw(spec_raw or "")
        found = event_types_from(document, "spec" if spec is not None else "specRaw")
    except SpecError as exc:
        raise InvalidInput(exc.detail, exc.field) from exc
    for imported in found:
        try:
            refuse_unusable_schemas(imported.schemas)
        except InvalidInput as exc:
            raise InvalidInput(f"webhook {imported.name!r}: {exc.detail}", "spec") from exc
    if dry_run:
        return OpenApiImport(found, [], [])
    archived = await ctx.db.event_types.import_catalog(
        {
            e.name: {
                "description": e.description,
                "deprecated": e.deprecated,
                "schemas": e.schemas,
                "group_name": e.group_name,
                "feature_flags": e.feature_flags,
            }
            for e in found
        },
        replace_all,
    )
    return OpenApiImport(found, [e.name for e in found], archived)
