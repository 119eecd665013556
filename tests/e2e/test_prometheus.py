"""A real Prometheus scrapes a `hookline serve` and a `hookline worker` sharing PostgreSQL;
PromQL through its HTTP API returns the numbers of deliveries and failures made. The shipped
alerting rules and every query of the Grafana dashboard are checked against it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from receiver import Receiver, always
from server_process import TOKEN, free_port
from svix.api import ApplicationIn, EndpointIn, MessageIn

ROOT = Path(__file__).parents[2]
ALERTS = ROOT / "contrib" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "contrib" / "grafana" / "hookline.json"
DELIVERED, FAILED = 4, 2


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian package prometheus; .ci/run installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def test_alerting_rules_pass_promtool():
    checked = subprocess.run(
        [_tool("promtool"), "check", "rules", str(ALERTS)], capture_output=True, timeout=30
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert b"SUCCESS: 4 rules found" in checked.stdout


class Prometheus:
    def __init__(self, tmp: Path, api_url: str, worker_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(ALERTS)],
            "scrape_configs": [
                {
                    "job_name": "hookline-api",
                    "authorization": {"credentials": TOKEN},
                    "static_configs": [{"targets": [api_url.removeprefix("http://")]}],
                },
                {
                    "job_name": "hookline-worker",
                    "static_configs": [{"targets": [worker_url.removeprefix("http://")]}],
                },
            ],
        }
        (tmp / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
        self.log = open(tmp / "prometheus.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                _tool("prometheus"),
                f"--config.file={tmp / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def query(self, expr: str) -> list[dict]:
        answer = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        body = answer.json()
        assert answer.status_code == 200 and body["status"] == "success", (expr, body)
        return body["data"]["result"]

    def value(self, expr: str) -> float | None:
        try:
            result = self.query(expr)
        except httpx.HTTPError:
            return None
        return float(result[0]["value"][1]) if result else None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


@pytest.fixture
def prometheus_factory(tmp_path: Path) -> Iterator:
    started: list[Prometheus] = []

    def start(api_url: str, worker_url: str) -> Prometheus:
        started.append(Prometheus(tmp_path, api_url, worker_url))
        return started[-1]

    yield start
    for p in started:
        p.stop()


def _wait_for(prom: Prometheus, expr: str, expected: float, timeout: float = 60) -> float | None:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        assert prom.proc.poll() is None, Path(prom.log.name).read_text()
        value = prom.value(expr)
        if value == expected:
            return value
        time.sleep(0.5)
    return value


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_prometheus_scrapes_real_numbers(start_hookline, receiver, prometheus_factory):
    _tool("prometheus")
    failing = Receiver(script=always(503)).start()
    try:
        api = start_hookline(env={"HOOKLINE_RETRY_SCHEDULE": ""})
        worker_port = free_port()
        start_hookline(args=("worker",), env={"HOOKLINE_METRICS_PORT": str(worker_port)})
        worker_url = f"http://127.0.0.1:{worker_port}"
        prom = prometheus_factory(api.url, worker_url)

        client = api.svix()
        healthy = client.application.create(ApplicationIn(name="healthy"))
        client.endpoint.create(healthy.id, EndpointIn(url=receiver.url))
        sick = client.application.create(ApplicationIn(name="sick"))
        client.endpoint.create(sick.id, EndpointIn(url=failing.url))
        for _ in range(DELIVERED):
            client.message.create(healthy.id, MessageIn(event_type="ok", payload={}))
        for _ in range(FAILED):
            client.message.create(sick.id, MessageIn(event_type="bad", payload={}))
        receiver.wait_for(lambda got: len(got) == DELIVERED)
        failing.wait_for(lambda got: len(got) == FAILED)

        assert _wait_for(prom, 'count(up{job=~"hookline-.*"} == 1)', 2) == 2
        checks = {
            "sum(hookline_messages_published_total)": DELIVERED + FAILED,
            'sum(hookline_attempts_total{outcome="success"})': DELIVERED,
            'sum(hookline_attempts_total{outcome="failure",failure_kind="http_status"})': FAILED,
            "sum(hookline_deliveries_exhausted_total)": FAILED,
            'sum(hookline_delivery_latency_seconds_count{attempt="first"})': DELIVERED,
            "sum(hookline_attempt_duration_seconds_count)": DELIVERED + FAILED,
            "max(hookline_deliveries_due)": 0,
            "sum(hookline_deliveries_in_flight)": 0,
        }
        for expr, expected in checks.items():
            assert _wait_for(prom, expr, expected) == expected, expr

        # The worker's probes answer on its metrics port.
        ready = httpx.get(f"{worker_url}/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["worker"] == {"ok": True}

        # Every dashboard query runs without error, and the alerting rules loaded.
        dashboard = json.loads(DASHBOARD.read_text())
        exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
        assert len(exprs) >= 10
        for expr in exprs:
            prom.query(expr)
        rules = httpx.get(f"{prom.url}/api/v1/rules", timeout=10).json()["data"]["groups"]
        assert {r["name"] for g in rules for r in g["rules"]} == {
            "HooklineBacklogAge",
            "HooklineFailureRatio",
            "HooklineCircuitsOpen",
            "HooklineWorkerDown",
        }
        assert all(r["health"] != "err" for g in rules for r in g["rules"])
    finally:
        failing.stop()
