"""A publish hands its fresh deliveries to the worker of its process, leased in the publish
transaction. Killed (SIGKILL) right after the 202s, before the slow receiver answered, the
process leaves leased rows that come back by themselves: after a restart everything arrives."""

from __future__ import annotations

import time

from db_access import run_sql
from svix.api import ApplicationIn, EndpointIn, MessageIn

from hookline.types import DeliveryStatus

CRASH_ENV = {
    "HOOKLINE_LEASE_SECONDS": "2",
    "HOOKLINE_REQUEST_TIMEOUT": "1.5",
    "HOOKLINE_RETRY_SCHEDULE": "0.2,0.2,0.2",
}


def test_sigkill_right_after_the_202s_loses_no_handed_off_delivery(
    start_hookline, receiver, tmp_path
):
    data_dir = tmp_path / "handoff-crash"
    receiver.respond_with(lambda _n, _r: (200, b"", {}, 1.0))  # slow: nothing answered yet
    first = start_hookline(env=CRASH_ENV, data_dir=data_dir)
    svix = first.svix()
    app = svix.application.create(ApplicationIn(name="Hand-off crash"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/a"))
    svix.endpoint.create(app.id, EndpointIn(url=f"{receiver.url}/b"))
    published = [
        svix.message.create(app.id, MessageIn(event_type="order.created", payload={"i": i})).id
        for i in range(20)
    ]
    first.kill()

    # Killed with deliveries leased in the publish itself and not recorded: SENDING, never
    # attempted, not touched since their insert (a claim would have set updated_at).
    handed_off = run_sql(
        first,
        f"SELECT COUNT(*) FROM deliveries WHERE status = {int(DeliveryStatus.SENDING)} "
        "AND attempt_count = 0 "
        "AND lease_owner IS NOT NULL AND updated_at = created_at",
    )[0][0]
    assert handed_off > 0

    receiver.respond_with(lambda _n, _r: (200, b"", {}, 0.0))
    start_hookline(env=CRASH_ENV, data_dir=data_dir)
    expected = {(msg_id, path) for msg_id in published for path in ("/a", "/b")}
    receiver.wait_for(
        lambda reqs: expected <= {(r.headers.get("webhook-id"), r.path) for r in reqs},
        timeout=60,
    )
    # And recorded: every delivery ends delivered.
    delivered = f"SELECT COUNT(*) FROM deliveries WHERE status = {int(DeliveryStatus.SUCCESS)}"
    deadline = time.monotonic() + 30
    while run_sql(first, delivered)[0][0] < len(expected) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert run_sql(first, delivered)[0][0] == len(expected)
