"""A real, throwaway PostgreSQL server for tests (no Docker).

The server lives in a fresh temp directory, listens on 127.0.0.1 on a free port,
trades durability for speed (fsync, synchronous_commit and full_page_writes off)
and is removed on stop. ``initdb``/``postgres`` refuse to run as root, so when
the euid is 0 every server command runs as the unprivileged ``postgres`` user
(created by the Debian package ``postgresql``) via ``runuser``.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg

INSTALL_HINT = "install the Debian package postgresql (apt-get install -y postgresql)"
SERVER_USER = "postgres"  # the OS user that runs the server when we are root
DB_USER = "postgres"  # the database superuser created by initdb
DB_PASSWORD = "postgres"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries (or the user to run them as) are missing."""


def find_bin_dir() -> Path:
    """Directory with ``initdb``, ``pg_ctl`` and ``postgres``.

    Order: ``$PG_BIN``, the newest ``/usr/lib/postgresql/<major>/bin``, the
    directory of ``pg_ctl`` on PATH (symlinks resolved).
    """
    candidates: list[Path] = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]))
    else:
        versioned = glob.glob("/usr/lib/postgresql/*/bin")
        versioned.sort(key=lambda p: [int(n) for n in re.findall(r"\d+", p)], reverse=True)
        candidates.extend(Path(p) for p in versioned)
        on_path = shutil.which("pg_ctl")
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
    for bin_dir in candidates:
        if all((bin_dir / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return bin_dir
    looked = ", ".join(str(c) for c in candidates) or "PG_BIN, /usr/lib/postgresql/*/bin, PATH"
    raise PostgresUnavailable(
        f"PostgreSQL server binaries (initdb, pg_ctl, postgres) not found (looked in: {looked}); "
        f"{INSTALL_HINT}, or set PG_BIN to the directory holding them"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the server may still lose a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThrowawayPostgres:
    """Start a private PostgreSQL server; ``url`` is its superuser URL over TCP.

    Use as a context manager, or call ``start()`` / ``stop()``. ``stop()`` is
    idempotent and also registered with ``atexit`` as a safety net.
    """

    def __init__(self, bin_dir: Path | None = None, start_timeout: float = 60.0) -> None:
        self.bin_dir = bin_dir
        self.start_timeout = start_timeout
        self.port: int | None = None
        self.base_dir: Path | None = None
        self._run_as: pwd.struct_passwd | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("ThrowawayPostgres is not started")
        return f"postgresql://{DB_USER}:{DB_PASSWORD}@127.0.0.1:{self.port}/postgres"

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "server.log"

    def start(self) -> ThrowawayPostgres:
        if self.port is not None:
            return self
        self.bin_dir = self.bin_dir or find_bin_dir()
        if os.geteuid() == 0:
            try:
                self._run_as = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root but there is no '{SERVER_USER}' user to run the server as; "
                    f"{INSTALL_HINT} (it creates that user)"
                ) from None
        # /tmp (not $TMPDIR) so the server user can traverse the whole path.
        self.base_dir = Path(tempfile.mkdtemp(prefix="oneplan-pg-", dir="/tmp"))
        atexit.register(self.stop)
        try:
            self._init_cluster()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.base_dir is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            self._pg(
                "pg_ctl",
                "stop",
                "-D",
                str(self.data_dir),
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
                check=False,
            )
        shutil.rmtree(self.base_dir, ignore_errors=True)
        self.base_dir = None
        self.port = None
        atexit.unregister(self.stop)

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------------------------

    def _init_cluster(self) -> None:
        assert self.base_dir is not None
        socket_dir = self.base_dir / "sock"
        socket_dir.mkdir()
        pwfile = self.base_dir / "pwfile"
        pwfile.write_text(DB_PASSWORD + "\n")
        if self._run_as is not None:
            for path in (self.base_dir, socket_dir, pwfile):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        self._pg(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            DB_USER,
            f"--pwfile={pwfile}",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{socket_dir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        # Appending keeps the file's owner (the server user).
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# throwaway test server\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _start_server(self) -> None:
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between probing and binding
            port = free_port()
            done = self._pg(
                "pg_ctl",
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                f"-p {port}",
                "-w",
                "-t",
                str(int(self.start_timeout)),
                check=False,
            )
            if done.returncode == 0:
                self.port = port
                self._wait_until_accepting()
                return
            last_error = done.stdout + done.stderr + self._log_tail()
        raise RuntimeError(f"PostgreSQL did not start:\n{last_error}")

    def _wait_until_accepting(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                with psycopg.connect(self.url, connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    tail = self._log_tail()
                    raise RuntimeError(f"PostgreSQL refuses connections:\n{tail}") from None
                time.sleep(0.05)

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _pg(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a server program, as the server user when we are root."""
        assert self.bin_dir is not None and self.base_dir is not None
        cmd = [str(self.bin_dir / program), *args]
        if self._run_as is not None:
            cmd = ["runuser", "-u", self._run_as.pw_name, "--", *cmd]
        done = subprocess.run(
            cmd, cwd=self.base_dir, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )
        return done
