"""Running schemathesis against a real server on one store, for the OpenAPI conformance tests
(tests/integration/test_openapi_conformance*.py: one file per store, so that under
`--dist loadfile` the two stores' runs, minutes each, go to two processes at once).

The OpenAPI document tells the truth: schemathesis runs every check (status codes, content
types, response schemas, headers, Allow, positive and negative data, stateful links) against a
real server on each store, and any failure fails the test.

Bounded and reproducible: a few examples per operation, deterministic generation.

Every operation is tested on both stores, in every phase. Schema-violating data (the negative
mode: about two thirds of the coverage phase's cases, and of its time) is sent on SQLite only
in the coverage and fuzzing phases: it is refused by the API's validation before any store is
asked, and a violating request that were accepted fails `negative_data_rejection` there.
PostgreSQL gets the valid data there, which is what reaches a store.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from server_process import TOKEN

HERE = Path(__file__).parent / "integration"
MAX_EXAMPLES = 5
# (phases, generation mode) of each schemathesis run, per store. The stateful phase runs with
# every mode on both stores: its scenarios carry valid and invalid steps alike.
RUNS = {
    "sqlite": [("examples,coverage,fuzzing,stateful", "all")],
    "postgresql": [("examples,coverage,fuzzing", "positive"), ("stateful", "all")],
}


def assert_schemathesis_finds_no_failure(shared_hookline, tmp_path: Path, store: str) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "SCHEMATHESIS_HOOKS": "openapi_hooks",
    }
    st = Path(sys.executable).with_name("st")
    # The server builds its document on the first request: seconds on a loaded machine, longer
    # than schemathesis waits for a schema. Built once here, each run gets it at once.
    httpx.get(f"{shared_hookline.url}/openapi.json", timeout=120).raise_for_status()
    for phases, mode in RUNS[store]:
        run = subprocess.run(
            [
                str(st),
                "--config-file",
                str(HERE / "schemathesis.toml"),
                "run",
                f"{shared_hookline.url}/openapi.json",
                "--header",
                f"Authorization: Bearer {TOKEN}",
                "--checks",
                "all",
                # Deleting an event type archives it (as in Svix): reading it afterwards answers
                # it, which this check calls a use after free. It cannot be turned off for one
                # operation in stateful scenarios; deletions that remove (applications,
                # endpoints) are checked to answer 404 afterwards in test_api_*.py.
                "--exclude-checks",
                "use_after_free",
                "--phases",
                phases,
                "--mode",
                mode,
                "--max-examples",
                str(MAX_EXAMPLES),
                "--generation-deterministic",
                "--no-color",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,  # a bound: a run took over 600 s on a loaded shared machine
        )
        summary = run.stdout[-20000:]
        assert run.returncode == 0, f"schemathesis found failures:\n{summary}\n{run.stderr[-2000:]}"
        if "stateful" in phases:
            assert "✅ Stateful" in run.stdout, f"the stateful phase did not run:\n{summary}"
