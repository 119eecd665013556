"""The configuration page's generated list: what docs_site.config_reference reads from
config.py's source, and how it holds the page and the code to each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from docs_site.config_reference import (
    ConfigDocsError,
    DocRow,
    Variable,
    accepted,
    check,
    documented_rows,
    replace_table,
    variables_read,
)

ROOT = Path(__file__).parents[2]

SOURCE = """
LEVELS = ("DEBUG", "INFO")

def _five_minute_days(env):
    name = "HOOKLINE_FIVE"
    return _float(env, name, 30.0)

def load_settings(env):
    schedule_raw = env.get("HOOKLINE_SCHEDULE")
    return Settings(
        a=_float(env, "HOOKLINE_TIMEOUT", 15.0, minimum=0.001),
        b=_int(env, "HOOKLINE_BYTES", 512 * 1024),
        c=_bool(env, "HOOKLINE_FLAG"),
        d=_bool(env, "HOOKLINE_ON", default=True),
        e=_choice(env, "HOOKLINE_LEVEL", "INFO", LEVELS),
        f=parse_networks(env.get("HOOKLINE_NETS", "")),
        g=(env.get("HOOKLINE_TOKEN") or "").strip() or None,
        h=parse_schedule(schedule_raw),
        i=_port(env, "HOOKLINE_PORT"),
        k=(env.get("HOOKLINE_MODE") or "auto").strip().lower(),
        l=Path(env.get("HOOKLINE_DIR") or "data"),
        j=_five_minute_days(env),
    )

def parse_public_url(raw, name="HOOKLINE_NOT_READ_HERE"):
    raise ConfigError(f"HOOKLINE_TIMEOUT must be more, got {raw}")
