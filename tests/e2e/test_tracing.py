"""Traces link a publish to its delivery across processes: an API process without a worker
and a worker, on PostgreSQL, spans exported by the SDK's console exporter."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from server_process import TOKEN

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def spans(process, name: str) -> list[dict]:
    found = []
    for line in process.output().splitlines():
        if line.startswith('{"name": '):
            span = json.loads(line)
            if span["name"] == name:
                found.append(span)
    return found


def wait_spans(process, name: str, count: int) -> list[dict]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        got = spans(process, name)
        if len(got) >= count:
            return got
        time.sleep(0.05)
    raise AssertionError(f"no {name} span in:\n{process.output()[-3000:]}")


# An API and a separate worker share one database on PostgreSQL.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_publish_and_attempt_spans_link_across_processes(start_hookline, receiver):
    env = {"OTEL_TRACES_EXPORTER": "console", "HOOKLINE_PROPAGATE_TRACE": "true"}
    api = start_hookline(env=env, args=("serve", "--no-worker"))
    worker = start_hookline(args=("worker",), wait=False)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=api.url, headers=auth) as http:
        app_id = http.post("/api/v1/app", json={"name": "Traced"}).json()["id"]
        http.post(f"/api/v1/app/{app_id}/endpoint", json={"url": f"{receiver.url}/hook"})
        published = http.post(
            f"/api/v1/app/{app_id}/msg",
            json={"eventType": "x.y", "payload": {}},
            headers={"traceparent": INCOMING},
        )
    assert published.status_code == 202, published.text
    msg_id = published.json()["id"]

    [publish] = wait_spans(api, "hookline.publish", 1)
    assert publish["context"]["trace_id"] == f"0x{TRACE_ID}"  # the caller's trace continues
    assert publish["parent_id"] == "0x00f067aa0ba902b7"
    assert publish["attributes"]["hookline.msg_id"] == msg_id

    [attempt] = wait_spans(worker, "hookline.attempt", 1)
    assert attempt["context"]["trace_id"] == f"0x{TRACE_ID}"
    assert attempt["parent_id"] == publish["context"]["span_id"]
    assert attempt["kind"] == "SpanKind.CLIENT"
    assert attempt["attributes"]["hookline.msg_id"] == msg_id
    assert attempt["attributes"]["hookline.attempt_id"].startswith("atmpt_")
    assert attempt["attributes"]["http.response.status_code"] == 204  # the receiver's answer
    assert attempt["attributes"]["hookline.succeeded"] is True
    assert wait_spans(worker, "hookline.claim", 1)[0]["attributes"]["hookline.claimed"] >= 1

    # HOOKLINE_PROPAGATE_TRACE: the receiver got the attempt span's traceparent.
    [got] = receiver.wait_for(lambda reqs: len(reqs) == 1)
    span_id = attempt["context"]["span_id"].removeprefix("0x")
    assert got.headers["traceparent"] == f"00-{TRACE_ID}-{span_id}-01"
