"""What every fault scenario does around its faults: an application with a few endpoints on
the receiver, messages published at a steady rate while the faults are injected, then a wait
until every acknowledged delivery arrived (or a time limit), and the tally."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass

from bench.receiver import ReceiverClient
from reliability.ledger import Tally, tally
from reliability.processes import SETTINGS, Deployment
from reliability.publisher import Published, publish_steadily

ENDPOINTS = 3
MAX_SETTLE_S = 1800.0


@dataclass(frozen=True)
class Outcome:
    tally: Tally
    published: Published
    recovery_s: float | None  # last repair → everything arrived (None: something was lost)
    duration_s: float


async def app_with_endpoints(
    deploy: Deployment, receiver_url: str, name: str, query: str = ""
) -> tuple[str, list[str]]:
    """`query` is appended to each endpoint's URL (e.g. the receiver's `?delay_ms=`)."""
    api = deploy.client()
    try:
        app_id = await api.create_app(name)
        paths = [f"/{name}/{i}" for i in range(ENDPOINTS)]
        for path in paths:
            await api.create_endpoint(app_id, receiver_url + path + query)
    finally:
        await api.close()
    return app_id, paths


async def publish_through(
    deploy: Deployment,
    receiver: ReceiverClient,
    app_id: str,
    paths: list[str],
    messages: int,
    rate: float,
    faults: Awaitable[float],
    settle_s: float,
) -> Outcome:
    """`faults` runs beside the publisher and returns when its last fault was repaired.
    `settle_s`: how long without a new arrival ends the wait for the rest."""
    began = time.monotonic()
    published, repaired = await asyncio.gather(
        publish_steadily(deploy.api_url, deploy.henv.token, app_id, messages, rate), faults
    )
    acknowledged = list(published.acknowledged.values())
    # A delivery counts as lost only once the deployment has stopped delivering: the wait
    # goes on while arrivals keep coming (a backlog drains at its own pace), and ends when
    # everything arrived, or nothing new arrived for `settle_s`, or after MAX_SETTLE_S.
    deadline = time.monotonic() + MAX_SETTLE_S
    progress_at, delivered = time.monotonic(), -1
    while True:
        result = tally(acknowledged, paths, await receiver.counts())
        now = time.monotonic()
        if result.delivered != delivered:
            progress_at, delivered = now, result.delivered
        if result.nothing_lost or now - progress_at > settle_s or now > deadline:
            break
        await asyncio.sleep(0.5)
    settled = time.monotonic()
    recovery = max(0.0, settled - repaired) if result.nothing_lost else None
    return Outcome(result, published, recovery, settled - began)


def common_notes(outcome: Outcome, bound: int) -> list[str]:
    t, p = outcome.tally, outcome.published
    notes = [
        f"duplicates bound by what was in flight: ≤ {bound:,}"
        + (" (held)" if t.duplicated <= bound else " (**exceeded**)"),
        f"publishes: {p.attempts:,} requests, {p.connection_errors:,} refused connections, "
        f"{p.gave_up} given up" + _answers(p.refused),
    ]
    if t.unacknowledged_delivered:
        notes.append(
            f"{t.unacknowledged_delivered} deliveries of messages stored by a publish whose "
            "answer never came (a killed API process) or was an error after all (a 507 for a "
            "commit that reached the log), and stored again by its retry: an idempotency "
            "key's answer is kept only for a success (docs/delivery.md#idempotent-requests)"
        )
    if t.lost:
        notes.append("lost, e.g.: " + ", ".join(t.lost_examples))
    return notes


def _answers(refused: dict[int, int]) -> str:
    if not refused:
        return ""
    text = ", ".join(f"{count:,} × {status}" for status, count in sorted(refused.items()))
    why = (
        " (409: a retry waits while the killed process's claim on its idempotency key lasts, "
        f"{SETTINGS['HOOKLINE_IDEMPOTENCY_LEASE_SECONDS']} s on PostgreSQL)"
        if 409 in refused
        else ""
    )
    return f"; error answers {text}{why}"
