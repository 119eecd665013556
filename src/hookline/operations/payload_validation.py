"""Checking a payload against its event type's JSON Schema before it is published, and
refusing a schema that could not check one (see payload_schemas for the rules themselves)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsonschema.protocols import Validator

from hookline import payload_schemas
from hookline.operations.errors import InvalidInput
from hookline.store import Database
from hookline.store.rows import EventTypeRow


def refuse_unusable_schemas(schemas: Any) -> None:
    """InvalidInput (field `schemas.<version>`) for a schema that cannot check payloads: an
    event type is refused when it is saved, so that no publish ever fails on its schema."""
    if not isinstance(schemas, dict):
        return
    for version, schema in schemas.items():
        problem = payload_schemas.schema_problem(schema)
        if problem:
            raise InvalidInput(problem, f"schemas.{version}")


@dataclass(frozen=True)
class _Held:
    updated_at: int
    validator: Validator | None  # None: payloads of this event type are not checked
    # Why the schema cannot be applied: one saved before schemas were checked on save.
    problem: str | None = None


@dataclass
class PayloadValidators:
    """This process's compiled validators, by event type, each with the `updated_at` of the
    event type it was compiled from: a change made by any process moves `updated_at`, so a
    publish reads two columns to know its validator is current and the schema only after a
    change (compiling is cached by content as well: see payload_schemas.compiled)."""

    _by_event_type: dict[str, _Held] = field(default_factory=dict)

    async def validator(self, db: Database, event_type: str, server_wide: bool) -> Validator | None:
        """The validator a payload of `event_type` must pass, None if it is not checked.
        InvalidInput if its schema cannot be applied."""
        state = await db.event_types.validation_state(event_type)
        if state is None:  # not in the catalogue: nothing to check against
            self._by_event_type.pop(event_type, None)
            return None
        flag, updated_at = state
        if not (server_wide or flag):
            return None
        held = self._by_event_type.get(event_type)
        if held is None or held.updated_at != updated_at:
            held = self._compile(await db.event_types.get(event_type), server_wide)
            self._by_event_type[event_type] = held
        if held.problem is not None:
            raise InvalidInput(
                f"the event type's schema cannot be applied ({held.problem}): correct it",
                "payload",
            )
        return held.validator

    @staticmethod
    def _compile(row: EventTypeRow, server_wide: bool) -> _Held:
        schema = payload_schemas.current_schema(row.schemas)
        if not payload_schemas.must_validate(server_wide, row.validate, schema):
            return _Held(row.updated_at, None)
        problem = payload_schemas.schema_problem(schema)
        if problem is not None:
            return _Held(row.updated_at, None, problem)
        return _Held(row.updated_at, payload_schemas.compiled(payload_schemas.schema_key(schema)))


async def check_payload(
    validators: PayloadValidators, db: Database, event_type: str, payload: Any, server_wide: bool
) -> None:
    """InvalidInput (field `payload`) unless the payload matches the event type's current
    schema, when validation is on for it (`validate`) or for the server."""
    validator = await validators.validator(db, event_type, server_wide)
    if validator is None:
        return
    problem = payload_schemas.payload_problem(validator, payload)
    if problem:
        raise InvalidInput(problem, "payload")
