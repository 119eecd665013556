"""Running a real `hookline` process for tests, with its own data directory and settings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from svix.api import Svix, SvixOptions

TOKEN = "hl_test_admin_token"
# The key for secrets at rest (PostgreSQL needs one given; SQLite would generate one).
SECRET_KEY = "hl-test-secret-key-0123456789abcdefghij"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PortTaken(RuntimeError):
    """The server could not bind its port: another process took it first."""


@dataclass
class HooklineProcess:
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ("serve",)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    _clients: list[Svix] = field(default_factory=list)
    # Another program than `hookline`: `python -m <module_args> --port PORT`, such as uvicorn
    # serving an application with Hookline embedded, which mounts the API at `api_prefix`
    # (that application's HOOKLINE_PUBLIC_URL, unless given).
    module_args: tuple[str, ...] = ()
    api_prefix: str = ""
    # In a process group of its own, so that a test can kill it with every child it started.
    own_group: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + self.api_prefix

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKLINE_")}
        env.update(
            {
                "HOOKLINE_DATA_DIR": str(self.data_dir),
                "HOOKLINE_ADMIN_TOKEN": TOKEN,
                "HOOKLINE_SECRET_KEY": SECRET_KEY,
                "HOOKLINE_ALLOW_PRIVATE_NETWORKS": "127.0.0.0/8,::1/128",
                "HOOKLINE_POLL_INTERVAL": "0.1",
            }
        )
        if self.module_args:
            env["HOOKLINE_PUBLIC_URL"] = self.api_url
        env.update(self.env)
        return env

    def start(self, wait: bool = True) -> HooklineProcess:
        # A port found free can be taken by another process before the server binds it (an
        # outgoing connection or another test's listener on port 0): then it is tried again
        # on another port, as many times as that happens (a bounded few).
        chosen = self.port
        for _ in range(4):
            try:
                return self._start(wait)
            except PortTaken:
                if chosen != 0:
                    raise  # the caller asked for that port: its business
                self.port = 0
        return self._start(wait)

    def _start(self, wait: bool) -> HooklineProcess:
        if self.port == 0:
            self.port = free_port()
        cmd = [sys.executable, "-m", "hookline", *self.args]
        if self.module_args:
            cmd = [sys.executable, "-m", *self.module_args, "--port", str(self.port)]
        elif self.args[0] == "serve":
            cmd += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(self.data_dir / f"hookline-{self.port}-{time.time_ns()}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            cmd,
            env=self.environment(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=self.own_group,
        )
        if wait and (self.module_args or self.args[0] == "serve"):
            try:
                self.wait_healthy()
            except BaseException:
                # Nobody holds a process that failed to start: stop it here, or it outlives
                # the test and loads the machine for every test after it.
                self.stop()
                raise
        return self

    # A start takes a second or two; on a machine shared with other test runs, the imports
    # alone were seen to take over 30 s, and the first answers over 1 s (load average 17-21 on
    # 2 cores): bounds, not delays.
    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                output = self.output()
                if "address already in use" in output:
                    raise PortTaken(output)
                raise RuntimeError(f"hookline exited with {self.proc.returncode}: {output}")
            try:
                if httpx.get(f"{self.api_url}/api/v1/health", timeout=5).status_code == 204:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"hookline did not become healthy: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def kill_group(self) -> None:
        """SIGKILL to the process and every child of its group (`own_group`) at once."""
        assert self.own_group and self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int | None:
        for client in self._clients:
            client._httpx_client.close()  # the SDK leaves its connection pool open
        self._clients.clear()
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        return self.proc.returncode if self.proc else None

    def svix(self) -> Svix:
        # No client-side retries: the tests want to see each answer as it is.
        client = Svix(TOKEN, SvixOptions(server_url=self.api_url, retry_schedule=[]))
        self._clients.append(client)
        return client


@dataclass
class HooklineCluster:
    """The Hookline processes of one test, sharing its database and its settings.

    Every process gets the settings the first one was started with, so a second worker cannot
    run on defaults the first was spared (a competing worker on the default 5 s retry schedule
    once made a FIFO test flaky). Settings given to a later process are added for that process
    alone: a deliberate difference, such as another secret key or a blocked network.
    """

    data_dir: Path
    database_url: str = ""
    settings: dict[str, str] | None = None
    started: list[HooklineProcess] = field(default_factory=list)

    def start(
        self,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = ("serve",),
        data_dir: Path | None = None,
        port: int = 0,
        wait: bool = True,
        own_group: bool = False,
    ) -> HooklineProcess:
        if self.settings is None:
            self.settings = dict(env or {})
        merged = {"HOOKLINE_DATABASE_URL": self.database_url} if self.database_url else {}
        merged.update(self.settings)
        merged.update(env or {})
        proc = HooklineProcess(
            data_dir or self.data_dir, env=merged, args=args, port=port, own_group=own_group
        )
        self.started.append(proc.start(wait=wait))
        return proc

    def stop(self) -> None:
        for proc in self.started:
            proc.stop()
