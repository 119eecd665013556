"""Prometheus metrics: the registry, the metric objects, and one cheap call per event.

The hot path (publish, each attempt, each record batch) calls the `record_*` functions below;
each is a few counter increments and a histogram observation, with no I/O. The queue gauges
are read from the store at scrape time (see `gauges.py`).

Labels are bounded: outcomes, failure kinds, reasons, event types of operational webhooks.
No message, endpoint or application label, unless `HOOKLINE_METRICS_PER_APP` adds `app`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from prometheus_client import CollectorRegistry, Counter, Histogram

from hookline.admission import REASON_FAILING, REASON_GONE
from hookline.config import Settings
from hookline.types import Outcome

# Webhooks take from a millisecond (a receiver on the same host) to a minute (a slow
# receiver, or a retry after a short backoff); latency of retries goes well beyond.
ATTEMPT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
LATENCY_BUCKETS = (*ATTEMPT_BUCKETS, 300, 1800, 7200, 36000, 86400)
PUBLISH_BUCKETS = ATTEMPT_BUCKETS

# The store's reasons for disabling an endpoint, as short label values.
DISABLE_REASONS = {REASON_GONE: "gone", REASON_FAILING: "failing"}


M = TypeVar("M", Counter, Histogram)


@dataclass
class Metrics:
    """The metric objects of one process, in their own registry."""

    per_app: bool = False
    enabled: bool = True
    registry: CollectorRegistry = field(
        default_factory=lambda: CollectorRegistry(auto_describe=True)
    )

    def __post_init__(self) -> None:
        app = ("app",) if self.per_app else ()
        r = self.registry
        self.messages_published = Counter(
            "hookline_messages_published", "Messages accepted by the API.", app, registry=r
        )
        self.attempts = Counter(
            "hookline_attempts",
            "Delivery attempts by outcome (success, failure) and failure kind.",
            (*app, "outcome", "failure_kind"),
            registry=r,
        )
        self.deliveries_exhausted = Counter(
            "hookline_deliveries_exhausted",
            "Deliveries that failed for good (retries exhausted, or nothing left to send).",
            app,
            registry=r,
        )
        self.endpoints_disabled = Counter(
            "hookline_endpoints_disabled",
            "Endpoints disabled automatically, by reason (gone, failing).",
            (*app, "reason"),
            registry=r,
        )
        self.circuit_openings = Counter(
            "hookline_circuit_openings",
            "Times an endpoint's circuit breaker opened after consecutive failures.",
            app,
            registry=r,
        )
        self.operational_webhooks = Counter(
            "hookline_operational_webhooks",
            "Operational webhooks queued for the operator, by event type.",
            ("event_type",),
            registry=r,
        )
        self.attempt_duration = Histogram(
            "hookline_attempt_duration_seconds",
            "Duration of one delivery attempt (the HTTP request to the receiver).",
            app,
            buckets=ATTEMPT_BUCKETS,
            registry=r,
        )
        self.delivery_latency = Histogram(
            "hookline_delivery_latency_seconds",
            "From the publish to the receiver's 2xx, for first attempts and retries.",
            (*app, "attempt"),
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.publish_duration = Histogram(
            "hookline_publish_duration_seconds",
            "Duration of the publish request (POST /api/v1/app/{app_id}/msg), as answered.",
            buckets=PUBLISH_BUCKETS,
            registry=r,
        )

        # Labelled children by (metric, label values): `.labels()` validates and locks on
        # every call, a dict lookup does not (the children are the same objects either way).
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def _app(self, app_id: str) -> tuple[str, ...]:
        return (app_id,) if self.per_app else ()

    def child(self, metric: M, labels: tuple[str, ...]) -> M:
        """`metric.labels(*labels)`, looked up once per label values."""
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = _with(metric, labels)
        return cast(M, found)


def _with(metric: M, labels: tuple[str, ...]) -> M:
    # prometheus-client refuses `.labels()` on a metric without label names.
    return metric.labels(*labels) if labels else metric


_metrics = Metrics()


def configure(settings: Settings) -> Metrics:
    """Make the process's metrics follow the settings (called once, at startup)."""
    global _metrics
    if settings.metrics_per_app != _metrics.per_app or settings.metrics_enabled != _metrics.enabled:
        _metrics = Metrics(per_app=settings.metrics_per_app, enabled=settings.metrics_enabled)
    return _metrics


def current() -> Metrics:
    return _metrics


def record_published(app_id: str) -> None:
    m = _metrics
    if m.enabled:
        m.child(m.messages_published, m._app(app_id)).inc()


def record_publish_request(duration_s: float) -> None:
    m = _metrics
    if m.enabled:
        m.publish_duration.observe(duration_s)


def record_attempt(
    app_id: str,
    outcome: Outcome,
    latency_s: float | None,
    first_attempt: bool,
    exhausted: bool,
) -> None:
    """One attempt's outcome. `latency_s`: from the publish to now (used on success only)."""
    m = _metrics
    if not m.enabled:
        return
    labels = m._app(app_id)
    if outcome.succeeded:
        m.child(m.attempts, (*labels, "success", "")).inc()
        if latency_s is not None:
            kind = "first" if first_attempt else "retry"
            m.child(m.delivery_latency, (*labels, kind)).observe(max(latency_s, 0.0))
    else:
        kind = outcome.failure_kind.value if outcome.failure_kind else "error"
        m.child(m.attempts, (*labels, "failure", kind)).inc()
        if exhausted:
            m.child(m.deliveries_exhausted, labels).inc()
    m.child(m.attempt_duration, labels).observe(outcome.duration_ms / 1000)


def record_endpoint_disabled(app_id: str, reason: str) -> None:
    m = _metrics
    if m.enabled:
        m.endpoints_disabled.labels(*m._app(app_id), DISABLE_REASONS.get(reason, "other")).inc()


def record_circuit_opened(app_id: str) -> None:
    m = _metrics
    if m.enabled:
        _with(m.circuit_openings, m._app(app_id)).inc()


def record_operational_webhook(event_type: str) -> None:
    m = _metrics
    if m.enabled:
        m.operational_webhooks.labels(event_type).inc()
