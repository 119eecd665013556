"""The OpenAPI document tells the truth, on SQLite: schemathesis runs every check against a
real server (tests/openapi_conformance.py; PostgreSQL's: test_openapi_conformance_pg.py)."""

from __future__ import annotations

import pytest
from openapi_conformance import assert_schemathesis_finds_no_failure


@pytest.mark.parametrize("shared_hookline", ["sqlite"], indirect=True)
def test_schemathesis_finds_no_failure(shared_hookline, tmp_path):
    assert_schemathesis_finds_no_failure(shared_hookline, tmp_path, "sqlite")
