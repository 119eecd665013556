"""Event types' JSON Schemas as payload rules: which schema applies, whether a schema can be
used at all, and what is wrong with a payload. Pure (no I/O).

The `jsonschema` library does the work: it knows every draft (chosen by the schema's
`$schema`, Draft 2020-12 without one) and names each failure by its JSON path and keyword,
which is what a publisher needs to fix a payload. A compiled validator is cached by the
schema's content, so an edited schema (in this process or another) is compiled afresh and an
unchanged one never twice.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import jsonschema
import orjson
from jsonschema.exceptions import SchemaError, ValidationError, best_match
from jsonschema.protocols import Validator
from referencing.exceptions import Unresolvable

# Compiled validators kept per process; schemas are few and change seldom.
VALIDATOR_CACHE_SIZE = 512
# A failing value is quoted in the error; a huge one is cut, the path still says where it is.
MAX_PROBLEM_CHARS = 300


def current_schema(schemas: dict[str, Any] | None) -> Any:
    """Schemas are keyed by version ("1", "2", …): the highest number is the current one,
    the one payloads are checked against and examples are taken from. None without any."""
    if not schemas:
        return None
    numbered = [version for version in schemas if version.isdigit()]
    return schemas[max(numbered, key=int) if numbered else min(schemas)]


def must_validate(server_wide: bool, event_type_flag: bool, schema: Any) -> bool:
    """Whether a payload is checked: validation is on for the server (HOOKLINE_VALIDATE_
    PAYLOADS) or for the event type (`validate`), and there is a schema to check against."""
    return (server_wide or event_type_flag) and schema is not None


# Keywords whose values are data, not schemas: a "$ref" inside them is not a reference.
DATA_KEYWORDS = frozenset({"examples", "const", "enum", "default"})


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for key, value in node.items():
            if key not in DATA_KEYWORDS:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def schema_problem(schema: Any) -> str | None:
    """Why `schema` cannot be used to check payloads, or None if it can: it must be a valid
    JSON Schema of its draft, and every `$ref` must point inside it (nothing is fetched)."""
    if not isinstance(schema, dict | bool):
        return "must be a JSON Schema (an object or a boolean)"
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        where = exc.json_path if exc.path else "$"
        return f"not a valid JSON Schema: {where}: {_cut(exc.message)}"
    if isinstance(schema, bool):
        return None
    validator = cls(schema)
    for ref in _refs(schema):
        if not ref.startswith("#"):
            return f"$ref {ref!r} points outside the schema: Hookline fetches no schemas"
        try:
            # A dangling reference would only show when a payload reaches it: refuse it now.
            validator._resolver.lookup(ref)  # noqa: SLF001 - jsonschema's public API lacks one
        except Unresolvable:
            return f"$ref {ref!r} points to nothing in the schema"
    return None


def schema_key(schema: Any) -> bytes:
    """The schema's content, canonical (sorted keys): equal schemas, one cache entry."""
    return orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)


@functools.lru_cache(maxsize=VALIDATOR_CACHE_SIZE)
def compiled(key: bytes) -> Validator:
    """The validator for the schema whose `schema_key` is `key`, compiled once."""
    schema = orjson.loads(key)
    validator: Validator = jsonschema.validators.validator_for(schema)(schema)
    return validator


def payload_problem(validator: Validator, payload: Any) -> str | None:
    """What is wrong with `payload` by the validator's schema, as `$.json.path: rule`
    (the most relevant failure when there are several), or None if it matches."""
    error: ValidationError | None = best_match(validator.iter_errors(payload))
    if error is None:
        return None
    return f"{error.json_path}: {_cut(error.message)}"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_PROBLEM_CHARS else text[: MAX_PROBLEM_CHARS - 1] + "…"
