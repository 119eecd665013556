"""Checking a payload against its event type's JSON Schema before it is published, and
refusing a schema that could not check one (see payload_schemas for the rules themselves)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from referencing.exceptions import Unresolvable

from hookline import payload_schemas
from hookline.operations.errors import InvalidInput
from hookline.store import Database


def refuse_unusable_schemas(schemas: Any) -> None:
    """InvalidInput (field `schemas.<version>`) for a schema that cannot check payloads: an
    event type is refused when it is saved, so that no publish ever fails on its schema."""
    if not isinstance(schemas, dict):
        return
    for version, schema in schemas.items():
        problem = payload_schemas.schema_problem(schema)
        if problem:
            raise InvalidInput(problem, f"schemas.{version}")


@dataclass
class PayloadValidators:
    """This process's compiled validators, by event type, each with the `updated_at` of the
    event type it was compiled from: a change made by any process moves `updated_at`, so a
    publish reads two columns to know its validator is current and the schema only after a
    change (compiling is cached by content as well: see payload_schemas.compiled)."""

    _by_event_type: dict[str, tuple[int, Validator | None]] = field(default_factory=dict)

    async def validator(self, db: Database, event_type: str, server_wide: bool) -> Validator | None:
        """The validator a payload of `event_type` must pass, None if it is not checked."""
        state = await db.event_types.validation_state(event_type)
        if state is None:  # not in the catalogue: nothing to check against
            self._by_event_type.pop(event_type, None)
            return None
        flag, updated_at = state
        if not (server_wide or flag):
            return None
        held = self._by_event_type.get(event_type)
        if held is not None and held[0] == updated_at:
            return held[1]
        row = await db.event_types.get(event_type)
        schema = payload_schemas.current_schema(row.schemas)
        compiled = (
            payload_schemas.compiled(payload_schemas.schema_key(schema))
            if payload_schemas.must_validate(server_wide, row.validate, schema)
            else None
        )
        self._by_event_type[row.name] = (row.updated_at, compiled)
        return compiled


async def check_payload(
    validators: PayloadValidators, db: Database, event_type: str, payload: Any, server_wide: bool
) -> None:
    """InvalidInput (field `payload`) unless the payload matches the event type's current
    schema, when validation is on for it (`validate`) or for the server."""
    try:
        validator = await validators.validator(db, event_type, server_wide)
        if validator is None:
            return
        problem = payload_schemas.payload_problem(validator, payload)
    except (SchemaError, Unresolvable) as exc:
        # Only a schema saved before schemas were checked on save can get here.
        raise InvalidInput(
            f"the event type's schema cannot be applied ({exc}): correct the event type",
            "payload",
        ) from exc
    if problem:
        raise InvalidInput(problem, "payload")
