"""FIFO endpoints, per-endpoint rate limits and isolation of dead endpoints."""

from __future__ import annotations

import collections
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
from backends import POOLED
from receiver import Receiver, hang
from server_process import TOKEN
from svix.api import ApplicationIn, EndpointIn

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def create_endpoint(hookline, app_id: str, **fields) -> dict:  # type: ignore[no-untyped-def]
    r = httpx.post(f"{hookline.url}/api/v1/app/{app_id}/endpoint", headers=AUTH, json=fields)
    assert r.status_code == 201, r.text
    return r.json()


def publish_many(hookline, app_id: str, count: int, event_type: str = "a.b") -> list[str]:
    with httpx.Client(headers=AUTH, timeout=30) as client:
        return [
            client.post(
                f"{hookline.url}/api/v1/app/{app_id}/msg",
                json={"eventType": event_type, "payload": {"i": i}},
            ).json()["id"]
            for i in range(count)
        ]


@pytest.mark.parametrize("database_url", POOLED, indirect=True)
def test_fifo_endpoint_receives_one_at_a_time_in_publish_order(start_hookline, receiver):
    hookline = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": "0.1,0.1,0.1"})
    start_hookline(args=("worker",), wait=False)  # a second worker competes for the work
    lock = threading.Lock()
    seen: collections.Counter[str] = collections.Counter()

    def script(_n, request):  # type: ignore[no-untyped-def]
        msg_id = request.headers["webhook-id"]
        with lock:
            seen[msg_id] += 1
            first_try = seen[msg_id] == 1
        # Every message fails on its first attempt: the next must still wait for it. Each
        # answer takes 50 ms, so overlapping requests would arrive less than 50 ms apart.
        return (503, b"", {}, 0.05) if first_try else (200, b"", {}, 0.05)

    receiver.respond_with(script)
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Fifo"))
    ep = create_endpoint(hookline, app.id, url=f"{receiver.url}/ordered", fifo=True)
    assert ep["fifo"] is True
    published = publish_many(hookline, app.id, 15)

    got = receiver.wait_for(lambda reqs: len(reqs) >= 30, timeout=60)
    delivered_order = [r.headers["webhook-id"] for r in got]
    firsts = list(dict.fromkeys(delivered_order))  # order of first arrival
    assert firsts == published
    # Each message: a failure, then its success, before the next message is tried.
    assert delivered_order == [m for m in published for _ in range(2)]
    arrivals = [r.at for r in got]
    assert min(b - a for a, b in zip(arrivals, arrivals[1:], strict=False)) >= 0.045


@pytest.mark.serial  # counts deliveries per second: other tests' load would bunch them up
@pytest.mark.parametrize("database_url", ["postgresql", "pgbouncer"], indirect=True)
def test_rate_limit_holds_across_three_workers(start_hookline, receiver):
    api = start_hookline(args=("serve", "--no-worker"))
    for _ in range(3):
        start_hookline(args=("worker",), wait=False)
    svix = api.svix()
    app = svix.application.create(ApplicationIn(name="Throttle"))
    ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/limited", throttle_rate=20))
    assert ep.throttle_rate == 20
    # All 120 become due at one moment (scheduled), so that without the limit they would all
    # go at once, and the bound below has a known start (a message published after it is due
    # at once, which the bound allows too).
    due = time.time() + 8  # the receiver records arrivals on the same clock
    at = datetime.fromtimestamp(due, UTC)
    with httpx.Client(headers=AUTH, timeout=30) as client:
        for i in range(120):
            body = {"eventType": "a.b", "payload": {"i": i}, "deliverAt": at.isoformat()}
            if due - time.time() < 1:  # a slow machine: those published after `due` go now
                del body["deliverAt"]
            answer = client.post(f"{api.url}/api/v1/app/{app.id}/msg", json=body)
            assert answer.status_code == 202, answer.text
    got = receiver.wait_for(lambda reqs: len(reqs) >= 120, timeout=90)
    arrivals = sorted(r.at for r in got)
    # Slots are handed out 1/20 s apart from the first claim, which comes after `due`, and
    # nothing is sent before its slot, whichever of the three workers sends it: by any time t
    # at most 1 + 20 * (t - due) deliveries can have arrived (plus two for the slots' rounding
    # to the millisecond). A busy machine only delays arrivals, which this allows (a count
    # per one-second window did not: a stalled worker sends its slots' deliveries together).
    for k, arrival in enumerate(arrivals):
        assert k <= 20 * (arrival - due) + 2, (k, arrival - due)
    assert arrivals[-1] - due >= (120 / 20) * 0.8  # it really was held back


@pytest.mark.serial  # compares two rates measured one after the other
def test_dead_endpoints_do_not_hold_back_healthy_ones(start_hookline, receiver):
    """Healthy endpoints are not held back by 50 dead ones: they keep at least half of their
    delivery rate. Head-of-line blocking (the worker's concurrency taken by hung connections)
    would make that rate collapse until the timeouts; what remains of the difference is the CPU
    the 1,000 hung connections and their timeouts cost on the same two cores, which grows as a
    share when the machine is quieter (ratios of 0.68 to 1.07 measured on this 2-core machine)."""
    dead = Receiver().start()
    dead.respond_with(lambda _n, _r: hang(4))  # past the 3 s request timeout
    try:
        # Retries come after the measurement: what is compared is the room healthy endpoints
        # get beside hung connections, not the CPU of a second burst of 1,000 timeouts.
        hookline = start_hookline(
            env={"HOOKLINE_REQUEST_TIMEOUT": "3", "HOOKLINE_RETRY_SCHEDULE": "60"}
        )
        svix = hookline.svix()
        healthy_app = svix.application.create(ApplicationIn(name="Healthy"))
        for n in range(5):
            svix.endpoint.create(healthy_app.id, EndpointIn(url=f"{receiver.url}/ok{n}"))
        dead_app = svix.application.create(ApplicationIn(name="Dead"))
        for n in range(50):
            svix.endpoint.create(dead_app.id, EndpointIn(url=f"{dead.url}/dead{n}"))

        def healthy_rate(messages: int) -> float:
            """Deliveries per second to the healthy endpoints, from first to last arrival."""
            before = len(receiver.received())
            with ThreadPoolExecutor(8) as pool:
                list(
                    pool.map(
                        lambda _: publish_many(hookline, healthy_app.id, messages // 8), range(8)
                    )
                )
            expected = before + (messages // 8) * 8 * 5
            got = receiver.wait_for(lambda reqs: len(reqs) >= expected, timeout=120)
            arrivals = sorted(r.at for r in got[before:])
            return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])

        # Three rounds each, best of three: one noisy second on a shared machine should not
        # decide the ratio (it is a ratio of two rates measured in this run, not a time).
        alone = max(healthy_rate(400) for _ in range(3))
        publish_many(hookline, dead_app.id, 20)  # 1,000 deliveries that hang until the timeout
        dead.wait_for(lambda reqs: len(reqs) >= 50, timeout=30)
        beside_dead = max(healthy_rate(400) for _ in range(3))
        print(f"\nhealthy endpoints: {alone:.0f}/s alone, {beside_dead:.0f}/s beside 50 dead")
        assert beside_dead >= 0.5 * alone
    finally:
        dead.stop()
