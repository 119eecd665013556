"""Hookline inside an existing FastAPI or Starlette application (docs/embedding.md).

    hookline = Hookline()                        # settings from the HOOKLINE_* environment

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with hookline.lifespan():          # store, worker, retention: the app's lifetime
            yield

    app = FastAPI(lifespan=lifespan)
    app.mount("/webhooks", hookline.app)         # the Svix-compatible API under a prefix
    ...
    await hookline.publish(app_id, "order.paid", {"order": 42})   # in-process, no HTTP hop

Everything is assembled as `hookline serve` assembles it (runtime.py), and `publish` goes
through the API's own publishing (api.routes.messages.publish): the same checks of the
message, the same payload validation, the same transaction (stored with its fan-out before
it returns). A mounted app gets no lifespan events of its own, hence `lifespan()`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from starlette.types import Receive, Scope, Send

from hookline.api.models import MessageIn
from hookline.api.responses import error
from hookline.api.routes.messages import publish as publish_as_the_api
from hookline.config import Settings, load_settings
from hookline.operations.errors import InvalidInput, PublishFailed
from hookline.runtime import Runtime, assemble, load_or_create_admin_token
from hookline.store import Conflict, NotFound, StoreUnavailable
from hookline.store.rows import MessageRow

__all__ = [
    "Conflict",
    "Hookline",
    "InvalidInput",
    "MessageRow",
    "NotFound",
    "PublishFailed",
    "StoreUnavailable",
]


class Hookline:
    """One Hookline inside a host application: `app` to mount, `lifespan()` to run in the
    host's lifespan, `publish()` to publish from the host's own code.

    `settings`: by default from the environment (config.py). `public_url` must be where the
    mounted API is reached (`https://api.example.com/webhooks`): it is the base of every
    absolute URL Hookline builds. `worker`: False to leave delivery to `hookline worker`
    processes sharing the database (PostgreSQL)."""

    def __init__(self, settings: Settings | None = None, *, worker: bool = True) -> None:
        self.settings = settings if settings is not None else load_settings()
        if not self.settings.public_url:
            raise ValueError(
                "Hookline inside an application needs its public URL, the address of the "
                "mounted API (HOOKLINE_PUBLIC_URL, e.g. https://api.example.com/webhooks)"
            )
        self.with_worker = worker
        self._runtime: Runtime | None = None
        self.app = _MountedApi(self)

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[Hookline]:
        """Open (and migrate) the store, run the worker and the retention task; on exit,
        let deliveries in flight finish (bounded, as `hookline serve` does) and close."""
        if self._runtime is not None:
            raise RuntimeError("this Hookline is already running")
        token, _ = load_or_create_admin_token(self.settings)
        runtime = await assemble(self.settings, token, self.with_worker)
        try:
            # The API's own lifespan: the same start and bounded shutdown as under uvicorn.
            async with runtime.api.router.lifespan_context(runtime.api):
                self._runtime = runtime
                try:
                    yield self
                finally:
                    self._runtime = None
                    runtime.db.publishes.stop_waiting()  # long polls answer now
        finally:
            await runtime.db.close()

    @property
    def running(self) -> bool:
        return self._runtime is not None

    async def publish(
        self,
        app_id: str,
        event_type: str,
        payload: dict[str, Any],
        *,
        event_id: str | None = None,
        channels: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        deliver_at: datetime | None = None,
    ) -> MessageRow:
        """Publish a message as `POST /api/v1/app/{app_id}/msg` would: when this returns,
        the message and its deliveries are committed. `app_id`: the application's id or uid.

        Raises InvalidInput (what the API answers 422: a malformed message, a payload its
        event type's schema refuses), NotFound (no such application), Conflict (`event_id`
        already used in the application: a repeat publishes nothing), StoreUnavailable
        (retry later), PublishFailed (logged already)."""
        runtime = self._runtime
        if runtime is None:
            raise RuntimeError("Hookline is not running: publish inside `async with lifespan()`")
        # The API's request model checks it, field by field, as it checks a request body.
        fields: dict[str, Any] = {"eventType": event_type, "payload": payload}
        if event_id is not None:
            fields["eventId"] = event_id
        if channels is not None:
            fields["channels"] = list(channels)
        if tags is not None:
            fields["tags"] = list(tags)
        if deliver_at is not None:
            fields["deliverAt"] = deliver_at.isoformat()
        try:
            body = MessageIn.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise InvalidInput(str(first["msg"]), where or None) from exc
        return await publish_as_the_api(runtime.operations, app_id, body)


class _MountedApi:
    """The ASGI app to mount: the API once `lifespan()` runs, a 503 before and after."""

    def __init__(self, hookline: Hookline) -> None:
        self.hookline = hookline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = self.hookline._runtime
        if runtime is not None:
            await runtime.api(scope, receive, send)
        elif scope["type"] == "http":
            detail = "Hookline is not running: the host application's lifespan starts it"
            await error(503, "service_unavailable", detail)(scope, receive, send)
