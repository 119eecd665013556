"""The reliability harness's quick soak on SQLite: a fixed rate with one endpoint in ten
failing (PostgreSQL's: test_reliability_soak_pg.py)."""

from __future__ import annotations

from quick_soak import assert_quick_soak_holds


def test_soak_holds_memory_files_and_connections_flat(tmp_path):
    assert_quick_soak_holds("soak", tmp_path)
