"""An application's `throttleRate`: all of its endpoints together receive at most that many
messages per second, however many workers deliver them."""

from __future__ import annotations

import time

import httpx
import pytest
from server_process import TOKEN
from svix.api import ApplicationIn, ApplicationPatch, EndpointIn

AUTH = {"Authorization": f"Bearer {TOKEN}"}
RATE = 20
ENDPOINTS = 3
MESSAGES = 40


def publish_many(hookline, app_id: str, count: int) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(headers=AUTH, timeout=30) as client:
        for i in range(count):
            r = client.post(
                f"{hookline.url}/api/v1/app/{app_id}/msg",
                json={"eventType": "a.b", "payload": {"i": i}},
            )
            assert r.status_code == 202, r.text


@pytest.mark.serial  # counts deliveries per second: other tests' load would bunch them up
@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_application_rate_holds_across_its_endpoints_and_two_workers(start_hookline, receiver):
    hookline = start_hookline()  # serves the API and runs a worker
    start_hookline(args=("worker",), wait=False)  # a second worker competes for the work
    svix = hookline.svix()
    app = svix.application.create(ApplicationIn(name="Throttled"))
    assert app.throttle_rate is None
    patched = svix.application.patch(app.id, ApplicationPatch(throttle_rate=RATE))
    assert patched.throttle_rate == RATE
    assert svix.application.get(app.id).throttle_rate == RATE
    for n in range(ENDPOINTS):  # no limit of their own
        ep = svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/limited{n}"))
        assert ep.throttle_rate is None
    # Another application, with no limit, whose deliveries are claimed beside the throttled
    # ones: the limit is this application's only.
    free = svix.application.create(ApplicationIn(name="Unthrottled"))
    svix.endpoint.create(free.id, EndpointIn(url=f"{receiver.url}/free"))

    first_publish = time.time()  # the receiver records arrivals on the same clock
    publish_many(hookline, app.id, MESSAGES)
    publish_many(hookline, free.id, 10)
    total = MESSAGES * ENDPOINTS + 10
    got = receiver.wait_for(lambda reqs: len(reqs) >= total, timeout=90)
    limited = sorted(r.at for r in got if r.path.startswith("/limited"))
    unlimited = [r for r in got if r.path == "/free"]
    assert len(limited) == MESSAGES * ENDPOINTS and len(unlimited) == 10
    # Slots are handed out 1/RATE apart from the first claim, which comes after the first
    # publish, and nothing is sent before its slot: so by any time t, at most
    # 1 + RATE * (t - first_publish) deliveries can have arrived (plus two for the slots'
    # rounding to the millisecond). A busy machine only delays arrivals, which this allows;
    # two workers that did not share the limit would break it within a second or two.
    for k, at in enumerate(limited):
        assert k <= RATE * (at - first_publish) + 2, (k, at - first_publish)
    # Every endpoint had its part: the limit is shared, not given to one endpoint.
    per_endpoint = {n: sum(r.path == f"/limited{n}" for r in got) for n in range(ENDPOINTS)}
    assert per_endpoint == dict.fromkeys(range(ENDPOINTS), MESSAGES)
