"""The reliability harness's fuzzing targets, for a few seconds each: the payload parser and
the request-head bound."""

from __future__ import annotations

import pytest
from reliability_runs import run_quick


@pytest.mark.parametrize("target", ["fuzz-payload-parser", "fuzz-request-head"])
def test_fuzzing_finds_no_failing_input(target, tmp_path):
    run, rows = run_quick(target, tmp_path / "rows.json")
    (result,) = rows["fuzzing"]
    assert not result["failed"], result["detail"]
    assert result["runs"] > 100  # the target ran: libFuzzer reported the inputs it tried
    assert run.returncode == 0
