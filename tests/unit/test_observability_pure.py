import asyncio

import pytest
from prometheus_client import generate_latest

from hookline.observability import metrics
from hookline.observability.probes import Readiness, heartbeat_check
from hookline.types import FailureKind, Outcome


def _value(m: metrics.Metrics, name: str, **labels: str) -> float:
    value = m.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


def test_attempts_are_counted_by_outcome_and_kind(monkeypatch):
    m = metrics.Metrics()
    monkeypatch.setattr(metrics, "_metrics", m)
    ok = Outcome(True, 200, "", 12)
    bad = Outcome(False, 0, "", 3, failure_kind=FailureKind.TIMEOUT)
    metrics.record_attempt("app_1", ok, 0.5, first_attempt=True, exhausted=False)
    metrics.record_attempt("app_1", ok, 90.0, first_attempt=False, exhausted=False)
    metrics.record_attempt("app_1", bad, None, first_attempt=False, exhausted=True)
    assert _value(m, "hookline_attempts_total", outcome="success", failure_kind="") == 2
    assert _value(m, "hookline_attempts_total", outcome="failure", failure_kind="timeout") == 1
    assert _value(m, "hookline_deliveries_exhausted_total") == 1
    assert _value(m, "hookline_delivery_latency_seconds_count", attempt="first") == 1
    assert _value(m, "hookline_delivery_latency_seconds_count", attempt="retry") == 1
    assert _value(m, "hookline_attempt_duration_seconds_sum") == pytest.approx(0.027)
    assert b"app_1" not in generate_latest(m.registry)


def test_per_app_label_and_disabled_metrics(monkeypatch):
    m = metrics.Metrics(per_app=True)
    monkeypatch.setattr(metrics, "_metrics", m)
    metrics.record_published("app_1")
    metrics.record_endpoint_disabled("app_1", "the endpoint answered 410 Gone")
    metrics.record_circuit_opened("app_1")
    assert _value(m, "hookline_messages_published_total", app="app_1") == 1
    assert _value(m, "hookline_endpoints_disabled_total", app="app_1", reason="gone") == 1
    assert _value(m, "hookline_circuit_openings_total", app="app_1") == 1

    off = metrics.Metrics(enabled=False)
    monkeypatch.setattr(metrics, "_metrics", off)
    metrics.record_published("app_1")
    assert _value(off, "hookline_messages_published_total") == 0


def test_readiness_reports_every_failing_check_by_name():
    async def fine() -> str | None:
        return None

    async def broken() -> str | None:
        raise ConnectionError("refused")

    async def unready() -> str | None:
        return "not yet"

    readiness = Readiness({"a": fine, "b": broken, "c": unready})
    ready, report = asyncio.run(readiness.run())
    assert not ready
    assert report == {
        "a": {"ok": True},
        "b": {"ok": False, "detail": "ConnectionError: refused"},
        "c": {"ok": False, "detail": "not yet"},
    }
    assert asyncio.run(Readiness({"a": fine}).run()) == (True, {"a": {"ok": True}})


def test_heartbeat_check():
    import time

    assert asyncio.run(heartbeat_check(lambda: None, 5)()) == "the worker loop has not started"
    assert asyncio.run(heartbeat_check(time.monotonic, 5)()) is None
    stale = asyncio.run(heartbeat_check(lambda: time.monotonic() - 60, 5)())
    assert stale is not None and "has not run for" in stale
