"""Publishing at a steady rate through faults: each message has its own idempotency key and is
retried (same key, same body) until it is acknowledged, so a publish that failed because the
API was down is not silently dropped by the harness itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp
import orjson

from bench.payload import EVENT_TYPE, payload_obj

# Pauses between retries of one message: short at first, so that publishing resumes soon after
# the API is back, then longer, so that 128 waiting messages do not hammer a restarting server.
RETRY_PAUSES = (0.1, 0.2, 0.5, 1.0)


@dataclass
class Published:
    acknowledged: dict[int, str] = field(default_factory=dict)  # sequence → message id
    # sequence → when the acknowledged attempt was sent (`time.time()`, the receiver's clock)
    sent_at: dict[int, float] = field(default_factory=dict)
    attempts: int = 0
    refused: dict[int, int] = field(default_factory=dict)  # status → count (5xx while down)
    connection_errors: int = 0
    gave_up: int = 0


async def publish_steadily(
    url: str,
    token: str,
    app_id: str,
    count: int,
    rate: float,
    give_up_after: float = 120.0,
    concurrency: int = 128,
    channels: Callable[[int], Sequence[str]] | None = None,
) -> Published:
    """Publish `count` messages at `rate` per second; `channels(seq)`, if given, are the
    channels of message `seq` (so that it goes only to the endpoints subscribed to them)."""
    result = Published()
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
        start = time.monotonic()

        async def one(seq: int) -> None:
            message: dict[str, object] = {"eventType": EVENT_TYPE, "payload": payload_obj(seq)}
            if channels is not None:
                message["channels"] = list(channels(seq))
            body = orjson.dumps(message)
            key = {"idempotency-key": f"reliability-{app_id}-{seq}"}
            async with gate:
                # From the first try, not from the schedule: while the API is down every
                # connection may be busy retrying, and later messages wait for the gate.
                deadline = time.monotonic() + give_up_after
                tries = 0
                while time.monotonic() < deadline:
                    result.attempts += 1
                    sent = time.time()
                    try:
                        async with session.post(
                            f"{url}/api/v1/app/{app_id}/msg", data=body, headers=key
                        ) as resp:
                            raw = await resp.read()
                            if resp.status == 202:
                                result.acknowledged[seq] = orjson.loads(raw)["id"]
                                result.sent_at[seq] = sent
                                return
                            result.refused[resp.status] = result.refused.get(resp.status, 0) + 1
                    except (aiohttp.ClientError, OSError, TimeoutError):
                        result.connection_errors += 1
                    await asyncio.sleep(RETRY_PAUSES[min(tries, len(RETRY_PAUSES) - 1)])
                    tries += 1
                result.gave_up += 1

        # Each message's task is made when it is due, not all up front: a soak publishes
        # hundreds of thousands, and only those in flight need to exist.
        pending: set[asyncio.Task[None]] = set()
        for seq in range(count):
            await asyncio.sleep(max(0.0, start + seq / rate - time.monotonic()))
            task = asyncio.create_task(one(seq))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
    return result
