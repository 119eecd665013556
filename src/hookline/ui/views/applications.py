"""Applications (`/ui/apps`): the list with search, and an application's page with its
endpoints and their health (success rate over 24 hours, last error, circuit, disabled)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hookline.stat_buckets import HOUR_MS, Period, bucket_start
from hookline.store.rows import AttemptRow, EndpointRow
from hookline.store.statistics import AttemptCounts
from hookline.types import DeliveryStatus
from hookline.ui.templating import render

PAGE_SIZE = 50
MAX_SEARCH_CHARS = 256


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    endpoint: EndpointRow
    attempts_24h: AttemptCounts | None
    last_attempt: AttemptRow | None
    circuit_open: bool

    @property
    def last_error(self) -> AttemptRow | None:
        """The latest attempt, if it failed: what the endpoint is answering now."""
        last = self.last_attempt
        return last if last is not None and last.status != DeliveryStatus.SUCCESS else None


def endpoint_health(
    endpoints: list[EndpointRow],
    totals: dict[str, AttemptCounts],
    latest: dict[str, AttemptRow],
    now: int,
) -> list[EndpointHealth]:
    return [
        EndpointHealth(
            endpoint=ep,
            attempts_24h=totals.get(ep.id),
            last_attempt=latest.get(ep.id),
            circuit_open=not ep.disabled
            and ep.circuit_until is not None
            and ep.circuit_until > now,
        )
        for ep in endpoints
    ]


async def application_list(request: Request) -> Response:
    search = request.query_params.get("q", "")[:MAX_SEARCH_CHARS]
    iterator = request.query_params.get("after") or None
    page = await request.app.state.db.applications.search(search, PAGE_SIZE, iterator)
    return render(request, "applications.html", {"search": search, "page": page})


async def application_page(request: Request) -> Response:
    db = request.app.state.db
    app = await db.applications.get(request.path_params["app"])
    iterator = request.query_params.get("after") or None
    page = await db.endpoints.list(app.id, PAGE_SIZE, iterator)
    ids = [ep.id for ep in page.items]
    now = db.clock.now_ms()
    start = bucket_start(now, Period.ONE_HOUR) - 23 * HOUR_MS
    totals = await db.statistics_all.endpoint_totals(ids, start, now + HOUR_MS)
    latest = await db.attempts.latest_by_endpoint(app.id, ids)
    health = endpoint_health(page.items, totals, latest, now)
    return render(request, "application.html", {"app": app, "page": page, "health": health})


routes = [
    Route("/ui/apps", application_list, methods=["GET"]),
    Route("/ui/apps/{app}", application_page, methods=["GET"]),
]
