"""mkdocs hooks (mkdocs.yml `hooks:`): the pages generated from the code at build time.

- api-reference.md and api-schemas.md: rendered from the OpenAPI document of Hookline's FastAPI
  app, built in this process (no server, no network), so the reference is the version's own.
- configuration.md: its variable table is rebuilt from src/hookline/config.py and the build
  fails when the page and the code disagree (docs_site/config_reference.py).
- command-line.md: links docs/cli.md when that page exists, and points at the `hookline`
  command's section of configuration.md otherwise.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the `mkdocs` script does not put the checkout on the path
    sys.path.insert(0, str(ROOT))

from mkdocs.exceptions import PluginError  # noqa: E402

from docs_site import config_reference, openapi_markdown  # noqa: E402

OPERATIONS_MARKER = "<!-- generated: api operations -->"
SCHEMAS_MARKER = "<!-- generated: api schemas -->"
CLI_MARKER = "<!-- generated: cli page -->"

_document: dict[str, Any] = {}


def openapi_document() -> dict[str, Any]:
    """The document `/openapi.json` serves, from an app that is built but never started."""
    from hookline.api.app import create_app
    from hookline.config import load_settings
    from hookline.store import Database

    with tempfile.TemporaryDirectory() as data:
        settings = load_settings(
            {"HOOKLINE_DATA_DIR": data, "HOOKLINE_PUBLIC_URL": "http://127.0.0.1:8071"}
        )
        app = create_app(settings, Database(f"sqlite:///{data}/openapi.db"), "unused")
        document: dict[str, Any] = app.openapi()
        return document


def on_pre_build(config: Any) -> None:
    _document.clear()
    _document.update(openapi_document())


def _replace(markdown: str, marker: str, text: str, page: str) -> str:
    if marker not in markdown:
        raise PluginError(f"{page} lost its marker {marker}")
    return markdown.replace(marker, text)


def cli_text(docs_dir: Path) -> str:
    if (docs_dir / "cli.md").is_file():
        return "The whole command line, command by command: [the CLI reference](cli.md)."
    return (
        "The commands and their options are listed under "
        "[the `hookline` command](configuration.md#the-hookline-command)."
    )


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    name = page.file.src_uri
    if name == "configuration.md":
        source = (ROOT / "src" / "hookline" / "config.py").read_text()
        try:
            return config_reference.replace_table(markdown, config_reference.variables_read(source))
        except config_reference.ConfigDocsError as exc:
            raise PluginError(f"docs/configuration.md and config.py disagree: {exc}") from exc
    if name == "api-reference.md":
        text = openapi_markdown.render_operations(_document)
        return _replace(markdown, OPERATIONS_MARKER, text, name)
    if name == "api-schemas.md":
        return _replace(markdown, SCHEMAS_MARKER, openapi_markdown.render_schemas(_document), name)
    if name == "command-line.md":
        return _replace(markdown, CLI_MARKER, cli_text(Path(config["docs_dir"])), name)
    return markdown
