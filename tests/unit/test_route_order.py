"""The API's router tries the messages routes first (app.match_publishes_first, for the cost
of a publish): every route must still be reached by exactly the paths it was reached by in
the order the routers were included, and the API document keeps that order."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.routing import Match

from hookline.api.app import create_app
from hookline.api.openapi import iter_route_contexts
from hookline.config import load_settings
from hookline.store import Database

PARAM = re.compile(r"\{[^}]+\}")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def app() -> Iterator[FastAPI]:
    with tempfile.TemporaryDirectory() as data:
        settings = load_settings(
            {"HOOKLINE_DATA_DIR": data, "HOOKLINE_PUBLIC_URL": "http://127.0.0.1:1"}
        )
        yield create_app(settings, Database(f"sqlite:///{data}/routes.db"), "unused")


def resolve(routes: list[Any], method: str, path: str) -> tuple[str, str]:
    """(match, the route's name) as the router decides: the first full match, else the first
    partial one (a 405)."""
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    partial: tuple[str, str] | None = None
    for route in routes:
        scope_copy = dict(scope)
        if hasattr(route, "_match"):
            match, _, inner, _ = route._match(scope_copy)
            name = getattr(inner, "name", None) or repr(inner)
        else:
            match, _ = route.matches(scope_copy)
            name = getattr(route, "name", repr(route))
        if match == Match.FULL:
            return ("full", name)
        if match == Match.PARTIAL and partial is None:
            partial = ("partial", name)
    return partial or ("none", "")


def sample_paths(app: FastAPI) -> set[str]:
    """Every route's path with its parameters filled in: with a plain value, and with each
    literal segment of any route in turn, where a collision between routes would show."""
    formats = {context.path_format for context in iter_route_contexts(app.routes)}
    literals = {seg for f in formats for seg in f.split("/") if seg and not PARAM.fullmatch(seg)}
    paths = set()
    for path_format in formats:
        params = PARAM.findall(path_format)
        paths.add(PARAM.sub("x1", path_format))
        for index in range(len(params)):
            for literal in literals:
                values = iter(["x1"] * index + [literal] + ["x1"] * len(params))
                paths.add(PARAM.sub(lambda _m, v=values: next(v), path_format))
    return paths


def test_the_publish_route_is_tried_first(app: FastAPI) -> None:
    first = next(r for r in app.router.routes if hasattr(r, "original_router"))
    match, _, route, _ = first._match(
        {"type": "http", "method": "POST", "path": "/api/v1/app/x1/msg", "root_path": ""}
    )
    assert (match, route.name) == (Match.FULL, "create_message")


def test_every_path_reaches_the_same_route_in_either_order(app: FastAPI) -> None:
    served = app.router.routes
    documented = app.state.documented_routes
    assert served != documented and sorted(map(id, served)) == sorted(map(id, documented))
    paths = sample_paths(app)
    assert len(paths) > 500
    differences = [
        (method, path, resolve(documented, method, path), resolve(served, method, path))
        for path in sorted(paths)
        for method in METHODS
        if resolve(documented, method, path) != resolve(served, method, path)
    ]
    assert differences == []


def test_the_document_keeps_the_included_order(app: FastAPI) -> None:
    paths = list(app.openapi()["paths"])
    assert paths.index("/api/v1/app") < paths.index("/api/v1/app/{app_id}/msg")
