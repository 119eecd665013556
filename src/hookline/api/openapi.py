"""The OpenAPI document: FastAPI's, plus what FastAPI cannot see.

FastAPI documents what a route declares; it cannot see the error answers that middleware
(authentication, the body and request-head limits) and the error handlers give. Those are added
here, once, from what each route is: every operation lists every status it can answer, with
the error body. Also added: the bearer-token security scheme, the recursive JSON value schemas,
and links from each created resource to the operations on it (for clients and stateful tests).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from hookline.api.models import HttpErrorOut, HttpValidationError
from hookline.api.schema_constraints import (
    JSON_VALUE_SCHEMAS,
    link_json_values,
    restore_integer_bounds,
)

_WHY = {
    400: "The body is not JSON that can be read (or, where noted, the request cannot be done).",
    401: "No token, or a wrong or expired one.",
    403: "The token may not do this (an application token outside its scope).",
    404: "A resource named in the path does not exist.",
    409: "It conflicts with what exists (a uid, name or eventId in use, or an idempotency-key "
    "whose first request is still running).",
    413: "The request body is larger than HOOKLINE_MAX_PAYLOAD_BYTES.",
    422: "A parameter or a body field is invalid; `detail` lists each problem.",
    431: "The request line and headers are larger than 32 KiB.",
    503: "The database is unavailable; retry after `Retry-After` seconds.",
    507: "The database's disk is full; retry after `Retry-After` seconds.",
}
_REF = "#/components/schemas/{model}"
ERROR_MODELS = (HttpErrorOut, HttpValidationError)
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
PUBLIC_PATHS = ("/api/v1/health",)
BEARER = "HTTPBearer"


def error_statuses(route: APIRoute | RouteContext, extra: tuple[int, ...] = ()) -> list[int]:
    """Every error status a route can answer, from what it is: a pure function of the route."""
    statuses = {413, 431, 503, 507, *extra}  # every request meets the limits and the database
    path, methods = route.path or "", route.methods or set()
    if path.startswith("/api/") and path not in PUBLIC_PATHS:
        statuses |= {401, 403}  # api/auth.Authenticate
    if route.dependant.path_params:
        statuses.add(404)
    if route.dependant.path_params or route.dependant.query_params or route.body_field:
        statuses.add(422)
    if route.body_field is not None:
        statuses |= {400, 422}  # unreadable body; invalid body
    if methods & {"POST", "PUT", "PATCH"}:
        statuses.add(409)  # a key in use; a write that lost a race (store.connections)
    if "POST" in methods:
        statuses |= {409, 422}  # api/idempotency: key in use, or reused for another request
    return sorted(statuses)


def document_errors(app: FastAPI) -> None:
    """Add the error responses to every route (before the document is first built). A route
    adds its own by listing statuses in `openapi_extra={"x-errors": [...]}`."""
    # Included routers are flattened into the routes as they are served (prefix and all).
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        extra = tuple((route.openapi_extra or {}).pop("x-errors", ()))
        for status in error_statuses(context, extra):
            model = HttpValidationError if status == 422 else HttpErrorOut
            # A reference, not `model`: FastAPI reads models from `responses` only when it
            # builds the route; build_document adds the error schemas to the components.
            schema = {"$ref": _REF.format(model=model.__name__)}
            context.responses.setdefault(
                status,
                {"description": _WHY[status], "content": {"application/json": {"schema": schema}}},
            )


def existing(
    model: type[Any], why: str = "It existed already, and is answered as it is now."
) -> dict[int | str, dict[str, Any]]:
    """The extra 200 of a create-or-get and the extra 201 of an upsert."""
    return {200: {"model": model, "description": why}}


def created(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    """The extra 201 of an upsert that created what it was given."""
    return {201: {"model": model, "description": "Created."}}


def build_document(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        # In the order the routers were included (app.match_publishes_first reorders them).
        routes=getattr(app.state, "documented_routes", app.routes),
    )
    restore_integer_bounds(doc)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(JSON_VALUE_SCHEMAS)
    for model in ERROR_MODELS:
        schema = model.model_json_schema(ref_template=_REF, mode="serialization")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    link_json_values(doc)
    doc["components"]["securitySchemes"] = {BEARER: {"type": "http", "scheme": "bearer"}}
    for path, operations in doc["paths"].items():
        for operation in operations.values():
            if path.startswith("/api/") and path not in PUBLIC_PATHS:
                operation["security"] = [{BEARER: []}]
            if "503" in operation["responses"]:
                operation["responses"]["503"]["headers"] = RETRY_AFTER
    add_links(doc)
    return doc


def install_openapi(app: FastAPI) -> None:
    document_errors(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# Links: a created resource's key feeds the operations on it.

_PARAM = re.compile(r"\{(\w+)\}")


def _creators(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(path, method, status, new path parameter) of operations that answer a new resource:
    a POST on a collection whose item path is the collection plus one parameter."""
    found = []
    for path, operations in doc["paths"].items():
        post = operations.get("post")
        if post is None:
            continue
        for other in doc["paths"]:
            rest = other[len(path) :]
            match = re.fullmatch(r"/\{(\w+)\}", rest) if other.startswith(path) else None
            if match:
                for status in ("201", "202", "200"):
                    if status in post["responses"]:
                        found.append((path, "post", status, match[1]))
    return found


def _key_field(doc: dict[str, Any], response: dict[str, Any]) -> str | None:
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    if ref is None:
        return None
    model = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    properties = model.get("properties", {})
    return "id" if "id" in properties else "name" if "name" in properties else None


def add_links(doc: dict[str, Any]) -> None:
    """From each creating operation to every operation under the item it created (not from
    deletions: deleting an event type archives it, and it stays readable)."""
    for path, method, status, param in _creators(doc):
        response = doc["paths"][path][method]["responses"][status]
        key = _key_field(doc, response)
        if key is None:
            continue
        item = f"{path}/{{{param}}}"
        links = {}
        for target, operations in doc["paths"].items():
            if target != item and not target.startswith(item + "/"):
                continue
            for operation in operations.values():
                parameters = {param: f"$response.body#/{key}"}
                for name in _PARAM.findall(path):
                    parameters[name] = f"$request.path.{name}"
                links[f"{operation['operationId']}"] = {
                    "operationId": operation["operationId"],
                    "parameters": parameters,
                }
        if links:
            response["links"] = links
