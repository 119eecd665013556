"""The event type catalogue: create, replace, change, archive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hookline.operations.context import OperationContext
from hookline.operations.partial import UNSET, Unset, all_fields, given_fields
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


async def create_event_type(
    ctx: OperationContext, name: str, given: EventTypeInput
) -> EventTypeRow:
    return await ctx.db.event_types.create(name, all_fields(given))


async def replace_event_type(
    ctx: OperationContext, name: str, given: EventTypeInput
) -> tuple[EventTypeRow, bool]:
    """Replace every setting, or create it; True if it was created."""
    return await ctx.db.event_types.upsert(name, all_fields(given))


async def update_event_type(
    ctx: OperationContext, name: str, given: EventTypeInput
) -> EventTypeRow:
    """Change the given settings only; None clears a flag (False) or the description."""
    changes = given_fields(given)
    for flag in ("archived", "deprecated"):
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
