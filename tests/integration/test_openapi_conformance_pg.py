"""The OpenAPI document tells the truth, on PostgreSQL: schemathesis runs every check against
a real server (tests/openapi_conformance.py; SQLite's: test_openapi_conformance.py)."""

from __future__ import annotations

import pytest
from openapi_conformance import assert_schemathesis_finds_no_failure


@pytest.mark.parametrize("shared_hookline", ["postgresql"], indirect=True)
def test_schemathesis_finds_no_failure(shared_hookline, tmp_path):
    assert_schemathesis_finds_no_failure(shared_hookline, tmp_path, "postgresql")
