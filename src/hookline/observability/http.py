"""The three observability responses, and the small open app that serves them on
`HOOKLINE_METRICS_PORT` (a worker without an API, or an API that keeps /metrics off its port).
"""

from __future__ import annotations

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookline.observability.exporter import CONTENT_TYPE, Exporter
from hookline.observability.probes import Readiness


def _json(status: int, body: object) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def metrics_response(exporter: Exporter) -> Response:
    return Response(await exporter.render(), media_type=CONTENT_TYPE)


def liveness_response() -> Response:
    return _json(200, {"status": "ok"})


async def readiness_response(readiness: Readiness) -> Response:
    ready, checks = await readiness.run()
    if ready:
        return _json(200, {"status": "ready", "checks": checks})
    failing = ", ".join(f"{name}: {c['detail']}" for name, c in checks.items() if not c["ok"])
    return _json(503, {"code": "not_ready", "detail": failing, "checks": checks})


def probe_app(exporter: Exporter | None, readiness: Readiness) -> Starlette:
    async def metrics(_: Request) -> Response:
        if exporter is None:
            return _json(404, {"code": "not_found", "detail": "metrics are disabled"})
        return await metrics_response(exporter)

    async def healthz(_: Request) -> Response:
        return liveness_response()

    async def readyz(_: Request) -> Response:
        return await readiness_response(readiness)

    return Starlette(
        routes=[
            Route("/metrics", metrics, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
        ]
    )
