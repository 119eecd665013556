"""Svix's application-token capabilities, and what each grants (pure). One source for the
REST API's token scope (api/app_token_scope.py) and the portal's pages.

| capability | grants |
| --- | --- |
| ViewBase | reading endpoints, messages, attempts, statistics, the event catalog (always needed) |
| ViewEndpointSecret | reading an endpoint's signing secret |
| ManageEndpointSecret | reading and rotating the secret |
| ManageEndpoint | adding, changing, enabling/disabling and deleting endpoints; the secret too |
| CreateAttempts | sending an example, resending, recovering |
| ManageTransformations | nothing: Hookline has no transformations |

A token issued without a list has all of them; `readOnly` takes away every change.
"""

from __future__ import annotations

from dataclasses import dataclass

VIEW = frozenset({"ViewBase"})
VIEW_SECRET = frozenset({"ViewEndpointSecret", "ManageEndpointSecret", "ManageEndpoint"})
MANAGE_SECRET = frozenset({"ManageEndpointSecret", "ManageEndpoint"})
MANAGE_ENDPOINT = frozenset({"ManageEndpoint"})
CREATE_ATTEMPTS = frozenset({"CreateAttempts"})


def grants(needed: frozenset[str], capabilities: tuple[str, ...] | None) -> bool:
    """Whether a token with `capabilities` (None: all) holds one of `needed`."""
    return capabilities is None or bool(needed & set(capabilities))


@dataclass(frozen=True, slots=True)
class Permissions:
    """What a holder of an application token may see and do, from its grant."""

    view_secret: bool
    rotate_secret: bool
    manage_endpoints: bool
    create_attempts: bool
    read_only: bool

    @classmethod
    def of(cls, read_only: bool, capabilities: tuple[str, ...] | None) -> Permissions:
        writable = not read_only
        return cls(
            view_secret=grants(VIEW_SECRET, capabilities),
            rotate_secret=writable and grants(MANAGE_SECRET, capabilities),
            manage_endpoints=writable and grants(MANAGE_ENDPOINT, capabilities),
            create_attempts=writable and grants(CREATE_ATTEMPTS, capabilities),
            read_only=read_only,
        )
