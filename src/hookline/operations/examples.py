"""The payload of an example message, from an event type's schemas. Pure."""

from __future__ import annotations

from typing import Any

from hookline.operations.errors import InvalidInput
from hookline.payload_schemas import current_schema

# Sent when the event type has no example: the smallest payload a message may have.
MINIMAL_PAYLOAD: dict[str, Any] = {}


def example_payload(schemas: dict[str, Any] | None, index: int = 0) -> dict[str, Any]:
    """The `index`th of the current schema's `examples` (JSON Schema's keyword), or a
    minimal payload if the schema has none."""
    if index < 0:
        raise InvalidInput("must be 0 or more", "exampleIndex")
    if not schemas:
        return dict(MINIMAL_PAYLOAD)
    schema = current_schema(schemas)
    examples = schema.get("examples") if isinstance(schema, dict) else None
    if not isinstance(examples, list) or not examples:
        return dict(MINIMAL_PAYLOAD)
    if index >= len(examples):
        raise InvalidInput(
            f"the event type's schema has {len(examples)} example(s): "
            f"exampleIndex must be below {len(examples)}",
            "exampleIndex",
        )
    example = examples[index]
    if not isinstance(example, dict):
        raise InvalidInput(
            "that example is not a JSON object, and a message's payload must be one",
            "exampleIndex",
        )
    return example
