"""Shared fixtures: real receivers on 127.0.0.1 and real Hookline processes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from receiver import Receiver  # noqa: E402
from server_process import HooklineProcess  # noqa: E402


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def start_hookline(tmp_path: Path) -> Iterator:
    """Factory: start a Hookline process with extra settings; all are stopped afterwards."""
    started: list[HooklineProcess] = []

    def start(
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = ("serve",),
        data_dir: Path | None = None,
        port: int = 0,
    ) -> HooklineProcess:
        proc = HooklineProcess(data_dir or tmp_path / "data", env=env or {}, args=args, port=port)
        started.append(proc.start())
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def hookline(start_hookline) -> HooklineProcess:
    return start_hookline()


@pytest.fixture(scope="module")
def shared_hookline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HooklineProcess]:
    """One server for read-mostly API tests in a module (faster than one per test)."""
    proc = HooklineProcess(tmp_path_factory.mktemp("shared")).start()
    yield proc
    proc.stop()
