"""The ceiling: a bare aiohttp + uvloop client POSTing signed webhooks, with no storage at all.

Run as its own process (`python -m bench.ceiling ...`), like Hookline's worker, so it competes
for the same two cores the same way. Prints one JSON line: when it started sending (after its
imports and set-up), when it finished, and how many requests failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import aiohttp
import orjson

from bench.context import RunContext
from bench.payload import payload_bytes, secret_key, signed_headers
from bench.procs import Child
from bench.report import Line

CONCURRENCY = 128


async def send_all(url: str, count: int, concurrency: int, secret: str, deadline: float) -> dict:
    key = secret_key(secret)
    next_seq = 0
    errors = 0
    first_error = ""
    stop_at = time.monotonic() + deadline

    async def sender(session: aiohttp.ClientSession) -> None:
        nonlocal next_seq, errors, first_error
        while next_seq < count and time.monotonic() < stop_at:
            seq = next_seq
            next_seq += 1
            body = payload_bytes(seq)
            headers = signed_headers(key, f"msg_ceiling_{seq}", body)
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    if resp.status >= 300:
                        raise RuntimeError(f"receiver answered {resp.status}")
            except Exception as exc:
                errors += 1
                first_error = first_error or repr(exc)

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.time()
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
        end = time.time()
    return {"start": start, "end": end, "sent": next_seq, "errors": errors, "error": first_error}


def main() -> None:
    parser = argparse.ArgumentParser(description="bare aiohttp webhook sender")
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--deadline", type=float, default=300.0, help="stop sending after (s)")
    args = parser.parse_args()
    if not args.url.startswith("http://127.0.0.1:"):
        sys.exit("the ceiling client only sends to 127.0.0.1")
    import uvloop

    result = uvloop.run(
        send_all(args.url, args.count, args.concurrency, args.secret, args.deadline)
    )
    print(orjson.dumps(result).decode(), flush=True)


async def run(ctx: RunContext) -> list[Line]:
    count = ctx.sizes.messages
    await ctx.receiver.reset()
    child = Child(
        "ceiling-client",
        [
            sys.executable,
            "-m",
            "bench.ceiling",
            "--url",
            f"{ctx.receiver_url}/ceiling",
            "--count",
            str(count),
            "--concurrency",
            str(CONCURRENCY),
            "--secret",
            ctx.secret,
            "--deadline",
            str(ctx.sizes.delivery_timeout),
        ],
        ctx.log_dir,
    ).start()
    try:
        stats = await ctx.receiver.wait_for(
            count, ctx.sizes.delivery_timeout, watch=[child], stall_s=ctx.sizes.stall_timeout
        )
        await asyncio.to_thread(child.proc.wait, 60)  # type: ignore[union-attr]
    finally:
        child.stop()
    lines = [line for line in child.output().splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"ceiling client printed no result: {child.log_tail()}")
    result = orjson.loads(lines[-1])
    assert stats.last_new_at is not None
    rate = count / (stats.last_new_at - result["start"])
    notes = [f"{count:,} msgs, {CONCURRENCY} connections, one client process"]
    if result["errors"]:
        notes.append(f"{result['errors']} request errors ({result['error']})")
    return [Line("ceiling", "ceiling: bare aiohttp client, no storage", rate, notes=notes)]


if __name__ == "__main__":
    main()
