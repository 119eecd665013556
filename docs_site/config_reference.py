"""The configuration page's variable table, generated from src/hookline/config.py.

config.py declares each setting where it reads it: `_float(env, "HOOKLINE_X", 15.0,
minimum=0.001)`, `_bool(env, "HOOKLINE_Y")`, `parse_networks(env.get("HOOKLINE_Z", ""))`. This
module reads that source (without importing or running it) for every `HOOKLINE_*` variable, the
parser that reads it and, where the code spells it as a literal, its default. The prose of each
row (meaning, example) stays in docs/configuration.md, where the other branches edit it; the
table on the site is rebuilt from the code's list, and the build fails when the two disagree:
a variable the code reads that the page does not describe, a row for a variable the code no
longer reads, or a default that differs from the code's.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

NAME = re.compile(r"HOOKLINE_[A-Z0-9_]+")
_FIRST_CODE = re.compile(r"`([^`]*)`")


@dataclass(frozen=True)
class Variable:
    name: str
    parser: str  # the function that turns the raw text into a setting
    default: object | None = None  # a literal default in the code, else None
    minimum: object | None = None
    choices: tuple[str, ...] = ()


class ConfigDocsError(ValueError):
    """docs/configuration.md and config.py disagree."""


def _func_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


_ARITHMETIC = {ast.Add: float.__add__, ast.Sub: float.__sub__, ast.Mult: float.__mul__}


def _literal(node: ast.expr | None) -> object | None:
    """A constant, or constant arithmetic such as `512 * 1024`; None for anything else."""
    if node is None:
        return None
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _literal(node.left), _literal(node.right)
        if isinstance(left, int | float) and isinstance(right, int | float):
            value = _ARITHMETIC[type(node.op)](float(left), float(right))
            both_int = isinstance(left, int) and isinstance(right, int)
            return int(value) if both_int else value
        return None
    try:
        constant: object = ast.literal_eval(node)
    except ValueError:
        return None
    return constant


def _tuple_constants(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], _literal(node.value)
            if isinstance(target, ast.Name) and isinstance(value, tuple):
                found[target.id] = tuple(str(v) for v in value)
    return found


def _describe(call: ast.Call, tuples: dict[str, tuple[str, ...]], name: str) -> Variable:
    parser = _func_name(call.func)
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    default = minimum = None
    choices: tuple[str, ...] = ()
    if parser in ("_float", "_int", "_bool", "_choice"):
        default = _literal(call.args[2] if len(call.args) > 2 else keywords.get("default"))
        if parser == "_bool" and default is None:
            default = False
    if parser in ("_float", "_int"):
        minimum = _literal(call.args[3] if len(call.args) > 3 else keywords.get("minimum"))
        if minimum is None:
            minimum = 0.0 if parser == "_float" else 1
    if parser == "_choice" and len(call.args) > 3 and isinstance(call.args[3], ast.Name):
        choices = tuples.get(call.args[3].id, ())
    return Variable(name, parser, default, minimum, choices)


def _enclosing_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str:
    while node in parents and not isinstance(node, ast.FunctionDef):
        node = parents[node]
    return node.name if isinstance(node, ast.FunctionDef) else ""


def _call_using(assign: ast.Assign, parents: dict[ast.AST, ast.AST]) -> ast.Call | None:
    """The first call in the enclosing function that takes the assigned name as an argument."""
    target = assign.targets[0]
    if not isinstance(target, ast.Name):
        return None
    scope: ast.AST = assign
    while scope in parents and not isinstance(scope, ast.FunctionDef):
        scope = parents[scope]
    for call in ast.walk(scope):
        if isinstance(call, ast.Call) and any(
            isinstance(a, ast.Name) and a.id == target.id for a in call.args
        ):
            return call
    return None


def _read_through(
    read: ast.expr,
    parents: dict[ast.AST, ast.AST],
    tuples: dict[str, tuple[str, ...]],
    name: str,
) -> Variable:
    """`env.get("HOOKLINE_X", …)` or `env["HOOKLINE_X"]`: the parser is the call around it,
    past `or "default"` and `.strip()` and the like; or the call the value is passed to after
    `raw = …`; or none (text)."""
    outer = parents.get(read)
    default: object | None = None
    if isinstance(outer, ast.BoolOp) and isinstance(outer.op, ast.Or) and len(outer.values) == 2:
        # `(env.get("HOOKLINE_X") or "auto")`: a default in the code ("" means none).
        default = _literal(outer.values[1]) or None
        outer = parents.get(outer)
    while (
        isinstance(outer, ast.Attribute)
        and outer.attr in ("strip", "lower", "upper")
        or isinstance(outer, ast.Call)
        and _func_name(outer.func) in ("strip", "lower", "upper")
    ):
        outer = parents.get(outer)
    if isinstance(outer, ast.Call) and _func_name(outer.func) == "Path":
        return Variable(name, "Path", default)
    if isinstance(outer, ast.Call) and _func_name(outer.func) not in ("get", ""):
        return _describe(outer, tuples, name)
    if isinstance(outer, ast.Assign) and (used := _call_using(outer, parents)):
        return _describe(used, tuples, name)
    return Variable(name, "text", default)


def variables_read(source: str) -> list[Variable]:
    """Every `HOOKLINE_*` variable the module reads, in source order, with its parser."""
    tree = ast.parse(source)
    tuples = _tuple_constants(tree)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    found: dict[str, Variable] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if not NAME.fullmatch(node.value) or node.value in found:
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Assign):
            # `name = "HOOKLINE_X"`, then `_float(env, name, …)` in the same function.
            call = _call_using(parent, parents)
            if call is not None:
                variable = _describe(call, tuples, node.value)
                function = _enclosing_function(parent, parents)
                if function in PARSER_WORDS:  # a parser of its own, for this one variable
                    variable = Variable(node.value, function, variable.default)
                found[node.value] = variable
            continue
        if isinstance(parent, ast.Subscript) or (
            isinstance(parent, ast.Call) and _func_name(parent.func) == "get"
        ):
            found[node.value] = _read_through(parent, parents, tuples, node.value)
        elif isinstance(parent, ast.Call):
            found[node.value] = _describe(parent, tuples, node.value)
        # Anything else is a name in a message or a default argument, not a read.
    order = {name: i for i, name in enumerate(NAME.findall(source))}
    return sorted(found.values(), key=lambda v: order[v.name])


def _number(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# The parsers that take no bounds or choices from their call, in a few words each.
PARSER_WORDS = {
    "_bool": "`true` or `false`",
    "_port": "TCP port, `0` = none",
    "_secret_key": "text, at least 32 characters",
    "_five_minute_days": "number: `0` or ≥ 7",
    "parse_networks": "CIDR networks, comma-separated",
    "parse_public_url": "`http(s)://` URL",
    "parse_retry_schedule": "seconds, comma-separated",
    "parse_frame_ancestors": "CSP sources",
    "parse_name": "text",
    "parse_logo_url": "`https://` or `data:image/` URL",
    "parse_accent_colour": "hex colour",
    "parse_theme": "`auto`, `light` or `dark`",
    "Path": "a directory",
    "text": "text",
}


def accepted(variable: Variable) -> str:
    """What the parser accepts, in a few words for the table's "read as" column."""
    parser = variable.parser
    if parser == "_float":
        return f"number ≥ {_number(variable.minimum)}"
    if parser == "_int":
        return f"integer ≥ {_number(variable.minimum)}"
    if parser == "_choice":
        return "one of " + ", ".join(f"`{c}`" for c in variable.choices)
    return PARSER_WORDS.get(parser, "see meaning")


