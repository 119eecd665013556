"""OpenTelemetry traces (the optional `hookline[otel]` extra).

Off unless `OTEL_TRACES_EXPORTER` names an exporter (`otlp`, or `console` for one JSON line per
span on standard output) and `OTEL_SDK_DISABLED` is not true; the exporter reads the other
standard `OTEL_*` variables itself (endpoint, headers, service name). When off, or when the
extra is not installed, `setup` does nothing and every function here returns at its first
line: the hot path pays one `None` check.

Spans: `hookline.publish` (the publish request; it continues an incoming `traceparent`), and
in the worker `hookline.claim` (a batch that claimed something) and `hookline.attempt` (one
POST), a child of the publish's span through the `traceparent` stored with the message.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

_tracer: Any = None
_propagator: Any = None


def setup(env: Mapping[str, str] | None = None) -> bool:
    """Install the tracer provider if the environment asks for traces; True if it did."""
    global _tracer, _propagator
    env = os.environ if env is None else env
    exporter_name = (env.get("OTEL_TRACES_EXPORTER") or "none").strip().lower()
    if exporter_name == "none" or (env.get("OTEL_SDK_DISABLED") or "").lower() == "true":
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
        from opentelemetry.sdk.trace.export import (
            BatchSpanProcessor,
            ConsoleSpanExporter,
            SimpleSpanProcessor,
        )
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
    except ImportError:
        print(
            "hookline: OTEL_TRACES_EXPORTER is set but hookline[otel] is not installed; no traces",
            file=sys.stderr,
        )
        return False
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or "hookline"})
    provider = TracerProvider(resource=resource)
    processor: SpanProcessor
    if exporter_name == "console":
        # One line per span, flushed as it ends, so that another program can read them.
        console = ConsoleSpanExporter(formatter=lambda span: span.to_json(indent=None) + "\n")
        processor = SimpleSpanProcessor(console)
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter())
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    _tracer = trace.get_tracer("hookline")
    _propagator = TraceContextTextMapPropagator()
    return True


def shutdown() -> None:
    """Export what is buffered (on process exit)."""
    if _tracer is None:
        return
    from opentelemetry import trace

    provider = trace.get_tracer_provider()
    with contextlib.suppress(Exception):
        provider.shutdown()  # type: ignore[attr-defined]


def enabled() -> bool:
    return _tracer is not None


def _context(traceparent: str | None) -> Any:
    if traceparent is None:
        return None
    return _propagator.extract({"traceparent": traceparent})


@contextlib.contextmanager
def span(
    name: str,
    parent_traceparent: str | None = None,
    kind: str = "INTERNAL",
    attributes: Mapping[str, Any] | None = None,
    start_time_ns: int | None = None,
) -> Iterator[Any]:
    """A span named `name`, a child of `parent_traceparent` if given (else of the current
    span); yields the span, or None when tracing is off."""
    if _tracer is None:
        yield None
        return
    from opentelemetry.trace import SpanKind

    with _tracer.start_as_current_span(
        name,
        context=_context(parent_traceparent),
        kind=SpanKind[kind],
        attributes=dict(attributes or {}),
        start_time=start_time_ns,
    ) as current:
        yield current


def current_traceparent() -> str | None:
    """The current span's `traceparent` header value, or None."""
    if _tracer is None:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def set_attributes(current: Any, attributes: Mapping[str, Any]) -> None:
    if current is not None:
        current.set_attributes({k: v for k, v in attributes.items() if v is not None})
