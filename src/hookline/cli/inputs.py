"""Turning command-line text into API values: `key=value` pairs and JSON documents. Pure."""

from __future__ import annotations

import json
import sys
from typing import Any

from hookline.cli.failures import CommandFailure


def key_values(pairs: list[str] | None, what: str) -> dict[str, str] | None:
    """`["team=billing", "tier=gold"]` → `{"team": "billing", "tier": "gold"}`."""
    if not pairs:
        return None
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CommandFailure(f"{what} must be KEY=VALUE, got {pair!r}")
        result[key] = value
    return result


def json_object(text: str, what: str) -> dict[str, Any]:
    """A JSON object from the argument, or from stdin when it is `-`, or from a file `@path`."""
    if text == "-":
        text = sys.stdin.read()
    elif text.startswith("@"):
        try:
            with open(text[1:], encoding="utf-8") as file:
                text = file.read()
        except OSError as exc:
            raise CommandFailure(f"{what}: cannot read {text[1:]}: {exc.strerror}") from None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise CommandFailure(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise CommandFailure(f"{what} must be a JSON object, got {type(value).__name__}")
    return value
