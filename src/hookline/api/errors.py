"""Every error answers with a JSON body `{"code", "detail"}`; nothing escapes as a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from hookline.api.allowed_methods import allowed_methods
from hookline.api.responses import error
from hookline.operations.errors import InvalidInput, PublishFailed
from hookline.store import (
    Conflict,
    InvalidKey,
    NotFound,
    PayloadRemoved,
    StoreFull,
    StoreUnavailable,
)

log = logging.getLogger("hookline.api")

_CODES = {
    400: "bad_request",
    401: "authentication_failed",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation",
    429: "rate_limited",
    503: "service_unavailable",
}


class ApiError(Exception):
    def __init__(
        self, status_code: int, detail: str, code: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail: Any = detail
        self.code = code or _CODES.get(status_code, "error")
        if status_code == 422:
            # Svix clients parse a 422's detail as a list of {loc, msg, type}.
            loc = ["body", field] if field else ["body"]
            self.detail = [{"loc": loc, "msg": detail, "type": "value_error"}]


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Svix's 422 shape: a list of {loc, msg, type}; `loc` entries must be strings or ints.
    return [
        {
            "loc": [p if isinstance(p, int | str) else str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError):  # type: ignore[no-untyped-def]
        return error(exc.status_code, exc.code, exc.detail)

    @app.exception_handler(InvalidInput)
    async def _invalid_input(_: Request, exc: InvalidInput):  # type: ignore[no-untyped-def]
        loc = ["body", *exc.path]
        return error(422, "validation", [{"loc": loc, "msg": exc.detail, "type": "value_error"}])

    @app.exception_handler(PublishFailed)
    async def _publish_failed(_: Request, exc: PublishFailed):  # type: ignore[no-untyped-def]
        # Logged and reported to the health route where it happened; once is enough.
        return error(500, "internal_error", "internal server error")

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound):  # type: ignore[no-untyped-def]
        return error(404, "not_found", str(exc))

    @app.exception_handler(InvalidKey)
    async def _invalid_key(_: Request, exc: InvalidKey):  # type: ignore[no-untyped-def]
        return error(
            422, "validation", [{"loc": list(exc.loc), "msg": str(exc), "type": "value_error"}]
        )

    @app.exception_handler(PayloadRemoved)
    async def _payload_removed(_: Request, exc: PayloadRemoved):  # type: ignore[no-untyped-def]
        # Svix's answer to resending a message whose payload is gone.
        return error(400, "missing_payload", str(exc))

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict):  # type: ignore[no-untyped-def]
        return error(409, "conflict", str(exc))

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(_: Request, exc: StoreUnavailable):  # type: ignore[no-untyped-def]
        log.warning("database unavailable: %s", exc)
        return error(
            503,
            "service_unavailable",
            "the database is unavailable; retry later",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(StoreFull)
    async def _full(_: Request, exc: StoreFull):  # type: ignore[no-untyped-def]
        log.error("the database's disk is full: %s", exc)
        return error(
            507,
            "insufficient_storage",
            "the database's disk is full; retry later (the write may have been stored all "
            "the same: give messages an eventId)",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError):  # type: ignore[no-untyped-def]
        return error(422, "validation", _validation_detail(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        if exc.status_code == 405:
            allow = {"Allow": ", ".join(allowed_methods(app.routes, request.url.path))}
            if request.method == "OPTIONS":
                return Response(status_code=204, headers=allow)
            return error(405, "method_not_allowed", str(exc.detail), headers=allow)
        return error(
            exc.status_code,
            _CODES.get(exc.status_code, "error"),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        return error(500, "internal_error", "internal server error")
