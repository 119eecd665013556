"""JSON columns are written by orjson, and by the standard library where orjson refuses."""

import json

import pytest

from hookline.store.json_text import dumps


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"a": 1, "b": [True, None, 1.5]},
        (("content-type", "application/json"), ("set-cookie", "[redacted]")),
        ["é", "日本", "\u2028"],
        "\ud800",  # a lone surrogate: orjson refuses it
        2**70,  # beyond 64 bits: orjson refuses it
        {1: "x"},  # a non-string key: orjson refuses it
    ],
)
def test_the_text_decodes_to_what_json_dumps_would_have_written(value):
    assert json.loads(dumps(value)) == json.loads(json.dumps(value))


def test_orjson_writes_the_common_case():
    # Compact, UTF-8 as is: the text orjson writes, not json.dumps's.
    assert dumps({"a": ["é", 1]}) == '{"a":["é",1]}'
