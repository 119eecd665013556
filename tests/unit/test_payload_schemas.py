"""Event type schemas as payload rules (payload_schemas.py): which schema applies, which
schemas are refused on save, and how a failing payload is described."""

from __future__ import annotations

import pytest

from hookline import payload_schemas
from hookline.payload_schemas import (
    compiled,
    current_schema,
    must_validate,
    payload_problem,
    schema_key,
    schema_problem,
)

AMOUNT = {
    "type": "object",
    "properties": {
        "amount": {"type": "integer", "minimum": 0},
        "currency": {"enum": ["EUR", "USD"]},
        "lines": {"type": "array", "items": {"type": "object", "required": ["sku"]}},
    },
    "required": ["amount"],
}
DRAFT7 = "http://json-schema.org/draft-07/schema#"


@pytest.mark.parametrize(
    ("schemas", "expected"),
    [
        (None, None),
        ({}, None),
        ({"1": {"type": "object"}}, {"type": "object"}),
        ({"1": {"title": "old"}, "2": {"title": "new"}}, {"title": "new"}),
        ({"2": {"title": "two"}, "10": {"title": "ten"}}, {"title": "ten"}),  # by number
        ({"beta": {"title": "b"}, "alpha": {"title": "a"}}, {"title": "a"}),  # no numbers
    ],
    ids=["none", "empty", "one", "highest", "numeric", "names"],
)
def test_current_schema(schemas, expected):
    assert current_schema(schemas) == expected


@pytest.mark.parametrize(
    ("server_wide", "flag", "schema", "expected"),
    [
        (False, False, AMOUNT, False),
        (False, True, AMOUNT, True),
        (True, False, AMOUNT, True),
        (True, True, AMOUNT, True),
        (True, True, None, False),  # nothing to check against
        (False, True, None, False),
        (False, True, False, True),  # the schema `false`: nothing matches, but it is a schema
    ],
)
def test_must_validate(server_wide, flag, schema, expected):
    assert must_validate(server_wide, flag, schema) is expected


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"amount": 0}, None),
        ({"amount": 10, "currency": "EUR", "lines": [{"sku": "a"}]}, None),
        ({"amount": -1}, "$.amount: -1 is less than the minimum of 0"),
        ({}, "$: 'amount' is a required property"),
        ({"amount": "1"}, "$.amount: '1' is not of type 'integer'"),
        ({"amount": 1, "currency": "GBP"}, "$.currency: 'GBP' is not one of ['EUR', 'USD']"),
        ({"amount": 1, "lines": [{"sku": "a"}, {}]}, "$.lines[1]: 'sku' is a required property"),
    ],
    ids=["minimal", "full", "minimum", "required", "type", "enum", "nested-array"],
)
def test_payload_problem_names_the_path_and_the_rule(payload, problem):
    assert payload_problem(compiled(schema_key(AMOUNT)), payload) == problem


@pytest.mark.parametrize(
    ("schema", "payload", "problem"),
    [
        # Draft 2020-12 (the default): prefixItems is a keyword.
        ({"prefixItems": [{"type": "string"}]}, [1], "$[0]: 1 is not of type 'string'"),
        # Draft-07 has no prefixItems: the same schema accepts anything.
        ({"$schema": DRAFT7, "prefixItems": [{"type": "string"}]}, [1], None),
        # Draft-07's tuple form of items.
        (
            {"$schema": DRAFT7, "items": [{"type": "string"}]},
            [1],
            "$[0]: 1 is not of type 'string'",
        ),
        (
            {"$defs": {"p": {"minimum": 5}}, "$ref": "#/$defs/p"},
            4,
            "$: 4 is less than the minimum of 5",
        ),
    ],
    ids=["2020-12-prefixItems", "draft7-ignores-prefixItems", "draft7-items-array", "ref"],
)
def test_the_draft_follows_dollar_schema(schema, payload, problem):
    assert payload_problem(compiled(schema_key(schema)), payload) == problem


def test_a_huge_failing_value_is_cut():
    problem = payload_problem(compiled(schema_key({"maxLength": 3})), "x" * 10_000)
    assert problem is not None
    assert problem.startswith("$: 'xxx")
    assert len(problem) <= payload_schemas.MAX_PROBLEM_CHARS + 3
    assert problem.endswith("…")


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        (AMOUNT, None),
        (True, None),
        ({"$schema": DRAFT7, "definitions": {"a": {}}, "$ref": "#/definitions/a"}, None),
        ({"examples": [{"$ref": "http://127.0.0.1:9/not-a-ref"}]}, None),  # data, not a ref
        ("object", "must be a JSON Schema (an object or a boolean)"),
        (
            {"type": "nope"},
            "not a valid JSON Schema: $.type: 'nope' is not valid under any of the given schemas",
        ),
        (
            {"properties": {"a": {"minimum": "x"}}},
            "not a valid JSON Schema: $.properties.a.minimum: 'x' is not of type 'number'",
        ),
        ({"$ref": "#/$defs/missing"}, "$ref '#/$defs/missing' points to nothing in the schema"),
        (
            {"$ref": "http://127.0.0.1:9/s.json"},
            "$ref 'http://127.0.0.1:9/s.json' points outside the schema: "
            "Hookline fetches no schemas",
        ),
    ],
    ids=[
        "ok",
        "true",
        "draft7-ref",
        "ref-in-examples",
        "not-object",
        "bad-type",
        "bad-minimum",
        "dangling-ref",
        "remote-ref",
    ],
)
def test_schema_problem(schema, problem):
    assert schema_problem(schema) == problem


def test_equal_schemas_share_one_validator_and_a_changed_one_gets_its_own():
    reordered = {"required": ["amount"], "properties": AMOUNT["properties"], "type": "object"}
    assert schema_key(reordered) == schema_key(AMOUNT)
    assert compiled(schema_key(reordered)) is compiled(schema_key(AMOUNT))
    changed = {**AMOUNT, "required": ["amount", "currency"]}
    assert compiled(schema_key(changed)) is not compiled(schema_key(AMOUNT))
    assert payload_problem(compiled(schema_key(changed)), {"amount": 1}) == (
        "$: 'currency' is a required property"
    )
