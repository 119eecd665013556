"""Shared fixtures: real receivers on 127.0.0.1 and real Hookline processes on both stores."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

from backends import PostgresTemplate, require_postgres  # noqa: E402
from pgbouncer import PgBouncer  # noqa: E402
from receiver import Receiver  # noqa: E402
from server_process import HooklineCluster, HooklineProcess  # noqa: E402

# Property-based tests: in the suite the examples are the same on every run (a failure found
# once is found again, and a run never fails by the luck of the draw); no deadline, as these
# machines are shared. HYPOTHESIS_PROFILE=deep draws many more, at random.
settings.register_profile("suite", derandomize=True, deadline=None, database=None)
settings.register_profile("deep", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

# The files that take minutes each (by `--durations` of a full run): `make test` runs the
# parallel part with `--dist loadfile --no-loadscope-reorder`, which hands whole files to its
# processes in collection order, so a long file collected last starts when the others are
# nearly done and the whole part waits for it alone. Collected first, they run beside the rest.
LONG_FILES = (
    "tests/e2e/test_cli.py",
    "tests/integration/test_openapi_conformance.py",
    "tests/integration/test_openapi_conformance_pg.py",
    "tests/e2e/test_reliability_soak.py",
    "tests/e2e/test_reliability_soak_pg.py",
    "tests/e2e/test_reliability_kill_loop.py",
    "tests/e2e/test_reliability_faults.py",
    "tests/e2e/test_listen.py",
    "tests/e2e/test_statistics_upkeep.py",
    "tests/e2e/test_secrets_at_rest.py",
    "tests/e2e/test_serve_processes.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    rank = {name: i for i, name in enumerate(LONG_FILES)}

    def order(item: pytest.Item) -> int:
        path = item.path.relative_to(root).as_posix()
        return rank.get(path, len(LONG_FILES))

    items.sort(key=order)  # stable: the order within each file, and of the rest, is kept


BACKENDS = ["sqlite", "postgresql"]
# PostgreSQL behind a PgBouncer of the session's own: the end-to-end tests of the delivery
# path (publish, deliver, retry, FIFO, throttle, recover, scale-out) run through these too,
# via `@pytest.mark.parametrize("database_url", POOLED, indirect=True)`.
PGBOUNCER_BACKENDS = {"pgbouncer": "transaction", "pgbouncer-session": "session"}


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    require_postgres()
    template = PostgresTemplate()
    yield template
    template.close()


@pytest.fixture(scope="session")
def pgbouncer(postgres_template: PostgresTemplate) -> Iterator[PgBouncer]:
    """PgBouncer in transaction pooling mode (the mode that breaks session state)."""
    bouncer = PgBouncer(mode="transaction").start()
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="session")
def pgbouncer_session(postgres_template: PostgresTemplate) -> Iterator[PgBouncer]:
    """PgBouncer in session pooling mode."""
    bouncer = PgBouncer(mode="session").start()
    yield bouncer
    bouncer.stop()


def _database_url(backend: str, request: pytest.FixtureRequest) -> str:
    """ "" means the embedded default: SQLite in the data directory."""
    if backend == "sqlite":
        return ""
    template: PostgresTemplate = request.getfixturevalue("postgres_template")
    direct = template.new_database()
    if backend in PGBOUNCER_BACKENDS:
        bouncer: PgBouncer = request.getfixturevalue(backend.replace("-", "_"))
        return bouncer.url_for(direct)
    return direct


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    return _database_url(request.param, request)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def start_hookline(tmp_path: Path, database_url: str) -> Iterator:
    """Factory: start Hookline processes sharing this test's database and settings (see
    HooklineCluster); all stop afterwards."""
    cluster = HooklineCluster(tmp_path / "data", database_url)
    yield cluster.start
    cluster.stop()


@pytest.fixture
def hookline(start_hookline) -> HooklineProcess:
    return start_hookline()


@pytest.fixture(scope="module", params=BACKENDS)
def shared_hookline(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HooklineProcess]:
    """One server per module and store for read-mostly API tests (faster than one per test)."""
    url = _database_url(request.param, request)
    env = {"HOOKLINE_DATABASE_URL": url} if url else {}
    proc = HooklineProcess(tmp_path_factory.mktemp("shared"), env=env).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def start_shared_hookline(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., HooklineProcess]]:
    """Factory for servers shared by a module's tests, on each store: every call starts one
    with the settings given (through HooklineCluster, as `start_hookline`), on a database and
    data directory of its own; all stop at the module's end. A test on a shared server works
    in applications of its own (no fixed uids) and asserts nothing about global lists.

        @pytest.fixture(scope="module")
        def guarded(start_shared_hookline):
            return start_shared_hookline({"HOOKLINE_ALLOW_PRIVATE_NETWORKS": ""})
    """
    backend = str(request.param)
    # Asked for now, while this fixture is set up, not later from within a test.
    template: PostgresTemplate | None = None
    bouncer: PgBouncer | None = None
    if backend != "sqlite":
        template = request.getfixturevalue("postgres_template")
        if backend in PGBOUNCER_BACKENDS:
            bouncer = request.getfixturevalue(backend.replace("-", "_"))
    clusters: list[HooklineCluster] = []

    def database_url() -> str:
        if template is None:
            return ""
        direct = template.new_database()
        return bouncer.url_for(direct) if bouncer else direct

    def start(
        env: dict[str, str] | None = None, args: tuple[str, ...] = ("serve",)
    ) -> HooklineProcess:
        cluster = HooklineCluster(tmp_path_factory.mktemp("shared") / "data", database_url())
        clusters.append(cluster)
        return cluster.start(env, args)

    yield start
    for cluster in clusters:
        cluster.stop()
