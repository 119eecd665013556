"""Endpoints: create, replace, change, switch on or off, delete; the signing secret.

Each change is announced to the operator (operational webhooks): `endpoint.created`,
`endpoint.updated` (for its custom headers and a secret rotation too, as in Svix),
`endpoint.deleted`, and a user turning an endpoint off or on
(`endpoint.disabled` / `endpoint.enabled`, `trigger: manual`), whichever way they did it.
The operational-webhook endpoints' own changes are not announced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from hookline import signing
from hookline.endpoint_headers import MAX_HEADERS, patched, split_sensitive
from hookline.operations.context import OperationContext
from hookline.operations.endpoint_input import checked_url, endpoint_secret, tls_setting
from hookline.operations.errors import InvalidInput
from hookline.operations.partial import UNSET, Unset, given_fields
from hookline.store import NotFound
from hookline.store.endpoint_secrets import DEFAULT_GRACE_MS
from hookline.store.rows import EndpointRow
from hookline.types import EndpointTls

SignatureScheme = Literal["hmac-sha256", "ed25519"]
# What a PATCH's null means for the fields whose "nothing" is not null.
_CLEARED: dict[str, Any] = {"disabled": False, "description": "", "metadata": {}, "headers": {}}


@dataclass(frozen=True, kw_only=True)
class EndpointInput:
    """An endpoint's settings as a caller gives them; UNSET: not given."""

    url: str | Unset = UNSET
    uid: str | None | Unset = UNSET
    description: str | None | Unset = UNSET
    disabled: bool | None | Unset = UNSET
    event_types: list[str] | None | Unset = UNSET
    channels: list[str] | None | Unset = UNSET
    throttle_rate: int | None | Unset = UNSET
    metadata: dict[str, str] | None | Unset = UNSET
    headers: dict[str, str] | None | Unset = UNSET
    tls: EndpointTls | None | Unset = UNSET  # None (or all empty) removes them
    fifo: bool | None | Unset = UNSET
    # None: as the server's HOOKLINE_KEEP_MESSAGES_FOR_DISABLED_ENDPOINTS says.
    keep_messages_while_disabled: bool | None | Unset = UNSET


async def _checked(ctx: OperationContext, given: EndpointInput) -> dict[str, Any]:
    """The given fields, as the store takes them: the URL checked and canonical, the TLS
    settings checked."""
    fields = given_fields(given)
    if fields.get("url") is not None:
        fields["url"] = await checked_url(ctx.settings, fields["url"])
    if "tls" in fields:
        fields["tls"] = tls_setting(fields["tls"])
    return fields


async def create_endpoint(
    ctx: OperationContext,
    app: str,
    given: EndpointInput,
    secret: str | None = None,
    signature_scheme: SignatureScheme | None = None,
) -> EndpointRow:
    """`secret`: the caller's signing secret or key; without one, a new one of the scheme."""
    chosen = endpoint_secret(secret, signature_scheme)
    row = await ctx.db.endpoints.create(app, await _checked(ctx, given), chosen)
    await _announce(ctx, "endpoint.created", row)
    return row


async def replace_endpoint(
    ctx: OperationContext, app: str, endpoint: str, given: EndpointInput
) -> tuple[EndpointRow, bool]:
    """Replace every setting (TLS settings and the secret are kept unless given), or create
    the endpoint with `endpoint` as its uid; True if it was created."""
    fields = await _checked(ctx, given)
    was_disabled = await _disabled_now(ctx, app, endpoint)
    row, created = await ctx.db.endpoints.upsert(app, endpoint, fields, signing.generate_secret())
    await _announce(ctx, "endpoint.created" if created else "endpoint.updated", row)
    await _announce_switch(ctx, was_disabled, row)
    return row, created


async def update_endpoint(
    ctx: OperationContext, app: str, endpoint: str, given: EndpointInput
) -> EndpointRow:
    """Change the given settings only. None clears a setting: no description, metadata or
    headers, enabled."""
    changes = await _checked(ctx, given)
    for key, cleared in _CLEARED.items():
        if key in changes and changes[key] is None:
            changes[key] = cleared
    was_disabled = await _disabled_now(ctx, app, endpoint) if "disabled" in changes else None
    row = await ctx.db.endpoints.update(app, endpoint, changes)
    await _announce(ctx, "endpoint.updated", row)
    await _announce_switch(ctx, was_disabled, row)
    return row


async def set_endpoint_disabled(
    ctx: OperationContext, app: str, endpoint: str, disabled: bool
) -> EndpointRow:
    """Turn an endpoint off (its deliveries wait) or on again (they are sent)."""
    return await update_endpoint(ctx, app, endpoint, EndpointInput(disabled=disabled))


