"""`python -m bench.scrape [--pending N] [--backend sqlite|pg|both]`: the `scrape` row alone.

One /metrics scrape with N pending deliveries (half due now), served while the gauge loop
runs, and the loop's reading of the gauges from the store; medians of 5, in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile

from bench import postgres
from bench.metrics_rows import SCRAPE_PENDING, scrape_figures


async def run(backend: str, pending: int) -> None:
    print("| store | pending | scrape | background reading |")
    print("| --- | ---: | ---: | ---: |")
    if backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="hookline-scrape-") as workdir:
            scrape, read = await scrape_figures(f"sqlite:///{workdir}/scrape.db", pending)
        print(f"| SQLite | {pending:,} | {scrape:.1f} ms | {read:.1f} ms |", flush=True)
    if backend in ("pg", "both"):
        name = await postgres.create_database()
        try:
            scrape, read = await scrape_figures(postgres.database_url(name), pending)
            print(f"| PostgreSQL | {pending:,} | {scrape:.1f} ms | {read:.1f} ms |", flush=True)
        finally:
            await postgres.drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=SCRAPE_PENDING)
    parser.add_argument("--backend", choices=("sqlite", "pg", "both"), default="both")
    args = parser.parse_args()
    asyncio.run(run(args.backend, args.pending))


if __name__ == "__main__":
    main()
