"""Identical requests at the same moment: no 500s, idempotent calls stay idempotent.

SQLite has one writer, so these races cannot happen there; on PostgreSQL requests really run
side by side. Each test repeats its burst a few times so that a race is all but certain to
show if the code has one.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable

import httpx
from server_process import TOKEN

ROUNDS = 4  # before the fix, most of these races showed in every round on PostgreSQL
BURST = 24


async def burst(
    url: str, send: Callable[[httpx.AsyncClient, str], Awaitable[httpx.Response]]
) -> list[list[httpx.Response | Exception]]:
    """ROUNDS rounds of BURST identical requests, each round with a fresh key."""
    # A fresh connection for each request: a 500 makes the server close its connection.
    limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=0)
    rounds = []
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, limits=limits, timeout=30
    ) as client:
        for _ in range(ROUNDS):
            key = f"race-{secrets.token_hex(4)}"
            rounds.append(
                await asyncio.gather(
                    *(send(client, key) for _ in range(BURST)), return_exceptions=True
                )
            )
    return rounds


def statuses(answers: list[httpx.Response | Exception]) -> Counter[object]:
    return Counter(a.status_code if isinstance(a, httpx.Response) else type(a) for a in answers)


async def test_creating_one_event_type_at_once(shared_hookline):
    async def send(client: httpx.AsyncClient, key: str) -> httpx.Response:
        return await client.post("/api/v1/event-type", json={"name": key, "description": ""})

    for answers in await burst(shared_hookline.url, send):
        assert statuses(answers) == {201: 1, 409: BURST - 1}


async def test_upserting_one_event_type_at_once(shared_hookline):
    async def send(client: httpx.AsyncClient, key: str) -> httpx.Response:
        return await client.put(f"/api/v1/event-type/{key}", json={"description": "d"})

    for answers in await burst(shared_hookline.url, send):
        assert statuses(answers) == {201: 1, 200: BURST - 1}


async def test_get_or_create_one_application_at_once(shared_hookline):
    async def send(client: httpx.AsyncClient, key: str) -> httpx.Response:
        return await client.post(
            "/api/v1/app", params={"get_if_exists": "true"}, json={"name": "n", "uid": key}
        )

    for answers in await burst(shared_hookline.url, send):
        assert all(isinstance(a, httpx.Response) and a.is_success for a in answers), statuses(
            answers
        )
        assert len({a.json()["id"] for a in answers}) == 1


async def test_upserting_one_application_at_once(shared_hookline):
    async def send(client: httpx.AsyncClient, key: str) -> httpx.Response:
        return await client.put(f"/api/v1/app/{key}", json={"name": "n"})

    for answers in await burst(shared_hookline.url, send):
        assert statuses(answers) == {201: 1, 200: BURST - 1}
        assert len({a.json()["id"] for a in answers}) == 1


async def test_publishing_one_event_id_at_once(shared_hookline):
    async with httpx.AsyncClient(
        base_url=shared_hookline.url, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as client:
        app = (await client.post("/api/v1/app", json={"name": "Race"})).json()["id"]

    async def send(client: httpx.AsyncClient, key: str) -> httpx.Response:
        return await client.post(
            f"/api/v1/app/{app}/msg", json={"eventType": "a.b", "payload": {}, "eventId": key}
        )

    for answers in await burst(shared_hookline.url, send):
        assert statuses(answers) == {202: 1, 409: BURST - 1}


async def test_publishing_with_get_or_create_at_once(shared_hookline):
    async def send(client: httpx.AsyncClient, key: str) -> httpx.Response:
        return await client.post(
            f"/api/v1/app/{key}/msg",
            json={"eventType": "a.b", "payload": {}, "application": {"name": "Auto"}},
        )

    rounds = await burst(shared_hookline.url, send)
    async with httpx.AsyncClient(
        base_url=shared_hookline.url, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as client:
        for answers in rounds:
            assert statuses(answers) == {202: BURST}
            key = answers[0].request.url.path.split("/")[4]
            listed = await client.get(f"/api/v1/app/{key}/msg", params={"limit": 250})
            assert len(listed.json()["data"]) == BURST  # all under one application
