"""`python -m bench.claim_path [sqlite|postgresql ...]`: the claim transaction alone, timed.

A store with 25 endpoints (5 of them throttled, one of those in an application with its own
throttle, one endpoint with a circuit whose cooldown has ended) and 5,000 due deliveries; then
`claim_due` of 64 deliveries, each batch given back at once so that the queue stays the same,
ROUNDS times. Prints the median and the 90th percentile of one claim (the give-back is not
timed). No receiver, no sends: it measures the admission decisions and their SQL only.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from hookline.config import load_settings
from hookline.operational import OperationalEvents
from hookline.operations import applications, endpoints, messages
from hookline.operations.applications import ApplicationInput
from hookline.operations.context import OperationContext
from hookline.operations.endpoints import EndpointInput
from hookline.secret_key import open_secret_box
from hookline.store import open_database
from hookline.store.schema import endpoints as endpoint_table

ROUNDS = 400
BATCH = 64
MESSAGES = 200
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


async def _fresh_postgres() -> str:
    name = f"hookline_claim_path_{int(time.time())}"
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name}")
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


async def measure(store: str, data_dir: Path) -> tuple[float, float]:
    url = f"sqlite:///{data_dir}/claim.db" if store == "sqlite" else await _fresh_postgres()
    settings = load_settings(
        {"HOOKLINE_DATA_DIR": str(data_dir), "HOOKLINE_ALLOW_PRIVATE_NETWORKS": "127.0.0.0/8"}
    )
    box, _ = open_secret_box(settings)
    db = await open_database(url, secret_box=box, pooler="none")
    try:
        ctx = OperationContext(settings, db, OperationalEvents(db, settings))
        plain, _ = await applications.create_application(ctx, ApplicationInput(name="plain"))
        capped, _ = await applications.create_application(
            ctx, ApplicationInput(name="capped", throttle_rate=60000)
        )
        for n in range(20):
            url_n = f"http://127.0.0.1:9/plain{n}"
            await endpoints.create_endpoint(ctx, plain.id, EndpointInput(url=url_n))
        for n in range(4):
            url_n = f"http://127.0.0.1:9/throttled{n}"
            await endpoints.create_endpoint(
                ctx, plain.id, EndpointInput(url=url_n, throttle_rate=60000)
            )
        await endpoints.create_endpoint(
            ctx, capped.id, EndpointInput(url="http://127.0.0.1:9/capped", throttle_rate=60000)
        )
        probe = await endpoints.create_endpoint(
            ctx, plain.id, EndpointInput(url="http://127.0.0.1:9/probe")
        )
        async with db.write() as conn:
            # A circuit whose cooldown ended long ago: every claim tries to take the probe.
            await conn.execute(
                endpoint_table.update()
                .where(endpoint_table.c.id == probe.id)
                .values(circuit_until=1, circuit_failures=1)
            )
        for i in range(MESSAGES):
            await messages.publish_message(ctx, plain.id, "a.b", {"i": i})
        for i in range(MESSAGES // 20):
            await messages.publish_message(ctx, capped.id, "a.b", {"i": i})
        timings = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            jobs = await db.deliveries.claim_due("bench", BATCH, 30_000)
            timings.append(time.perf_counter() - started)
            await db.deliveries.release("bench", [j.delivery_id for j in jobs])
            async with db.write() as conn:  # the probe is offered again next round
                await conn.execute(
                    endpoint_table.update()
                    .where(endpoint_table.c.id == probe.id)
                    .values(circuit_until=1)
                )
        timings.sort()
        return statistics.median(timings) * 1000, timings[int(len(timings) * 0.9)] * 1000
    finally:
        await db.close()


def main() -> None:
    stores = sys.argv[1:] or ["sqlite", "postgresql"]
    for store in stores:
        with tempfile.TemporaryDirectory() as tmp:
            p50, p90 = asyncio.run(measure(store, Path(tmp)))
        print(
            f"{store}: claim_due of {BATCH}: p50 {p50:.2f} ms, p90 {p90:.2f} ms ({ROUNDS} rounds)"
        )


if __name__ == "__main__":
    main()
