"""The reliability harness's quick soak on PostgreSQL: a fixed rate with one endpoint in ten
failing (SQLite's: test_reliability_soak.py)."""

from __future__ import annotations

from backends import require_postgres
from quick_soak import assert_quick_soak_holds


def test_soak_holds_memory_files_and_connections_flat(tmp_path):
    require_postgres()
    assert_quick_soak_holds("soak-pg", tmp_path)
