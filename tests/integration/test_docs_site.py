"""The documentation site builds with `mkdocs build --strict` (as `make docs-build` does), and
what it generates is complete: every API operation and schema of the app's OpenAPI document,
every variable config.py reads, the receivers' code exactly as the snippet tests run it. A
broken link fails the build, and so does a variable config.py reads that
docs/configuration.md does not describe."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docs_site.config_reference import variables_read
from docs_site.hooks import openapi_document

ROOT = Path(__file__).parents[2]
RECEIVERS = ROOT / "docs" / "examples" / "receivers"
SNIPPETS = [
    RECEIVERS / "receiver_standardwebhooks.py",
    RECEIVERS / "receiver_hookline_verify.py",
    RECEIVERS / "node" / "receiver.js",
]


def build(config: Path, site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def text_of(page: Path) -> str:
    """The page's text as a reader sees it: tags removed (highlighting splits code into
    spans), entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


@pytest.fixture(scope="module")
def site() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as out:
        result = build(ROOT / "mkdocs.yml", Path(out), ROOT)
        assert result.returncode == 0, result.stderr
        yield Path(out)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document()


def test_every_operation_is_in_the_reference(site: Path, document: dict[str, Any]) -> None:
    text = text_of(site / "api-reference.html")
    operations = [
        (method.upper(), path, op["summary"])
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    assert len(operations) > 40
    missing = [o for o in operations if f"{o[0]} {o[1]}" not in text or o[2] not in text]
    assert missing == []


def test_every_schema_has_a_section(site: Path, document: dict[str, Any]) -> None:
    page = (site / "api-schemas.html").read_text()
    names = document["components"]["schemas"]
    ids = set(re.findall(r'<h2 id="([^"]+)"', page))
    assert {re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-") for n in names} <= ids


def test_every_variable_config_py_reads_is_on_the_configuration_page(site: Path) -> None:
    text = text_of(site / "configuration.html")
    names = [v.name for v in variables_read((ROOT / "src/hookline/config.py").read_text())]
    assert [n for n in names if f"{n}" not in text] == []
    assert "Read as:" in text


def test_the_receivers_page_shows_the_files_the_tests_run(site: Path) -> None:
    text = text_of(site / "receivers.html")
    for snippet in SNIPPETS:
        for line in snippet.read_text().splitlines():
            assert line.strip() in text, (snippet.name, line)
    assert text.count("Not run here.") == 4  # Go, Ruby, PHP, Java


def test_benchmarks_page_includes_benchmarks_md(site: Path) -> None:
    assert "Latest run" in text_of(site / "benchmarks.html")


def test_the_cli_page_links_the_cli_reference_only_if_it_exists(site: Path) -> None:
    page = (site / "command-line.html").read_text()
    if (ROOT / "docs" / "cli.md").exists():
        assert 'href="cli.html"' in page
    else:
        assert 'href="cli.html"' not in page
        assert 'href="configuration.html#the-hookline-command"' in page


def copy_of_sources(tmp_path: Path) -> Path:
    """The site's sources in tmp_path, so a test can break one page and build."""
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(
        ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("node_modules", "images")
    )
    (tmp_path / "docs" / "images").symlink_to(ROOT / "docs" / "images")
    for name in ("docs_site", "BENCHMARKS.md"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path / "docs"


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    page = copy_of_sources(tmp_path) / "concepts.md"
    page.write_text(page.read_text() + "\nSee [the missing page](no-such-page.md).\n")

    result = build(tmp_path / "mkdocs.yml", tmp_path / "site", tmp_path)
    assert result.returncode != 0
    assert "no-such-page.md" in result.stderr


def test_a_variable_missing_from_the_configuration_page_fails_the_build(tmp_path: Path) -> None:
    page = copy_of_sources(tmp_path) / "configuration.md"
    lines = page.read_text().splitlines(keepends=True)
    page.write_text("".join(line for line in lines if "`HOOKLINE_RECOVER_RATE` |" not in line))

    result = build(tmp_path / "mkdocs.yml", tmp_path / "site", tmp_path)
    assert result.returncode != 0
    assert "HOOKLINE_RECOVER_RATE is read by config.py but has no row" in result.stderr
