"""A PgBouncer of the run's own (transaction mode) in front of the local PostgreSQL, for the
`pg-pgbouncer` row: a subprocess on a free 127.0.0.1 port with its own ini and userlist in a
temporary directory, never the system service. It refuses to run as root: then `-u postgres`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.context import Unavailable
from bench.postgres import PG_HOST
from bench.procs import free_port

INI = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = 20
max_client_conn = 1000
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
"""


class PgBouncer:
    def __init__(self) -> None:
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(binary).exists():
            raise Unavailable("pgbouncer is not installed (apt-get install pgbouncer)")
        self.binary = binary
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="hookline-bench-pgbouncer-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PgBouncer:
        host, _, port = PG_HOST.partition(":")
        ini = INI.format(host=host, port=port, listen_port=self.port, dir=self.dir)
        (self.dir / "pgbouncer.ini").write_text(ini)
        (self.dir / "userlist.txt").write_text('"postgres" ""\n')
        cmd = [self.binary]
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.dir, postgres.pw_uid, postgres.pw_gid)
            cmd += ["-u", "postgres"]
        self.proc = subprocess.Popen(
            [*cmd, str(self.dir / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Unavailable(f"pgbouncer exited with {self.proc.returncode}")
            log = self.dir / "pgbouncer.log"
            if log.exists() and "process up" in log.read_text(errors="replace"):
                return self
            time.sleep(0.05)
        raise Unavailable("pgbouncer did not start within 15 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)
