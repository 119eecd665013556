"""/metrics, /healthz, /readyz and the logs, on real processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from receiver import Receiver, always
from server_process import TOKEN, free_port
from svix.api import ApplicationIn, EndpointIn, MessageIn

METRICS_TOKEN = "hl-test-metrics-token"
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PAYLOAD_MARKER = "payload-marker-3f9a"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(values: dict, name: str, **labels: str) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in values.items() if n == name and want <= ls)


def publish(hookline, receivers: dict[str, Receiver], count: int) -> tuple[str, list[str]]:
    client = hookline.svix()
    app = client.application.create(ApplicationIn(name="observed"))
    endpoints = []
    for r in receivers.values():
        ep = client.endpoint.create(app.id, EndpointIn(url=r.url, secret=SECRET))
        endpoints.append(ep.id)
    for i in range(count):
        client.message.create(
            app.id,
            MessageIn(event_type="thing.happened", payload={"marker": PAYLOAD_MARKER, "i": i}),
        )
    return app.id, endpoints


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is not installed (apt-get install prometheus; .ci/run does it)")
    return path


SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE
def test_metrics_probes_and_logs_of_one_server(start_hookline, receiver):
    """One process, many checks (processes are slow to start): counts after known deliveries
    and failures, who may scrape, promtool, the probes, the metrics port, the JSON logs."""
    failing = Receiver(script=always(500)).start()
    port = free_port()
    try:
        hookline = start_hookline(
            env={
                "HOOKLINE_METRICS_TOKEN": METRICS_TOKEN,
                "HOOKLINE_METRICS_PORT": str(port),
                "HOOKLINE_RETRY_SCHEDULE": "",
                "HOOKLINE_LOG_FORMAT": "json",
                "HOOKLINE_LOG_LEVEL": "INFO",
                "HOOKLINE_ACCESS_LOG": "true",
            }
        )
        app_id, (endpoint_id, _) = publish(hookline, {"ok": receiver, "bad": failing}, 3)
        receiver.wait_for(lambda got: len(got) == 3)
        failing.wait_for(lambda got: len(got) == 3)

        assert httpx.get(f"{hookline.url}/metrics").status_code == 401
        wrong = httpx.get(f"{hookline.url}/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.json()["code"] == "authentication_failed"
        admin = httpx.get(f"{hookline.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert admin.status_code == 200

        def scrape() -> dict:
            answer = httpx.get(
                f"{hookline.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
            )
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/plain")
            return samples(answer.text)

        values = scrape()
        for _ in range(200):  # bounded: failures are recorded a moment after the answer
            if total(values, "hookline_deliveries_exhausted_total") == 3:
                break
            time.sleep(0.02)
            values = scrape()
        assert total(values, "hookline_messages_published_total") == 3
        assert total(values, "hookline_attempts_total", outcome="success") == 3
        assert total(values, "hookline_attempts_total", outcome="failure") == 3
        assert (
            total(values, "hookline_attempts_total", outcome="failure", failure_kind="http_status")
            == 3
        )
        assert total(values, "hookline_deliveries_exhausted_total") == 3
        assert total(values, "hookline_attempt_duration_seconds_count") == 6
        assert total(values, "hookline_delivery_latency_seconds_count", attempt="first") == 3
        assert total(values, "hookline_publish_duration_seconds_count") == 3
        assert total(values, "hookline_deliveries_in_flight") == 0
        assert ("hookline_deliveries_due", frozenset()) in values
        # No per-application label unless asked for.
        assert not any("app" in dict(labels) for (_, labels) in values)

        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text  # open on the metrics port
        checked = subprocess.run(
            [promtool(), "check", "metrics"], input=text.encode(), capture_output=True, timeout=30
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout == b"" and checked.stderr == b""

        for base in (hookline.url, f"http://127.0.0.1:{port}"):
            live = httpx.get(f"{base}/healthz")
            assert (live.status_code, live.json()) == (200, {"status": "ok"})
            ready = httpx.get(f"{base}/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {
                "database": {"ok": True},
                "migrations": {"ok": True},
                "worker": {"ok": True},
                "store_work": {"ok": True},
            }

        output = hookline.output()
        for _ in range(200):  # bounded: attempts are logged a moment after the answer
            if output.count('"attempt_id"') >= 6:
                break
            time.sleep(0.02)
            output = hookline.output()
        msg_ids = {r.headers["webhook-id"] for r in receiver.received()}
    finally:
        failing.stop()
    assert SECRET not in output and SECRET.removeprefix("whsec_") not in output
    assert PAYLOAD_MARKER not in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    delivered = [x for x in lines if x.get("attempt_id") and x.get("endpoint_id") == endpoint_id]
    assert {x["msg_id"] for x in delivered} == msg_ids
    for attempt in delivered:
        assert attempt["app_id"] == app_id
        assert attempt["status"] == 204
        assert isinstance(attempt["duration_ms"], int)
        assert attempt["level"] == "info" and attempt["logger"] == "hookline.worker"
    access = [line for line in lines if line.get("logger") == "hookline.access"]
    publishes = [a for a in access if a["method"] == "POST" and a["route"].endswith("/msg")]
    assert [a["route"] for a in publishes] == ["/api/v1/app/{app_id}/msg"] * 3
    assert {a["status"] for a in publishes} == {202}
    assert app_id not in " ".join(a["route"] for a in access)


@SQLITE
def test_api_only_process_without_metrics(start_hookline):
    api = start_hookline(args=("serve", "--no-worker"), env={"HOOKLINE_METRICS_ENABLED": "false"})
    off = httpx.get(f"{api.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert off.status_code == 404
    assert off.json()["code"] == "not_found"
    ready = httpx.get(f"{api.url}/readyz")
    assert ready.status_code == 200
    assert set(ready.json()["checks"]) == {"database", "migrations", "store_work"}
