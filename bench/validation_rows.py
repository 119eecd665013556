"""The cost of payload validation: the publish rate (SQLite, `serve --no-worker`) with the
event type's JSON Schema enforced against the same without, in alternating rounds on one
server (so that a change in the machine's load hits both alike)."""

from __future__ import annotations

import statistics
import time

from bench.context import RunContext
from bench.hookline_server import backend_env, running_server
from bench.payload import EVENT_TYPE, PAYLOAD_BYTES
from bench.report import Line

ROUNDS = 5
QUICK_ROUNDS = 3
# Quick mode's 200 messages would be over in a blink: a round publishes at least this many.
MIN_ROUND_MESSAGES = 1_000
PUBLISH_CONCURRENCY = 64
# What a publisher would write for the benchmark's event (bench.payload.payload_obj): every
# field typed and bounded, nothing else allowed.
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "type": {"const": EVENT_TYPE},
        "seq": {"type": "integer", "minimum": 0},
        "customer": {"type": "string", "pattern": "^cus_[0-9a-z]+$"},
        "amount": {"type": "integer", "minimum": 0},
        "currency": {"enum": ["eur", "usd", "gbp"]},
        "pad": {"type": "string", "maxLength": PAYLOAD_BYTES},
    },
    "required": ["type", "seq", "customer", "amount", "currency"],
    "additionalProperties": False,
}


async def validation_cost(ctx: RunContext) -> list[Line]:
    rounds = QUICK_ROUNDS if ctx.sizes.messages < 20_000 else ROUNDS
    count = max(ctx.sizes.messages, MIN_ROUND_MESSAGES)
    off: list[float] = []
    on: list[float] = []
    async with backend_env(ctx, "sqlite") as henv, running_server(ctx, henv, True) as server:
        api = server.api
        app_id = await api.create_app("bench validation")
        await api.create_endpoint(app_id, f"{ctx.receiver_url}/validation")
        await api.call(
            "PUT",
            f"/api/v1/event-type/{EVENT_TYPE}",
            {"description": "bench", "schemas": {"1": SCHEMA}, "validate": False},
        )
        await api.publish_many(app_id, 100, PUBLISH_CONCURRENCY, first_seq=10**9)  # warm up
        seq = 0
        for _ in range(rounds):
            for validate, rates in ((False, off), (True, on)):
                await api.call("PATCH", f"/api/v1/event-type/{EVENT_TYPE}", {"validate": validate})
                started = time.monotonic()
                await api.publish_many(app_id, count, PUBLISH_CONCURRENCY, first_seq=seq)
                rates.append(count / (time.monotonic() - started))
                seq += count
        statuses = dict(api.unexpected_statuses)
    ratios = sorted(b / a for a, b in zip(off, on, strict=True))
    ratio = statistics.median(on) / statistics.median(off)
    notes = [
        f"validation off: median {statistics.median(off):,.0f} publishes/s "
        f"(rounds {', '.join(f'{v:,.0f}' for v in off)}); on: "
        f"{', '.join(f'{v:,.0f}' for v in on)}",
        f"on/off of the medians {ratio:.3f}; per round {ratios[0]:.3f}–{ratios[-1]:.3f}",
        f"{count:,} publishes per round, {PUBLISH_CONCURRENCY} at a time, ~{PAYLOAD_BYTES} B "
        "payloads, a Draft 2020-12 schema of 6 typed fields",
        *(f"POST /msg answered {status} {n:,} times" for status, n in statuses.items()),
    ]
    return [
        Line(
            "validation-cost",
            f"SQLite: publish rate, payload validation on (median of {rounds} rounds)",
            statistics.median(on),
            unit="publishes/s",
            notes=notes,
        )
    ]
