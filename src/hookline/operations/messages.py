"""Messages: publishing, sending an example to one endpoint, and resending."""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson

from hookline.observability.metrics import record_published
from hookline.operations.applications import ApplicationInput
from hookline.operations.context import OperationContext
from hookline.operations.errors import InvalidInput, PublishFailed
from hookline.operations.examples import example_payload
from hookline.operations.partial import all_fields
from hookline.operations.payload_validation import check_payload
from hookline.readiness import report_failure, report_success
from hookline.routing import endpoint_accepts
from hookline.store import NotFound, StoreUnavailable
from hookline.store.errors import StoreError
from hookline.store.rows import MessageRow

log = logging.getLogger("hookline.operations")

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def deliver_at_problem(deliver_at_ms: int, now_ms: int, retention_days: float) -> str | None:
    """Why a message may not be scheduled for `deliver_at_ms`, or None if it may. Svix takes
    up to 24 hours ahead; Hookline as far as it keeps payloads (a message scheduled beyond
    that would have lost its payload when it came due)."""
    if deliver_at_ms <= now_ms:
        return "deliverAt must be in the future (leave it out to deliver now)"
    if deliver_at_ms > now_ms + retention_days * DAY_MS:
        return (
            f"deliverAt may be at most {retention_days:g} days ahead (HOOKLINE_RETENTION_DAYS: "
            "payloads are not kept longer)"
        )
    return None


def payload_keep_ms(
    period_days: int | None, hours: int | None, retention_days: float
) -> int | None:
    """How long (ms) a message asked for its payload to be kept (`payloadRetentionPeriod`
    days or `payloadRetentionHours`), or None for the server's HOOKLINE_RETENTION_DAYS.
    Raises InvalidInput for both at once, or a keep longer than the server's."""
    if period_days is not None and hours is not None:
        raise InvalidInput(
            "give payloadRetentionPeriod or payloadRetentionHours, not both",
            "payloadRetentionHours",
        )
    if period_days is None and hours is None:
        return None
    field = "payloadRetentionPeriod" if period_days is not None else "payloadRetentionHours"
    keep = (period_days or 0) * DAY_MS + (hours or 0) * HOUR_MS
    if retention_days > 0 and keep > retention_days * DAY_MS:
        raise InvalidInput(
            f"payloads are kept at most {retention_days:g} days (HOOKLINE_RETENTION_DAYS): "
            "a message may ask for a shorter keep, not a longer one",
            field,
        )
    return keep


async def publish_message(
    ctx: OperationContext,
    app: str,
    event_type: str,
    payload: Any,
    event_id: str | None = None,
    channels: list[str] | None = None,
    create_app: ApplicationInput | None = None,
    trace_context: str | None = None,
    endpoint_id: str | None = None,
    tags: list[str] | None = None,
    deliver_at_ms: int | None = None,
    payload_keep: int | None = None,
) -> MessageRow:
    """Store the message and its deliveries; when this returns, it will not be lost.
    `create_app`: the application is created with these settings if `app` names none.
    `endpoint_id`: to that endpoint only (see `send_example`). `deliver_at_ms`: no attempt
    before that time. `payload_keep`: ms to keep the payload (see `payload_keep_ms`)."""
    now = ctx.db.clock.now_ms()
    if deliver_at_ms is not None:
        problem = deliver_at_problem(deliver_at_ms, now, ctx.settings.retention_days)
        if problem:
            raise InvalidInput(problem, "deliverAt")
        if payload_keep is not None and deliver_at_ms >= now + payload_keep:
            raise InvalidInput(
                "deliverAt is after the payload's retention: it would be gone when due",
                "deliverAt",
            )
    try:
        body = orjson.dumps(payload)
    except orjson.JSONEncodeError as exc:
        raise InvalidInput(f"payload cannot be encoded as JSON: {exc}", "payload") from exc
    # Before the store: a refused payload leaves no trace. (An edit of the schema racing this
    # publish may go either way, as it would a moment earlier or later.)
    await check_payload(ctx.validators, ctx.db, event_type, payload, ctx.settings.validate_payloads)
    try:
        row = await ctx.db.messages.publish(
            app,
            event_type,
            body,
            event_id=event_id,
            channels=channels,
            create_app=all_fields(create_app) if create_app else None,
            trace_context=trace_context,
            endpoint_id=endpoint_id,
            tags=tags,
            deliver_at=deliver_at_ms,
            payload_keep_ms=payload_keep,
            keep_for_disabled=ctx.settings.keep_messages_for_disabled_endpoints,
        )
    except StoreUnavailable as exc:
        report_failure(ctx.publishes, time.monotonic(), exc, log)
        raise  # retry later
    except StoreError:
        raise  # the caller's mistake (not found, conflict, invalid key): the store works
    except Exception as exc:
        # The caller gets its error; the operator gets a line per interval and a health
        # route that says why, instead of one traceback per request.
        report_failure(ctx.publishes, time.monotonic(), exc, log, with_traceback=True)
        raise PublishFailed() from exc
    report_success(ctx.publishes, time.monotonic(), log)
    record_published(row.app_id)
    return row


async def precheck_message(
    ctx: OperationContext, app: str, event_type: str, channels: list[str] | None = None
) -> bool:
    """Whether a message of `event_type` on `channels` would reach any enabled endpoint of
    the application, by the rules publishing routes by."""
    filters = await ctx.db.endpoints.enabled_filters(app)
    return any(endpoint_accepts(types, chans, event_type, channels) for types, chans in filters)


async def send_example(
    ctx: OperationContext,
    app: str,
    endpoint: str,
    event_type: str,
    example_index: int = 0,
    payload: dict[str, Any] | None = None,
) -> MessageRow:
    """Publish a message of `event_type` to this one endpoint, whatever its filters: the
    `payload` given, or an example from the event type's schema (see examples.py)."""
    target = await ctx.db.endpoints.get(app, endpoint)
    if target.disabled:
        raise InvalidInput("the endpoint is disabled: enable it to send it an example")
    if payload is None:
        try:
            schemas = (await ctx.db.event_types.get(event_type)).schemas
        except NotFound:
            schemas = None
        payload = example_payload(schemas, example_index)
    return await publish_message(ctx, target.app_id, event_type, payload, endpoint_id=target.id)


async def resend_message(ctx: OperationContext, app: str, msg: str, endpoint: str) -> None:
    """Send the message to the endpoint once more, now (a manual attempt)."""
    await ctx.db.deliveries.resend(app, msg, endpoint)


async def resend_message_to_all(ctx: OperationContext, app: str, msg: str) -> int:
    """Send the message once more, now, to every endpoint it was sent to (that still
    exists); returns how many endpoints that is."""
    return await ctx.db.deliveries.resend_to_all(app, msg)
