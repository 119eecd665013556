"""The API reference's Markdown, rendered from small OpenAPI documents."""

from __future__ import annotations

from typing import Any

import pytest

from docs_site.openapi_markdown import (
    anchor,
    cell,
    constraints,
    render_operations,
    render_schemas,
    type_of,
)

REF = "#/components/schemas/"


@pytest.mark.parametrize(
    ("schema", "page", "words"),
    [
        ({"type": "string"}, "", "string"),
        ({"type": "string", "format": "date-time"}, "", "string (date-time)"),
        ({"$ref": REF + "MessageIn"}, "", "[MessageIn](#messagein)"),
        ({"$ref": REF + "MessageIn"}, "api-schemas.md", "[MessageIn](api-schemas.md#messagein)"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "", "string or null"),
        ({"type": "array", "items": {"type": "integer"}}, "", "array of integer"),
        (
            {"type": "object", "additionalProperties": {"type": "string"}},
            "",
            "object of string",
        ),
        ({"enum": ["a", "b"], "type": "string"}, "", "one of `a`, `b`"),
        ({"const": "x"}, "", "`x`"),
        ({}, "", "any"),
        ({"anyOf": [{"type": "string"}, {"type": "string"}]}, "", "string"),
    ],
)
def test_type_words(schema: dict[str, Any], page: str, words: str) -> None:
    assert type_of(schema, page) == words


@pytest.mark.parametrize(
    ("schema", "rules"),
    [
        (
            {"type": "string", "minLength": 1, "maxLength": 256},
            ["not empty", "at most 256 characters"],
        ),
        (
            {"type": "integer", "minimum": 1, "maximum": 250, "default": 50},
            ["≥ 1", "≤ 250", "default `50`"],
        ),
        ({"type": "boolean", "default": False}, ["default `false`"]),
        ({"type": "integer", "minimum": -(2**63), "maximum": 2**64 - 1}, []),
        ({"anyOf": [{"type": "string", "pattern": "^a$"}, {"type": "null"}]}, ["matches `^a$`"]),
    ],
)
def test_constraints(schema: dict[str, Any], rules: list[str]) -> None:
    assert constraints(schema) == rules


def test_cells_keep_one_line_and_escape_pipes_outside_code_only() -> None:
    assert cell("a\n b | c `x|y`") == "a b \\| c `x|y`"
    assert anchor("ListResponse_MessageOut_") == "listresponse-messageout"


DOCUMENT: dict[str, Any] = {
    "paths": {
        "/api/v1/app/{app_id}/msg": {
            "post": {
                "tags": ["Message"],
                "summary": "Create Message",
                "description": "Store it, then answer 202.",
                "operationId": "create_message",
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "app_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": REF + "MessageIn"}}},
                },
                "responses": {
                    "202": {
                        "description": "Stored.",
                        "content": {"application/json": {"schema": {"$ref": REF + "MessageIn"}}},
                    },
                    "204": {"description": "Nothing."},
                },
            }
        },
        "/api/v1/health": {
            "get": {
                "tags": ["Health"],
                "summary": "Health",
                "operationId": "health",
                "responses": {"204": {"description": "Up."}},
            }
        },
    },
    "components": {
        "schemas": {
            "MessageIn": {
                "type": "object",
                "description": "A message to publish.",
                "required": ["eventType"],
                "properties": {
                    "eventType": {"type": "string", "minLength": 1, "description": "Its type."},
                    "channels": {
                        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]
                    },
                },
            },
            "JsonValue": {"description": "Any JSON value."},
        }
    },
}


def test_operations_grouped_by_tag_with_their_parameters_body_and_answers() -> None:
    text = render_operations(DOCUMENT)
    assert text.index("## Message") < text.index("### Create Message") < text.index("## Health")
    assert "`POST /api/v1/app/{app_id}/msg`" in text
    assert "Authenticated: `Authorization: Bearer <token>`." in text
    assert "Store it, then answer 202." in text
    assert "| `app_id` (path, required) | string |  |" in text
    assert (
        "Request body (required): [MessageIn](api-schemas.md#messagein) as `application/json`."
        in text
    )
    assert "| 202 | [MessageIn](api-schemas.md#messagein) | Stored. |" in text
    assert "| 204 | none | Nothing. |" in text
    health = text[text.index("## Health") :]
    assert "Authenticated" not in health


def test_schemas_with_their_fields_sorted_by_name() -> None:
    text = render_schemas(DOCUMENT)
    assert text.index("## JsonValue {#jsonvalue}") < text.index("## MessageIn {#messagein}")
    assert "A message to publish." in text
    assert "| `eventType` (required) | string | Its type. (not empty) |" in text
    assert "| `channels` | array of string or null |  |" in text
    assert "Any JSON value.\n\nType: any." in text
