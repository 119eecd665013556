"""Inputs that say which fields were given: a PATCH changes those and leaves the others, and
`None` given (clear it) is not the same as nothing given."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any


class Unset(enum.Enum):
    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET


def given_fields(value: Any) -> dict[str, Any]:
    """The fields of dataclass instance `value` that were given (not UNSET), by name."""
    return {
        f.name: getattr(value, f.name)
        for f in dataclasses.fields(value)
        if getattr(value, f.name) is not UNSET
    }


def all_fields(value: Any) -> dict[str, Any]:
    """Every field of `value`, with None for those not given (a create or a full replace)."""
    return {
        f.name: None if getattr(value, f.name) is UNSET else getattr(value, f.name)
        for f in dataclasses.fields(value)
    }