"""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("HOOKLINE_TIMEOUT", Variable("HOOKLINE_TIMEOUT", "_float", 15.0, 0.001)),
        ("HOOKLINE_BYTES", Variable("HOOKLINE_BYTES", "_int", 524288, 1)),
        ("HOOKLINE_FLAG", Variable("HOOKLINE_FLAG", "_bool", False)),
        ("HOOKLINE_ON", Variable("HOOKLINE_ON", "_bool", True)),
        ("HOOKLINE_LEVEL", Variable("HOOKLINE_LEVEL", "_choice", "INFO", None, ("DEBUG", "INFO"))),
        ("HOOKLINE_NETS", Variable("HOOKLINE_NETS", "parse_networks")),
        ("HOOKLINE_TOKEN", Variable("HOOKLINE_TOKEN", "text")),
        ("HOOKLINE_SCHEDULE", Variable("HOOKLINE_SCHEDULE", "parse_schedule")),
        ("HOOKLINE_PORT", Variable("HOOKLINE_PORT", "_port")),
        ("HOOKLINE_FIVE", Variable("HOOKLINE_FIVE", "_five_minute_days", 30.0)),
        ("HOOKLINE_MODE", Variable("HOOKLINE_MODE", "text", "auto")),
        ("HOOKLINE_DIR", Variable("HOOKLINE_DIR", "Path", "data")),
    ],
)
def test_each_way_of_reading_a_variable(name: str, expected: Variable) -> None:
    found = {v.name: v for v in variables_read(SOURCE)}
    assert found[name] == expected


def test_names_in_messages_and_default_arguments_are_not_reads() -> None:
    names = [v.name for v in variables_read(SOURCE)]
    assert "HOOKLINE_NOT_READ_HERE" not in names
    assert len(names) == len(set(names)) == 12


@pytest.mark.parametrize(
    ("variable", "words"),
    [
        (Variable("X", "_float", 15.0, 0.001), "number ≥ 0.001"),
        (Variable("X", "_float", 1.0, 0.0), "number ≥ 0"),
        (Variable("X", "_int", 5, 1), "integer ≥ 1"),
        (Variable("X", "_bool", False), "`true` or `false`"),
        (Variable("X", "_choice", "text", None, ("text", "json")), "one of `text`, `json`"),
        (Variable("X", "parse_networks"), "CIDR networks, comma-separated"),
        (Variable("X", "parse_something_new"), "see meaning"),
    ],
)
def test_what_each_parser_accepts(variable: Variable, words: str) -> None:
    assert accepted(variable) == words


ROWS = [
    DocRow("HOOKLINE_TIMEOUT", "`15`", "Seconds.", "`30`"),
    DocRow("HOOKLINE_FLAG", "`false`", "A flag.", "`true`"),
    DocRow("HOOKLINE_LEVEL", "`INFO`", "Level.", "`DEBUG`"),
    DocRow("HOOKLINE_LEASE", "timeout + 30", "Derived.", "`60`"),
    DocRow("HOOKLINE_MODE", "`auto`", "Mode.", "`session`"),
]
VARIABLES = [
    Variable("HOOKLINE_TIMEOUT", "_float", 15.0, 0.001),
    Variable("HOOKLINE_FLAG", "_bool", False),
    Variable("HOOKLINE_LEVEL", "_choice", "INFO", None, ("DEBUG", "INFO")),
    Variable("HOOKLINE_LEASE", "_float", 0.0, 0.0),  # a sentinel: the page explains in words
    Variable("HOOKLINE_MODE", "text", "auto"),
]


def test_a_page_that_matches_the_code_passes() -> None:
    check(VARIABLES, ROWS)


@pytest.mark.parametrize(
    ("variables", "rows", "complaint"),
    [
        (
            [*VARIABLES, Variable("HOOKLINE_NEW", "text")],
            ROWS,
            "HOOKLINE_NEW is read by config.py but has no row",
        ),
        (
            VARIABLES[1:],
            ROWS,
            "HOOKLINE_TIMEOUT has a row in docs/configuration.md but config.py does not read it",
        ),
        (
            [Variable("HOOKLINE_TIMEOUT", "_float", 20.0, 0.001), *VARIABLES[1:]],
            ROWS,
            "HOOKLINE_TIMEOUT: docs/configuration.md gives the default `15`, config.py 20",
        ),
        (
            [Variable("HOOKLINE_FLAG", "_bool", True), VARIABLES[0], *VARIABLES[2:]],
            ROWS,
            "HOOKLINE_FLAG: docs/configuration.md gives the default `false`, config.py true",
        ),
        (
            [*VARIABLES[:2], Variable("HOOKLINE_LEVEL", "_choice", "DEBUG"), *VARIABLES[3:]],
            ROWS,
            "HOOKLINE_LEVEL: docs/configuration.md gives the default `INFO`",
        ),
        (
            [*VARIABLES[:4], Variable("HOOKLINE_MODE", "text", "none")],
            ROWS,
            "HOOKLINE_MODE: docs/configuration.md gives the default `auto`, config.py none",
        ),
    ],
)
def test_each_disagreement_fails_by_name(variables, rows, complaint: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigDocsError, match=complaint.replace("`", ".")):
        check(variables, rows)


def test_the_table_is_replaced_by_a_section_per_variable() -> None:
    page = (
        "# Configuration\n\nIntro.\n\n| variable | default | meaning | example |\n"
        "| --- | --- | --- | --- |\n"
        "| `HOOKLINE_TIMEOUT` | `15` | Seconds, with a [link](delivery.md). | `30` |\n"
        "\n## After\n"
    )
    out = replace_table(page, [VARIABLES[0]])
    assert "| variable |" not in out
    assert "### `HOOKLINE_TIMEOUT`\n\nSeconds, with a [link](delivery.md).\n" in out
    assert "- Default: `15`\n- Read as: number ≥ 0.001\n- Example: `30`\n" in out
    assert out.index("Intro.") < out.index("### `HOOKLINE_TIMEOUT`") < out.index("## After")


def test_the_real_page_describes_every_variable_the_real_code_reads() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text()
    sources = (ROOT / "src" / "hookline" / "config.py").read_text()
    variables = variables_read(sources)
    check(variables, documented_rows(page))
    assert len(variables) >= 40  # the reader found the settings, not a handful of them
