"""Event types from an OpenAPI document's `webhooks` (Svix's `event_type.import_openapi`): pure.

Each entry of `webhooks` (OpenAPI 3.1; `x-webhooks` as written for 3.0) is an event type: its
key is the name; of its operation (`post`, else the first one it has) the `description` (else
`summary`) is the description, `deprecated` is kept, and the JSON schema of the request body
(`application/json`) becomes schema version "1", with the media type's `example` /
`examples` as the schema's `examples` when it has none (what send-example sends).
`x-svix-group-name` and `x-svix-feature-flags` on the operation give the group and flags.

`$ref`s inside the document (`#/components/...`) are replaced by what they point at, so the
stored schema stands alone; a reference outside the document, one that points nowhere, or a
cycle (a schema that contains itself cannot be written out) is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,256}$")
OPERATIONS = ("post", "put", "patch", "get", "delete")
MAX_EVENT_TYPES = 1000
# A schema written out with its references in place may not grow beyond this many values:
# a few references used many times over can otherwise make an enormous one.
MAX_SCHEMA_NODES = 100_000


class SpecError(ValueError):
    """The document cannot be imported; `field` is the request field it came from."""

    def __init__(self, detail: str, field: str = "spec") -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


@dataclass(frozen=True, slots=True)
class ImportedEventType:
    name: str
    description: str
    schemas: dict[str, Any] | None
    deprecated: bool
    group_name: str | None
    feature_flags: list[str] | None


def parse_raw(text: str) -> dict[str, Any]:
    """A document given as a string: YAML, which JSON is a subset of. Values JSON cannot
    hold (dates become their ISO text; NaN and infinities are refused)."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"specRaw is neither JSON nor YAML: {exc}", "specRaw") from exc
    if not isinstance(loaded, dict):
        raise SpecError("specRaw must hold an object (an OpenAPI document)", "specRaw")
    try:
        plain = json.loads(json.dumps(loaded, default=str, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise SpecError(f"specRaw holds a value JSON cannot: {exc}", "specRaw") from exc
    return plain  # type: ignore[no-any-return]


def event_types_from(document: dict[str, Any], field: str = "spec") -> list[ImportedEventType]:
    webhooks = document.get("webhooks", document.get("x-webhooks"))
    if not isinstance(webhooks, dict) or not webhooks:
        raise SpecError("the document has no `webhooks` to import event types from", field)
    if len(webhooks) > MAX_EVENT_TYPES:
        raise SpecError(f"at most {MAX_EVENT_TYPES} webhooks can be imported at once", field)
    resolver = _Resolver(document, field)
    found = []
    for name, item in webhooks.items():
        if not isinstance(name, str) or not NAME.match(name):
            raise SpecError(
                f"webhook {name!r} cannot be an event type name (1-256 of a-z A-Z 0-9 - _ .)",
                field,
            )
        item = resolver.follow(item, f"webhooks.{name}")
        operation = _operation(item, name, field)
        found.append(_event_type(name, operation, resolver))
    return found


def _operation(item: Any, name: str, field: str) -> dict[str, Any]:
    if isinstance(item, dict):
        for method in OPERATIONS:
            if isinstance(item.get(method), dict):
                return item[method]  # type: ignore[no-any-return]
    raise SpecError(f"webhook {name!r} has no operation (post, …)", field)


def _event_type(name: str, operation: dict[str, Any], resolver: _Resolver) -> ImportedEventType:
    description = operation.get("description") or operation.get("summary") or ""
    flags = operation.get("x-svix-feature-flags")
    group = operation.get("x-svix-group-name")
    return ImportedEventType(
        name=name,
        description=str(description),
        schemas=_request_schema(name, operation, resolver),
        deprecated=operation.get("deprecated") is True,
        group_name=group if isinstance(group, str) else None,
        feature_flags=[str(f) for f in flags] if isinstance(flags, list) and flags else None,
    )


def _request_schema(
    name: str, operation: dict[str, Any], resolver: _Resolver
) -> dict[str, Any] | None:
    body = resolver.follow(operation.get("requestBody"), f"webhooks.{name}.requestBody")
    content = body.get("content") if isinstance(body, dict) else None
    media = content.get("application/json") if isinstance(content, dict) else None
    if not isinstance(media, dict) or not isinstance(media.get("schema"), dict):
        return None
    schema = resolver.inline(media["schema"], f"webhooks.{name}")
    if not isinstance(schema, dict):
        return None
    if "examples" not in schema:
        examples = _media_examples(media)
        if examples:
            schema = {**schema, "examples": examples}
    return {"1": schema}


def _media_examples(media: dict[str, Any]) -> list[Any]:
    if "example" in media:
        return [media["example"]]
    named = media.get("examples")
    if isinstance(named, dict):
        return [e["value"] for e in named.values() if isinstance(e, dict) and "value" in e]
    return []


class _Resolver:
    """Replaces `$ref`s by what they point at within the document."""

    def __init__(self, document: dict[str, Any], field: str) -> None:
        self.document = document
        self.field = field
        self.nodes = 0

    def follow(self, value: Any, where: str) -> Any:
        """`value`, or what its `$ref` (and theirs) point at."""
        seen: set[str] = set()
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            ref = value["$ref"]
            if ref in seen:
                raise SpecError(f"{where}: $ref {ref!r} refers to itself", self.field)
            seen.add(ref)
            value = self._target(ref, where)
        return value

    def inline(self, value: Any, where: str, path: tuple[str, ...] = ()) -> Any:
        self.nodes += 1
        if self.nodes > MAX_SCHEMA_NODES:
            raise SpecError(
                f"{where}: the schemas are too large once their $refs are written out "
                f"(more than {MAX_SCHEMA_NODES} values)",
                self.field,
            )
        if isinstance(value, list):
            return [self.inline(v, where, path) for v in value]
        if not isinstance(value, dict):
            return value
        ref = value.get("$ref")
        if isinstance(ref, str):
            if ref in path:
                raise SpecError(
                    f"{where}: the schema contains itself through $ref {ref!r} (a cycle "
                    "cannot be stored as one schema)",
                    self.field,
                )
            target = self.inline(self._target(ref, where), where, (*path, ref))
            siblings = {k: self.inline(v, where, path) for k, v in value.items() if k != "$ref"}
            if siblings and isinstance(target, dict):
                return {**target, **siblings}
            return target
        return {k: self.inline(v, where, path) for k, v in value.items()}

    def _target(self, ref: str, where: str) -> Any:
        if not ref.startswith("#/"):
            raise SpecError(
                f"{where}: $ref {ref!r} is outside the document (only `#/…` references "
                "within it can be resolved)",
                self.field,
            )
        node: Any = self.document
        for part in ref[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise SpecError(f"{where}: $ref {ref!r} points at nothing", self.field)
        return node
