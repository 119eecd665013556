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
# What orjson can write: a signed or unsigned 64-bit integer.
INT64_MIN, UINT64_MAX = -(2**63), 2**64 - 1

_B64 = "[A-Za-z0-9+/]"
# `whsec_` (optional) + base64 of a 24-64 byte HMAC key.
HMAC_SECRET_PATTERN = (
    rf"^(?:whsec_)?(?:(?:{_B64}{{4}}){{8,20}}(?:{_B64}{{2}}==|{_B64}{{3}}=)?"
    rf"|(?:{_B64}{{4}}){{21}}(?:{_B64}{{2}}==)?)$"
)
# `whsk_` + base64 of a 32-byte Ed25519 seed, or of the 64-byte key (the seed, then its public
# key). That the second half is the seed's public key is checked, and is beyond a pattern.
ED25519_SECRET_PATTERN = rf"^whsk_(?:{_B64}{{43}}=|(?:{_B64}{{4}}){{21}}{_B64}{{2}}==)$"
SECRET_PATTERN = f"^(?:{HMAC_SECRET_PATTERN[1:-1]}|{ED25519_SECRET_PATTERN[1:-1]})$"
# An endpoint's `signatureScheme` and `secret` agree (api/endpoint_input.endpoint_secret).
SCHEME_MATCHES_SECRET: dict[str, Any] = {
    "anyOf": [
        {"properties": {"signatureScheme": {"type": "null"}}},
        {
            "properties": {
                "signatureScheme": {"const": "ed25519"},
                "secret": {"pattern": ED25519_SECRET_PATTERN},
            }
        },
        {
            "properties": {
                "signatureScheme": {"const": "hmac-sha256"},
                "secret": {"pattern": HMAC_SECRET_PATTERN},
            }
        },
    ]
}
# PEM text must hold the block the server reads (delivery/tls.check_tls_settings parses it;
# a pattern can only say that the block is there), and no NUL.
CERTIFICATE_PEM_PATTERN = r"^[^\x00]*-----BEGIN CERTIFICATE-----[^\x00]*$"
PRIVATE_KEY_PEM_PATTERN = r"^[^\x00]*-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[^\x00]*$"
# A client certificate comes with its key: both are strings, or neither is.
CLIENT_CERT_WITH_KEY: dict[str, Any] = {
    "anyOf": [
        {
            "required": ["clientCert", "clientKey"],
            "properties": {"clientCert": {"type": "string"}, "clientKey": {"type": "string"}},
        },
        {"properties": {"clientCert": {"type": "null"}, "clientKey": {"type": "null"}}},
    ]
}

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
            {"type": "integer", "minimum": INT64_MIN, "maximum": UINT64_MAX},
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

# An event type's `schemas`: by version, each a JSON Schema, which is an object or a boolean.
# That it is a valid one of its draft, its references inside it, is checked on arrival
# (payload_schemas.schema_problem): a meta-schema here would be one the server fetches.
JSON_SCHEMAS_BY_VERSION = {
    "type": "object",
    "propertyNames": {"type": "string", "pattern": NO_NUL},
    "additionalProperties": {"anyOf": [{"type": "boolean"}, dict(JSON_OBJECT_WITHOUT_NUL)]},
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


# The integer bounds beyond a double's 53 bits that the models use (a 64-bit integer, signed or
# unsigned): FastAPI's document model holds bounds as floats, where 2**64 - 1 reads as 2**64.
_EXACT_BOUNDS = {float(bound): bound for bound in (INT64_MIN, UINT64_MAX)}
_BOUND_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def restore_integer_bounds(schema: Any) -> None:
    """Write integral bounds back as the integers they were (in place): `le=65535` is documented
    as 65535, not 65535.0, and 2**64 - 1 as itself."""
    if isinstance(schema, dict):
        for keyword in _BOUND_KEYWORDS:
            value = schema.get(keyword)
            if isinstance(value, float) and value.is_integer():
                schema[keyword] = _EXACT_BOUNDS.get(value, int(value))
        for value in schema.values():
            restore_integer_bounds(value)
    elif isinstance(schema, list):
        for value in schema:
            restore_integer_bounds(value)


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
