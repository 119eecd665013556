"""Which payload an example message carries (operations/examples.py)."""

from __future__ import annotations

import pytest

from hookline.operations.errors import InvalidInput
from hookline.operations.examples import example_payload

A, B = {"n": 1}, {"n": 2}


@pytest.mark.parametrize(
    ("schemas", "index", "expected"),
    [
        (None, 0, {}),
        ({}, 0, {}),
        ({"1": {"type": "object"}}, 0, {}),
        ({"1": {"examples": []}}, 3, {}),  # no examples: the index has nothing to choose
        ({"1": {"examples": [A, B]}}, 0, A),
        ({"1": {"examples": [A, B]}}, 1, B),
        ({"1": {"examples": [A]}, "2": {"examples": [B]}}, 0, B),  # the current version
        ({"2": {"examples": [B]}, "10": {"examples": [A]}}, 0, A),  # by number, not text
    ],
    ids=["none", "empty", "no-examples", "empty-examples", "first", "second", "newest", "numeric"],
)
def test_payload_chosen(schemas, index, expected):
    assert example_payload(schemas, index) == expected


@pytest.mark.parametrize(
    ("schemas", "index"),
    [({"1": {"examples": [A]}}, 1), ({"1": {"examples": ["text"]}}, 0), (None, -1)],
    ids=["beyond", "not-an-object", "negative"],
)
def test_refused_on_example_index(schemas, index):
    with pytest.raises(InvalidInput) as refused:
        example_payload(schemas, index)
    assert refused.value.field == "exampleIndex"
