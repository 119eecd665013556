"""The NOTIFY after publishes: coalesced, and marked HANDED_OFF when no publish among the
coalesced ones left a delivery for workers to claim (workers ignore those; long polls not)."""

from __future__ import annotations

import asyncio

import pytest

from hookline.store.notify import HANDED_OFF, CoalescingNotifier


@pytest.mark.parametrize(
    ("requests", "payloads"),
    [
        ([True], [""]),
        ([False], [HANDED_OFF]),
        # Requests made while a NOTIFY is being sent go into the next one, due if any is.
        ([False, False, True], [HANDED_OFF, ""]),
        ([True, False, False], ["", HANDED_OFF]),
    ],
)
async def test_payload_says_whether_anything_is_left_to_claim(
    requests: list[bool], payloads: list[str]
) -> None:
    sent: list[str] = []
    release = asyncio.Event()

    async def send(payload: str) -> None:
        sent.append(payload)
        await release.wait()

    notifier = CoalescingNotifier(send)
    for due in requests:
        notifier.request(due=due)
        await asyncio.sleep(0)  # the first request starts sending; the others wait for it
    release.set()
    for _ in range(10):
        await asyncio.sleep(0)
    await notifier.close()
    assert sent == payloads
