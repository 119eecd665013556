"""The ASGI application: routes, authentication, error mapping, body limits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, FastAPI

from hookline import __version__
from hookline.api.auth import Authenticate, require_caller, token_digest
from hookline.api.errors import install_error_handlers
from hookline.api.idempotency import IdempotentPosts
from hookline.api.limits import BodySizeLimit
from hookline.api.openapi import install_openapi
from hookline.api.redirects import RelativeRedirects
from hookline.api.request_log import RequestLog
from hookline.api.routes import (
    applications,
    attempts,
    auth,
    background_tasks,
    deliveries,
    endpoints,
    event_types,
    expunge,
    health,
    messages,
    operational_webhooks,
    polling,
    statistics,
    usage,
)
from hookline.api.routes import observability as observability_routes
from hookline.api.routes import relay as relay_route
from hookline.config import Settings
from hookline.delivery.relay_sender import RelaySender
from hookline.observability.process import Observability, observability_for
from hookline.operational import OperationalEvents
from hookline.operations.context import OperationContext
from hookline.readiness import STALE_AFTER_SECONDS, FailureWatches
from hookline.store import Database

# Runs for the app's lifetime and returns once the event is set (the delivery worker).
Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
# On shutdown the worker lets sends in flight finish (bounded by the request timeout), then
# records them; this is the margin for that last write.
RECORD_GRACE_SECONDS = 10.0


def create_app(
    settings: Settings,
    db: Database,
    admin_token: str,
    background: Background | None = None,
    operational: OperationalEvents | None = None,
    failures: FailureWatches | None = None,
    observability: Observability | None = None,
    relay: RelaySender | None = None,
) -> FastAPI:
    """Build the API. `background`, if given, runs for the app's lifetime (the worker);
    `relay` is that worker's, for the listeners' sockets (`hookline listen`)."""
    if not settings.public_url:
        raise ValueError("settings.public_url must be set (hookline serve sets its default)")

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(background(stop)) if background else None
        try:
            yield
        finally:
            stop.set()
            # Background tasks die with the process: say so in their records.
            await app.state.operations.background.shutdown()
            if task is not None:
                # On timeout wait_for cancels the worker; unrecorded work returns with its lease.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(task, settings.request_timeout + RECORD_GRACE_SECONDS)

    app = FastAPI(
        title="Hookline",
        version=__version__,
        description="Webhook delivery with a Svix-compatible API.",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    # Only a digest: the token itself is not kept where a heap dump or a debug page shows it.
    app.state.admin_token_digest = token_digest(admin_token)
    app.state.operational = operational or OperationalEvents(db, settings)
    # What the health route reports: this process's worker (if any) and its publishes.
    app.state.relay = relay
    app.state.failures = failures = failures or FailureWatches()
    app.state.publishes = failures.watch("publish messages", stale_after=STALE_AFTER_SECONDS)
    app.state.operations = OperationContext(
        settings, db, app.state.operational, app.state.publishes
    )
    app.state.observability = observability or observability_for(settings, db, failures=failures)
    install_error_handlers(app)

    app.include_router(health.router)
    app.include_router(observability_routes.router)
    protected = [Depends(require_caller)]
    for module in (
        applications,
        event_types,
        endpoints,
        messages,
        attempts,
        auth,
        deliveries,
        expunge,
        statistics,
        polling,
        operational_webhooks,
        background_tasks,
        usage,
    ):
        app.include_router(module.router, dependencies=protected)
    app.include_router(relay_route.router)  # a WebSocket: it checks the token itself
    install_openapi(app)
    match_publishes_first(app, messages.router)

    app.add_middleware(RelativeRedirects)  # the router's trailing-slash redirects
    app.add_middleware(IdempotentPosts)  # innermost: sees authenticated, size-checked requests
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_payload_bytes)
    app.add_middleware(Authenticate)  # strangers' bodies are never read
    app.add_middleware(RequestLog)  # outermost: every answer is timed and logged, 401s too
    return app


def match_publishes_first(app: FastAPI, router: APIRouter) -> None:
    """Let the router try the messages routes (`POST …/msg`, the busiest) before the others.

    The router tries its entries in order and each try costs: behind the applications,
    event types and endpoints (36 routes) a publish's route was found in 500 µs, first in
    30 µs (timeit, same session, on a loaded machine), and a request is matched twice.
    No path of the messages router is matched by another router's route, so the order
    decides nothing but the cost (tests/unit/test_route_order.py checks every route). The
    API document keeps the order in which the routers were included."""
    routes = app.router.routes
    app.state.documented_routes = list(routes)
    for index, route in enumerate(routes):
        if getattr(route, "original_router", None) is router:
            routes.insert(_first_included(routes), routes.pop(index))
            return


def _first_included(routes: list[Any]) -> int:
    """Where the included routers start (after the app's own routes: /openapi.json, /docs)."""
    for index, route in enumerate(routes):
        if hasattr(route, "original_router"):
            return index
    return len(routes)
