"""What the server refuses, said in JSON Schema, for the OpenAPI document.

Some refusals are made in code, with a clearer message than a pattern failure could give
(check_json, signing.normalize_secret, the URL guard): these constraints describe them to
clients without validating anything themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

NO_NUL = r"^[^\x00]*$"
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+"  # a scheme and a host

_B64 = "[A-Za-z0-9+/]"
# `whsec_` (optional) + base64 of a 24-64 byte key, or `whsk_` + base64 of a 32-byte Ed25519
# seed. (A 64-byte `whsk_` key, seed and its own public key, is accepted too; whether the
# halves belong together is beyond a pattern.)
SECRET_PATTERN = (
    rf"^(?:(?:whsec_)?(?:(?:{_B64}{{4}}){{8,20}}(?:{_B64}{{2}}==|{_B64}{{3}}=)?"
    rf"|(?:{_B64}{{4}}){{21}}(?:{_B64}{{2}}==)?)|whsk_{_B64}{{43}}=)$"
)

JSON_VALUE = "JsonValue"
JSON_VALUE_WITHOUT_NUL = "JsonValueWithoutNul"
_REF = "#/components/schemas/{}"


def _json_value(name: str, string: dict[str, Any]) -> dict[str, Any]:
    ref = {"$ref": _REF.format(name)}
    return {
        "description": (
            "Any JSON value that can be stored and answered faithfully: integers fit in 64 "
            "bits, no unpaired surrogates, at most 128 levels of nesting."
        ),
        "anyOf": [
            {"type": "string", **string},
            {"type": "integer", "minimum": -(2**63), "maximum": 2**64 - 1},
            {"type": "number", "not": {"type": "integer"}},
            {"type": "boolean"},
            {"type": "null"},
            {"type": "array", "items": ref},
            {
                "type": "object",
                "propertyNames": {"type": "string", **string},
                "additionalProperties": ref,
            },
        ],
    }


# Recursive, so they live in the document's components (openapi.py adds them).
JSON_VALUE_SCHEMAS = {
    JSON_VALUE: _json_value(JSON_VALUE, {}),
    JSON_VALUE_WITHOUT_NUL: _json_value(JSON_VALUE_WITHOUT_NUL, {"pattern": NO_NUL}),
}
# Pydantic refuses references to definitions it did not make, so a model's schema carries this
# marker and openapi.py turns it into the reference (see link_json_values).
JSON_VALUES_MARKER = "x-json-values"
# A message payload: NUL characters are fine there (it is stored as bytes).
JSON_OBJECT = {"type": "object", JSON_VALUES_MARKER: JSON_VALUE}
JSON_OBJECT_WITHOUT_NUL = {
    "type": "object",
    "propertyNames": {"type": "string", "pattern": NO_NUL},
    JSON_VALUES_MARKER: JSON_VALUE_WITHOUT_NUL,
}


def link_json_values(schema: Any) -> None:
    """Replace the markers in a document (in place) by references to the recursive schemas."""
    if isinstance(schema, dict):
        name = schema.pop(JSON_VALUES_MARKER, None)
        if name is not None:
            schema["additionalProperties"] = {"$ref": _REF.format(name)}
        for value in schema.values():
            link_json_values(value)
    elif isinstance(schema, list):
        for value in schema:
            link_json_values(value)


def DOCUMENTED_HEADER_NAMES(names: Iterable[str]) -> str:  # noqa: N802
    """A pattern matching any of `names` in any letter case (JSON Schema has no flags)."""

    def spelled(name: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else f"\\{c}" for c in name)

    return "^(?:" + "|".join(spelled(n) for n in sorted(names)) + ")$"


@dataclass(frozen=True, slots=True)
class Documented:
    """An annotation that adds keywords to a type's JSON Schema and validates nothing."""

    keywords: dict[str, Any]

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.update(self.keywords)
        return schema

    def __hash__(self) -> int:
        return hash(repr(self.keywords))


@dataclass(frozen=True, slots=True)
class KeysConstrained:
    """For a dict whose keys have a pattern: pydantic writes `patternProperties`, which leaves
    other keys unconstrained; the server refuses them, so say `propertyNames` instead."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        patterns = schema.pop("patternProperties", None) or {}
        if len(patterns) == 1:
            ((pattern, values),) = patterns.items()
            schema["additionalProperties"] = values
            names = schema.setdefault("propertyNames", {})
            names["pattern"] = pattern
        return schema
