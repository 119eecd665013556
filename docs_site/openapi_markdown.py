"""The API reference pages, rendered as Markdown from Hookline's OpenAPI document.

Pure functions of the document (a dict), so they are tested with small documents and the site
shows exactly what `/openapi.json` says: operations grouped by tag (one section per tag, in the
order the routes are declared), and every component schema with its fields. Plain Markdown
rather than an embedded viewer: the pages are searchable, readable without JavaScript, and
`mkdocs build --strict` checks every schema link in them.
"""

from __future__ import annotations

import json
import re
from typing import Any

Schema = dict[str, Any]
METHODS = ("get", "post", "put", "patch", "delete")
SCHEMAS_PAGE = "api-schemas.md"


def anchor(name: str) -> str:
    """The heading id of a schema: lower case, safe for a URL fragment."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped outside code spans (the
    tables extension leaves pipes inside backticks alone, and shows a backslash there)."""
    parts = " ".join(text.split()).split("`")
    return "`".join(p if i % 2 else p.replace("|", "\\|") for i, p in enumerate(parts))


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


def type_of(schema: Schema, page: str = "") -> str:
    """A schema's type in a few words of Markdown, linking named schemas.

    `page` is where the schema section lives relative to the page being written: "" on the
    schemas page itself, `api-schemas.md` elsewhere.
    """
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f"[{name}]({page}#{anchor(name)})"
    if "const" in schema:
        return f"`{schema['const']}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [type_of(s, page) for s in schema[key]]
            return " or ".join(dict.fromkeys(options))
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return type_of(schema["allOf"][0], page)
    kind = schema.get("type")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}), page)}"
    additional = schema.get("additionalProperties")
    if kind == "object" and isinstance(additional, dict) and not schema.get("properties"):
        return f"object of {type_of(schema['additionalProperties'], page)}"
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind is None:
        return "any"
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)


# 64-bit bounds that every integer field carries: true, and noise in a table.
_MACHINE_BOUNDS = {-(2**63), 2**63 - 1, 2**64 - 1}

_CONSTRAINTS = (
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("minimum", "≥ {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "≤ {}"),
    ("exclusiveMaximum", "< {}"),
    ("minItems", "at least {} items"),
    ("maxItems", "at most {} items"),
    ("minProperties", "at least {} entries"),
    ("maxProperties", "at most {} entries"),
    ("pattern", "matches `{}`"),
)


def constraints(schema: Schema) -> list[str]:
    """The schema's bounds, pattern and default, looking through `X or null`."""
    found = []
    options = [schema, *schema.get("anyOf", [])]
    for option in options:
        for key, words in _CONSTRAINTS:
            value = option.get(key)
            if value is None or (key.endswith("imum") and value in _MACHINE_BOUNDS):
                continue
            found.append("not empty" if (key, value) == ("minLength", 1) else words.format(value))
    if "default" in schema and schema["default"] is not None:
        found.append(f"default `{json.dumps(schema['default'])}`")
    return found


def _describe_field(schema: Schema, description: str = "") -> str:
    """The description, then the rules: in parentheses after a description, alone without."""
    text = (description or schema.get("description", "")).strip()
    rules = "; ".join(constraints(schema))
    if text and rules:
        return cell(f"{text} ({rules})")
    return cell(text or (rules[0].upper() + rules[1:] if rules else ""))


def _body_schema(content: dict[str, Any]) -> tuple[str, Schema] | None:
    for media, value in content.items():
        if "schema" in value:
            return media, value["schema"]
    return None


def render_operation(path: str, method: str, operation: Schema) -> str:
    page = SCHEMAS_PAGE
    lines = [f"### {operation.get('summary') or operation['operationId']}", ""]
    lines += [f"`{method.upper()} {path}`", ""]
    if operation.get("security"):
        lines += ["Authenticated: `Authorization: Bearer <token>`.", ""]
    if operation.get("description"):
        lines += [operation["description"].strip(), ""]
    parameters = operation.get("parameters", [])
    if parameters:
        lines += ["| parameter | type | description |", "| --- | --- | --- |"]
        for p in parameters:
            schema = p.get("schema", {})
            where = p["in"] + (", required" if p.get("required") else "")
            lines.append(
                f"| `{p['name']}` ({where}) | {cell(type_of(schema, page))} "
                f"| {_describe_field(schema, p.get('description', ''))} |"
            )
        lines.append("")
    body = operation.get("requestBody")
    if body:
        found = _body_schema(body.get("content", {}))
        if found:
            media, schema = found
            required = " (required)" if body.get("required") else ""
            lines += [f"Request body{required}: {type_of(schema, page)} as `{media}`.", ""]
    responses = operation.get("responses", {})
    if responses:
        lines += ["| status | body | when |", "| --- | --- | --- |"]
        for status, response in responses.items():
            found = _body_schema(response.get("content", {}))
            shape = type_of(found[1], page) if found else "none"
            lines.append(f"| {status} | {cell(shape)} | {cell(response.get('description', ''))} |")
        lines.append("")
    return "\n".join(lines)


def render_operations(document: Schema) -> str:
    """Every operation, one `##` section per tag in the order the tags first appear."""
    by_tag: dict[str, list[str]] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["Other"])[0]
                by_tag.setdefault(tag, []).append(render_operation(path, method, operation))
    descriptions = {t["name"]: t.get("description", "") for t in document.get("tags", [])}
    sections = []
    for tag, operations in by_tag.items():
        head = [f"## {tag}", ""]
        if descriptions.get(tag):
            head += [descriptions[tag], ""]
        sections.append("\n".join(head) + "\n" + "\n".join(operations))
    return "\n".join(sections)


def render_schema(name: str, schema: Schema) -> str:
    lines = [f"## {name} {{#{anchor(name)}}}", ""]
    if schema.get("description"):
        lines += [schema["description"].strip(), ""]
    properties = schema.get("properties")
    if properties:
        required = set(schema.get("required", []))
        lines += ["| field | type | description |", "| --- | --- | --- |"]
        for field, sub in properties.items():
            mark = " (required)" if field in required else ""
            lines.append(f"| `{field}`{mark} | {cell(type_of(sub))} | {_describe_field(sub)} |")
        lines.append("")
    else:
        rules = constraints(schema)
        lines += [
            f"Type: {type_of(schema)}" + (f" ({'; '.join(rules)})" if rules else "") + ".",
            "",
        ]
    return "\n".join(lines)


def render_schemas(document: Schema) -> str:
    """Every component schema, alphabetically, each with its fields."""
    schemas = document.get("components", {}).get("schemas", {})
    return "\n".join(render_schema(name, schemas[name]) for name in sorted(schemas, key=str.lower))
