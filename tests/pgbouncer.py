"""A PgBouncer of the test session's own, in front of the local PostgreSQL.

It runs as a subprocess on a free 127.0.0.1 port with its own ini and userlist in a temporary
directory (never the system service), forwards every database name to 127.0.0.1:5432, and has
an admin console (`pgbouncer` database) for PAUSE / RESUME. PgBouncer refuses to run as root,
so as root it is started with `-u postgres`. Without the `pgbouncer` binary the tests that
need it skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432
BINARY_PATHS = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pgbouncer_binary() -> str | None:
    found = shutil.which("pgbouncer")
    if found:
        return found
    return next((p for p in BINARY_PATHS if Path(p).exists()), None)


def require_pgbouncer() -> str:
    binary = pgbouncer_binary()
    if binary is not None:
        return binary
    reason = "pgbouncer is not installed (apt-get install pgbouncer)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: PgBouncer tests must run)")
    pytest.skip(reason)


INI = """\
[databases]
* = host={pg_host} port={pg_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/userlist.txt
admin_users = postgres
pool_mode = {mode}
default_pool_size = {pool_size}
max_client_conn = 1000
max_db_connections = 0
server_check_delay = 0
server_login_retry = 1
ignore_startup_parameters = extra_float_digits
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
"""


class PgBouncer:
    """One PgBouncer process: `url_for(direct_url)` routes a PostgreSQL URL through it."""

    def __init__(self, mode: str = "transaction", pool_size: int = 20) -> None:
        self.binary = require_pgbouncer()
        self.mode = mode
        self.pool_size = pool_size
        self.port = 0
        self.dir = Path(tempfile.mkdtemp(prefix=f"hookline-pgbouncer-{mode}-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PgBouncer:
        self.port = _free_port()
        ini = INI.format(
            pg_host=PG_HOST,
            pg_port=PG_PORT,
            port=self.port,
            dir=self.dir,
            mode=self.mode,
            pool_size=self.pool_size,
        )
        (self.dir / "pgbouncer.ini").write_text(ini)
        (self.dir / "userlist.txt").write_text('"postgres" ""\n')
        cmd = [self.binary]
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.dir, postgres.pw_uid, postgres.pw_gid)
            cmd += ["-u", "postgres"]
        cmd.append(str(self.dir / "pgbouncer.ini"))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited with {self.proc.returncode}: {self.log()}")
            try:
                self.admin("SHOW VERSION")
                return
            except (OSError, subprocess.TimeoutExpired):
                time.sleep(0.05)
        raise RuntimeError(f"pgbouncer did not start: {self.log()}")

    def url_for(self, direct_url: str) -> str:
        """The same database, reached through this PgBouncer."""
        return direct_url.replace(f"@{PG_HOST}:{PG_PORT}/", f"@127.0.0.1:{self.port}/")

    def admin(self, command: str) -> str:
        """Run one admin console command (SHOW …, PAUSE, RESUME); returns psql's output.
        (The console speaks only the simple query protocol, which psql uses.)"""
        result = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-AtX"]
            + ["-d", "pgbouncer", "-c", command],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if result.returncode != 0:
            raise OSError(f"pgbouncer admin {command!r}: {result.stderr.strip()}")
        return result.stdout

    def log(self) -> str:
        path = self.dir / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)