@dataclass(frozen=True)
class DocRow:
    name: str
    default: str
    meaning: str
    example: str


def documented_rows(markdown: str) -> list[DocRow]:
    """The rows of the page's `| variable | default | meaning | example |` table."""
    rows = []
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 4 and NAME.fullmatch(cells[0].strip("`")):
            rows.append(DocRow(cells[0].strip("`"), cells[1], cells[2], cells[3]))
    return rows


def _default_disagrees(variable: Variable, documented: str) -> bool:
    """Where the page spells the default as a value (a leading code span, such as `15`), it
    must be the code's literal. A default in words ("request timeout + 30") is the page's
    explanation of a derived value, and is not compared."""
    first = _FIRST_CODE.match(documented)
    if variable.default is None or first is None:
        return False
    text = first.group(1).strip().lower()
    if variable.parser == "_choice":
        return text != str(variable.default).lower()
    if isinstance(variable.default, bool):
        return text != _number(variable.default)
    if isinstance(variable.default, str):
        return text != variable.default.lower()
    try:
        return float(text) != float(variable.default)  # type: ignore[arg-type]
    except ValueError:
        return True


def check(variables: list[Variable], rows: list[DocRow]) -> None:
    """Raise `ConfigDocsError` naming every disagreement between the code and the page."""
    read = {v.name: v for v in variables}
    described = {r.name: r for r in rows}
    problems = [
        f"{name} is read by config.py but has no row in docs/configuration.md"
        for name in read
        if name not in described
    ]
    problems += [
        f"{name} has a row in docs/configuration.md but config.py does not read it"
        for name in described
        if name not in read
    ]
    problems += [
        f"{name}: docs/configuration.md gives the default {described[name].default}, "
        f"config.py {_number(v.default)}"
        for name, v in read.items()
        if name in described and _default_disagrees(v, described[name].default)
    ]
    if problems:
        raise ConfigDocsError("; ".join(problems))


def render_variables(variables: list[Variable], rows: list[DocRow]) -> str:
    """What the site shows in place of the page's table: the page's rows in the page's order,
    checked against the code, one section each (a heading per variable, so each can be linked
    and found in the table of contents), with "read as" taken from the code's parsers."""
    check(variables, rows)
    read = {v.name: v for v in variables}
    lines: list[str] = []
    for row in rows:
        lines += [
            f"### `{row.name}`",
            "",
            row.meaning,
            "",
            f"- Default: {row.default}",
            f"- Read as: {accepted(read[row.name])}",
            f"- Example: {row.example}",
            "",
        ]
    return "\n".join(lines)


def replace_table(markdown: str, variables: list[Variable]) -> str:
    """The page with its hand-kept table replaced by the generated sections."""
    rows = documented_rows(markdown)
    lines = markdown.splitlines()
    table = [i for i, line in enumerate(lines) if line.startswith("| ")]
    start = next(i for i in table if "variable" in lines[i] and "meaning" in lines[i])
    end = start
    while end + 1 < len(lines) and lines[end + 1].startswith("|"):
        end += 1
    generated = render_variables(variables, rows)
    return "\n".join([*lines[:start], generated, *lines[end + 1 :]]) + "\n"
