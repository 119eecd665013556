"""Printing results: stable JSON for scripts (`--output json`: the API's field names, as the
SDK's models carry them), or readable tables with rich on a terminal."""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Sequence
from typing import Any

import pydantic
from rich.console import Console
from rich.markup import escape
from rich.table import Table

# MessageStatus / delivery status as the API numbers them.
STATUS_NAMES = {0: "success", 1: "pending", 2: "failed", 3: "sending", 4: "canceled"}
STATUS_STYLES = {0: "green", 1: "yellow", 2: "red", 3: "cyan", 4: "dim"}

Columns = Sequence[tuple[str, str]]  # (title, API field name)
TIME_FIELDS = {"createdAt", "updatedAt", "timestamp", "nextAttempt", "deliverAt"}


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"


def as_json_value(value: Any) -> Any:
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    return value


def cell(key: str, value: Any) -> str:
    """A table cell as rich markup: only the status gets a colour; everything else is the
    server's text, escaped (a description "[beta]" is not a style)."""
    return _styled_status(value) if key == "status" else escape(_text(key, value))


def _styled_status(value: Any) -> str:
    if isinstance(value, int) and value in STATUS_NAMES:
        style = STATUS_STYLES[value]
        return f"[{style}]{STATUS_NAMES[value]}[/{style}]"
    return escape(_text("status", value))


def _text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key in TIME_FIELDS and isinstance(value, str):
        # 2026-12-02T04:47:59.583000Z → 2026-12-02 04:47:59 (UTC; JSON output keeps it whole)
        return value.replace("T", " ")[:19]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class Printer:
    def __init__(self, output: OutputFormat) -> None:
        self.output = output
        # Off a terminal (a pipe, a file) rich would wrap at 80 columns: let tables be as wide
        # as their content, so no id is ever cut.
        self.console = Console(highlight=False, width=None if sys.stdout.isatty() else 10_000)

    def json(self, value: Any) -> None:
        sys.stdout.write(json.dumps(as_json_value(value), indent=2, ensure_ascii=False) + "\n")

    def one(self, value: Any, columns: Columns | None = None) -> None:
        """One object: as JSON, or as a two-column table of its fields."""
        data = as_json_value(value)
        if self.output is OutputFormat.json:
            self.json(data)
            return
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        keys = [key for _, key in columns] if columns else list(data)
        titles = dict((key, title) for title, key in columns) if columns else {}
        for key in keys:
            table.add_row(titles.get(key, key), cell(key, data.get(key)))
        self.console.print(table)

    def page(self, value: Any, columns: Columns, what: str) -> None:
        """A list response (`data`, `iterator`, `done`): as JSON, or as a table."""
        data = as_json_value(value)
        if self.output is OutputFormat.json:
            self.json(data)
            return
        rows = data.get("data", [])
        if not rows:
            self.console.print(f"no {what}")
            return
        table = Table(header_style="bold")
        for title, key in columns:
            # Ids are what a person copies into the next command: never shortened.
            is_id = key == "id" or key.endswith("Id")
            widest = max((len(str(row.get(key) or "")) for row in rows), default=0)
            table.add_column(title, no_wrap=is_id, min_width=widest if is_id else None)
        for row in rows:
            table.add_row(*(cell(key, row.get(key)) for _, key in columns))
        self.console.print(table)
        if not data.get("done", True) and data.get("iterator"):
            self.console.print(f"more: --iterator {data['iterator']}", style="dim")

    def note(self, text: str) -> None:
        """A confirmation for a person (deleted, queued…); JSON output gets a JSON object."""
        if self.output is OutputFormat.json:
            self.json({"ok": True, "detail": text})
        else:
            self.console.print(escape(text))
