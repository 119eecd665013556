"""Applications (tenants): create, replace, change, delete."""

from __future__ import annotations

from dataclasses import dataclass

from hookline.operational import APP_UID as OPERATIONAL_APP_UID
from hookline.operations.context import OperationContext
from hookline.operations.partial import UNSET, Unset, all_fields, given_fields
from hookline.store import Conflict, NotFound
from hookline.store.rows import ApplicationRow


@dataclass(frozen=True, kw_only=True)
class ApplicationInput:
    """An application's settings as a caller gives them; UNSET: not given."""

    name: str | None | Unset = UNSET
    uid: str | None | Unset = UNSET
    throttle_rate: int | None | Unset = UNSET
    metadata: dict[str, str] | None | Unset = UNSET


async def create_application(
    ctx: OperationContext, given: ApplicationInput, get_if_exists: bool = False
) -> tuple[ApplicationRow, bool]:
    """Create it; with `get_if_exists`, an application that has the uid already is answered
    instead. True if it was created."""
    return await ctx.db.applications.create(all_fields(given), get_if_exists=get_if_exists)


async def _refuse_for_the_internal_application(
    ctx: OperationContext, app: str, what: str, given: ApplicationInput | None = None
) -> None:
    """The operational webhooks' internal application (uid `hookline-operational`) is found
    by its uid in every process: deleting it, or taking its uid away, would leave the
    operational-webhook endpoints pointing at nothing. Its endpoints are managed through
    /api/v1/operational-webhook/endpoint instead."""
    try:
        row = await ctx.db.applications.get(app)
    except NotFound:
        return
    if row.uid != OPERATIONAL_APP_UID:
        return
    if given is not None and given.uid in (UNSET, OPERATIONAL_APP_UID):
        return
    raise Conflict(
        f"the application {OPERATIONAL_APP_UID!r} holds the operational-webhook endpoints and "
        f"cannot be {what}; manage them through /api/v1/operational-webhook/endpoint"
    )


async def replace_application(
    ctx: OperationContext, app: str, given: ApplicationInput
) -> tuple[ApplicationRow, bool]:
    """Replace its settings, or create it with `app` as its uid; True if it was created."""
    await _refuse_for_the_internal_application(ctx, app, "given another uid", given)
    return await ctx.db.applications.upsert(app, given_fields(given))


async def update_application(
    ctx: OperationContext, app: str, given: ApplicationInput
) -> ApplicationRow:
    """Change the given settings only. A name given as None keeps the name (an application
    always has one); metadata given as None clears it."""
    await _refuse_for_the_internal_application(ctx, app, "given another uid", given)
    changes = given_fields(given)
    if changes.get("name", ...) is None:
        del changes["name"]
    if "metadata" in changes and changes["metadata"] is None:
        changes["metadata"] = {}
    return await ctx.db.applications.update(app, changes)


async def delete_application(ctx: OperationContext, app: str) -> None:
    await _refuse_for_the_internal_application(ctx, app, "deleted")
    await ctx.db.applications.delete(app)
