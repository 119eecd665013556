"""An application's `throttleRate`: all of its endpoints together receive at most that many
messages per second, however many workers deliver them."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from svix.api import ApplicationIn, ApplicationPatch, EndpointIn, MessageIn

RATE = 20
ENDPOINTS = 10
MESSAGES = 12
# The messages are scheduled this far ahead, so that all of them are queued before the first
# is due: without the limit they would all go at once.
SCHEDULED_AHEAD = 5.0


@pytest.mark.serial  # counts deliveries per second: other tests' load would bunch them up
@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_application_rate_holds_across_its_endpoints_and_two_workers(start_hookline, receiver):
    hookline = start_hookline()  # serves the API and runs a worker
    start_hookline()  # a second worker (in a second server) competes for the work
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

    due = time.time() + SCHEDULED_AHEAD  # the receiver records arrivals on the same clock
    at = datetime.fromtimestamp(due, UTC)
    for i in range(MESSAGES):
        svix.message.create(app.id, MessageIn(event_type="a.b", payload={"i": i}, deliver_at=at))
        svix.message.create(free.id, MessageIn(event_type="a.b", payload={"i": i}, deliver_at=at))
    assert time.time() < due, "publishing took longer than the schedule allows"
    total = MESSAGES * ENDPOINTS + MESSAGES
    got = receiver.wait_for(lambda reqs: len(reqs) >= total, timeout=90)
    limited = sorted(r.at for r in got if r.path.startswith("/limited"))
    assert len(limited) == MESSAGES * ENDPOINTS
    assert sum(r.path == "/free" for r in got) == MESSAGES
    # Slots are handed out 1/RATE apart from the first claim, which comes after `due`, and
    # nothing is sent before its slot: so by any time t, at most 1 + RATE * (t - due)
    # deliveries can have arrived (plus two for the slots' rounding to the millisecond). A
    # busy machine only delays arrivals, which this allows; the queue sent unthrottled, or two
    # workers that did not share the limit, would break it.
    for k, arrival in enumerate(limited):
        assert k <= RATE * (arrival - due) + 2, (k, arrival - due)
    # Every endpoint had its part: the limit is shared, not given to one endpoint.
    per_endpoint = {n: sum(r.path == f"/limited{n}" for r in got) for n in range(ENDPOINTS)}
    assert per_endpoint == dict.fromkeys(range(ENDPOINTS), MESSAGES)
