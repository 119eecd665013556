"""`python -m bench.bulk_replay [--backend sqlite|pg] [--messages N]`: queueing a bulk replay.

Publishes N messages to an application with one endpoint, then, three rounds: the time the
store takes to queue a bulk replay of all of them to that endpoint (`BulkReplay.bulk_replay`,
the work of the background task) and, as the reference measured in the same run, the time
replay-missing takes to queue the same N messages to an endpoint made after they were
published (its deliveries are removed after each round). Both queue N manual deliveries; the
rate is set so high that the due times do not matter. Prints one markdown table row a round.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from bench import postgres
from hookline.secrets_at_rest import SecretBox
from hookline.store import Database, open_database
from hookline.store.bulk_replay import BulkReplayFilter
from hookline.store.schema import deliveries

ROUNDS = 3
RATE = 1e9  # per second: every delivery due at once
SECRET = "whsec_" + "QmVuY2htYXJrLWJ1bGstcmVwbGF5LXNlY3JldA=="


async def _measure(db: Database, messages: int) -> list[str]:
    app, _ = await db.applications.create({"name": "bulk replay bench"})
    sent_to = await db.endpoints.create(app.id, {"url": "http://127.0.0.1:9/a"}, SECRET)
    for first in range(0, messages, 500):
        count = min(500, messages - first)
        await asyncio.gather(*(db.messages.publish(app.id, "a.b", b"{}") for _ in range(count)))
    late = await db.endpoints.create(app.id, {"url": "http://127.0.0.1:9/b"}, SECRET)
    rows = []
    for round_number in range(1, ROUNDS + 1):
        start = time.perf_counter()
        replayed = await db.bulk_replay.bulk_replay(
            app.id, sent_to.id, BulkReplayFilter(since_ms=0), RATE
        )
        bulk = time.perf_counter() - start
        start = time.perf_counter()
        missing = await db.replay.replay_missing(app.id, late.id, 0, None, RATE)
        reference = time.perf_counter() - start
        async with db.write() as conn:
            await conn.execute(deliveries.delete().where(deliveries.c.endpoint_id == late.id))
        rows.append(
            f"| {round_number} (earlier deliveries a message: {round_number}) "
            f"| {replayed:,} in {bulk:.2f} s | {missing:,} in {reference:.2f} s "
            f"| {bulk / reference:.2f} |"
        )
    return rows


async def main(backend: str, messages: int) -> None:
    box = SecretBox("bench-bulk-replay-secret-key-0123456789")
    data_dir = Path(tempfile.mkdtemp(prefix="hookline-bulk-replay-"))
    name = await postgres.create_database() if backend == "pg" else ""
    url = postgres.database_url(name) if name else f"sqlite:///{data_dir}/bench.db"
    db = await open_database(url, secret_box=box)
    try:
        print("| round | bulk replay | reference: replay-missing | ratio |")
        print("| --- | --- | --- | --- |")
        for row in await _measure(db, messages):
            print(row)
    finally:
        await db.close()
        if name:
            await postgres.drop_database(name)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(main(args.backend, args.messages))
