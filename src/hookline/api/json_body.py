"""Parsing request bodies so that no number changes silently on the way in.

The standard JSON parser turns a literal too small for a double (`1e-400`) into `0.0`, and
one too large (`1e400`) into infinity. Infinity is refused later (`models.check_json`); the
underflow would be stored as a zero nobody sent. The `parse_float` hook below marks such a
number instead, during the one parse the request gets anyway. The hook costs a function call
per float literal, so it is used only for bodies where an underflow is possible at all: a
literal reads as 0 only with a negative exponent (`e-`) or hundreds of leading zeros.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

_NON_ZERO_DIGITS = frozenset("123456789")
# The smallest double is about 4.9e-324: fewer leading zeros than this still read as non-zero.
_MANY_ZEROS = b"0" * 320


class Underflow(float):
    """A non-zero number literal that a double cannot hold (it would read as 0.0).

    `models.check_json` refuses it with a 422; it never reaches the store."""

    __slots__ = ("literal",)

    literal: str

    def __new__(cls, literal: str) -> Underflow:
        value = super().__new__(cls, 0.0)
        value.literal = literal
        return value


def parse_float(literal: str) -> float:
    value = float(literal)
    if value == 0.0 and not _NON_ZERO_DIGITS.isdisjoint(literal.lower().partition("e")[0]):
        return Underflow(literal)
    return value


def _may_underflow(body: bytes) -> bool:
    return b"e-" in body or b"E-" in body or _MANY_ZEROS in body


def loads(body: bytes) -> Any:
    if _may_underflow(body):
        return json.loads(body, parse_float=parse_float)
    return json.loads(body)


class _JsonBodyRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class JsonBodyRoute(APIRoute):
    """An API route whose JSON body is parsed with `loads` (FastAPI's own reading otherwise)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await handle(_JsonBodyRequest(request.scope, request.receive))

        return handler
