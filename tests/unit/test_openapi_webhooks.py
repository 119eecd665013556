"""Event types read from an OpenAPI document's webhooks: names, descriptions, schemas with
their `$ref`s written out, and what is refused (cycles, references outside the document)."""

from __future__ import annotations

import pytest

from hookline.openapi_webhooks import SpecError, event_types_from, parse_raw

USER = {"type": "object", "properties": {"id": {"type": "string"}}}


def _document(webhooks: dict, components: dict | None = None) -> dict:
    return {"openapi": "3.1.0", "webhooks": webhooks, "components": {"schemas": components or {}}}


def _hook(schema: dict, **operation: object) -> dict:
    body = {"content": {"application/json": {"schema": schema}}}
    return {"post": {"requestBody": body, **operation}}


def test_a_webhook_becomes_an_event_type_with_its_references_written_out():
    doc = _document(
        {
            "user.created": _hook(
                {"type": "object", "properties": {"user": {"$ref": "#/components/schemas/User"}}},
                description="A user signed up",
                deprecated=True,
                **{"x-svix-group-name": "user", "x-svix-feature-flags": ["beta"]},
            ),
            "user.deleted": _hook({"$ref": "#/components/schemas/User"}, summary="Gone"),
        },
        {"User": USER},
    )
    created, deleted = event_types_from(doc)
    assert created.name == "user.created"
    assert created.description == "A user signed up"
    assert (created.deprecated, created.group_name, created.feature_flags) == (
        True,
        "user",
        ["beta"],
    )
    assert created.schemas == {"1": {"type": "object", "properties": {"user": USER}}}
    assert (deleted.description, deleted.schemas, deleted.deprecated) == (
        "Gone",
        {"1": USER},
        False,
    )


def test_media_type_examples_become_the_schemas_examples():
    hook = _hook({"type": "object"})
    hook["post"]["requestBody"]["content"]["application/json"]["example"] = {"id": "u_1"}
    [found] = event_types_from(_document({"a.b": hook}))
    assert found.schemas == {"1": {"type": "object", "examples": [{"id": "u_1"}]}}


def test_a_webhook_without_a_json_body_has_no_schema():
    [found] = event_types_from(_document({"ping": {"post": {"summary": "Ping"}}}))
    assert (found.description, found.schemas) == ("Ping", None)


def test_yaml_and_json_text_are_read_alike():
    yaml_text = "openapi: 3.1.0\nwebhooks:\n  a.b:\n    post:\n      description: hi\n"
    json_text = '{"openapi": "3.1.0", "webhooks": {"a.b": {"post": {"description": "hi"}}}}'
    assert event_types_from(parse_raw(yaml_text)) == event_types_from(parse_raw(json_text))


@pytest.mark.parametrize(
    ("document", "why"),
    [
        pytest.param({"openapi": "3.1.0"}, "no `webhooks`", id="no-webhooks"),
        pytest.param(_document({"bad name!": _hook({})}), "cannot be an event type", id="name"),
        pytest.param(_document({"a.b": {"summary": "x"}}), "no operation", id="no-operation"),
        pytest.param(
            _document({"a.b": _hook({"$ref": "other.yaml#/User"})}), "outside", id="external"
        ),
        pytest.param(
            _document({"a.b": _hook({"$ref": "#/components/schemas/Nope"})}),
            "points at nothing",
            id="dangling",
        ),
        pytest.param(
            _document(
                {"a.b": _hook({"$ref": "#/components/schemas/Node"})},
                {"Node": {"properties": {"next": {"$ref": "#/components/schemas/Node"}}}},
            ),
            "contains itself",
            id="cycle",
        ),
    ],
)
def test_what_cannot_be_imported_is_refused(document, why):
    with pytest.raises(SpecError, match=why):
        event_types_from(document)


def test_references_that_multiply_beyond_a_bound_are_refused():
    levels = {
        f"L{i}": {"allOf": [{"$ref": f"#/components/schemas/L{i + 1}"}] * 8} for i in range(9)
    }
    levels["L9"] = {"type": "string"}
    doc = _document({"a.b": _hook({"$ref": "#/components/schemas/L0"})}, levels)
    with pytest.raises(SpecError, match="too large"):
        event_types_from(doc)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[1, 2]", id="not-an-object"),
        pytest.param("a: [", id="unreadable"),
        pytest.param("a: .nan", id="nan"),
    ],
)
def test_raw_text_that_is_not_a_document_is_refused(text):
    with pytest.raises(SpecError):
        parse_raw(text)