async def delete_endpoint(ctx: OperationContext, app: str, endpoint: str) -> None:
    row = await ctx.db.endpoints.get(app, endpoint)
    await ctx.db.endpoints.delete(row.app_id, row.id)
    await _announce(ctx, "endpoint.deleted", row)


async def _reported(ctx: OperationContext, app_id: str) -> bool:
    """Whether changes to this application's endpoints go to the operator: only if there are
    operational-webhook endpoints (their application exists), and never their own."""
    internal = await ctx.operational.application_id()
    return internal is not None and internal != app_id


async def _announce(ctx: OperationContext, kind: str, row: EndpointRow) -> None:
    """Tell the operator (operational webhooks) of a created, changed or deleted endpoint:
    Svix's payload (`appId`, `endpointId`, `endpointUid`)."""
    if not await _reported(ctx, row.app_id):
        return
    data = {"appId": row.app_id, "endpointId": row.id, "endpointUid": row.uid}
    await ctx.operational.emit(kind, data)


async def _disabled_now(ctx: OperationContext, app: str, endpoint: str) -> bool | None:
    try:
        return (await ctx.db.endpoints.get(app, endpoint)).disabled
    except NotFound:
        return None


async def _announce_switch(
    ctx: OperationContext, was_disabled: bool | None, row: EndpointRow
) -> None:
    """Tell the operator (operational webhooks) when a user turns an endpoint on or off."""
    if was_disabled is None or was_disabled == row.disabled:
        return
    if not await _reported(ctx, row.app_id):
        return
    kind = "endpoint.disabled" if row.disabled else "endpoint.enabled"
    data = {
        "appId": row.app_id,
        "endpointId": row.id,
        "endpointUid": row.uid,
        "trigger": "manual",
    }
    await ctx.operational.emit(kind, data)


async def endpoint_signing_key(ctx: OperationContext, app: str, endpoint: str) -> str:
    """What receivers verify with: the signing secret (`whsec_…`), or for Ed25519 endpoints
    the public key (`whpk_…`); the private key never leaves Hookline."""
    return signing.public_secret(await ctx.db.endpoints.secret(app, endpoint))


async def rotate_endpoint_secret(
    ctx: OperationContext,
    app: str,
    endpoint: str,
    key: str | None = None,
    grace_period_seconds: int | None = None,
) -> str:
    """Replace the signing secret with `key`, or a new one of the endpoint's scheme. The
    previous one keeps signing beside it for the grace period (default 24 hours). Returns
    what receivers now verify with (see `endpoint_signing_key`)."""
    if key is not None:
        new_secret = endpoint_secret(key)
    else:
        current = await ctx.db.endpoints.secret(app, endpoint)
        scheme = "ed25519" if signing.is_asymmetric(current) else "hmac-sha256"
        new_secret = endpoint_secret(None, scheme)
    grace = DEFAULT_GRACE_MS if grace_period_seconds is None else grace_period_seconds * 1000
    row = await ctx.db.endpoints.rotate_secret(app, endpoint, new_secret, grace)
    await _announce(ctx, "endpoint.updated", row)
    return signing.public_secret(new_secret)


async def endpoint_headers(
    ctx: OperationContext, app: str, endpoint: str
) -> tuple[dict[str, str], list[str]]:
    """The custom headers that may be shown, and the names of the sensitive ones (their
    values are sent to the endpoint, never shown)."""
    return split_sensitive((await ctx.db.endpoints.get(app, endpoint)).headers)


async def set_endpoint_headers(
    ctx: OperationContext, app: str, endpoint: str, headers: dict[str, str]
) -> None:
    """Replace every custom header."""
    row = await ctx.db.endpoints.change_headers(app, endpoint, lambda _current: dict(headers))
    await _announce(ctx, "endpoint.updated", row)


async def patch_endpoint_headers(
    ctx: OperationContext,
    app: str,
    endpoint: str,
    headers: dict[str, str],
    removed: list[str] | None = None,
) -> None:
    """Add or replace `headers`, remove `removed`; the others stay."""

    def change(current: dict[str, str]) -> dict[str, str]:
        result = patched(current, headers, removed or ())
        if len(result) > MAX_HEADERS:
            raise InvalidInput(f"an endpoint has at most {MAX_HEADERS} headers", "headers")
        return result

    row = await ctx.db.endpoints.change_headers(app, endpoint, change)
    await _announce(ctx, "endpoint.updated", row)
