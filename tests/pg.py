"""A throwaway PostgreSQL server for tests that need to stop and start one.

`.ci/run` uses the same helper (`python -m tests.pg start|stop DIR`) for the server
the whole suite runs against; `make test-postgres` uses `python -m tests.pg run`.
The server lives in a temporary directory, listens on 127.0.0.1 and a unix socket
there, trusts local connections and is removed on stop. initdb refuses to run as
root, so as root the server runs as the `postgres` user."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USER = "capj"


def bin_dir():
    """Where initdb and pg_ctl are, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as():
    """The account the server runs as: ourselves, or `postgres` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return pwd.getpwnam("nobody")


class Server:
    def __init__(self, directory=None, port=None):
        self.bin = bin_dir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL binaries (initdb, pg_ctl) are not installed")
        self.dir = Path(directory or tempfile.mkdtemp(prefix="capj-pg-"))
        self.data = self.dir / "data"
        self.port = port or free_port()
        self.account = _run_as()

    @property
    def url(self):
        return f"postgres://{USER}@127.0.0.1:{self.port}/{USER}"

    def _cmd(self, *args, check=True, timeout=120):
        command = [str(self.bin / args[0]), *map(str, args[1:])]
        if self.account is not None:
            command = ["runuser", "-u", self.account.pw_name, "--", *command]
        return subprocess.run(
            command,
            check=check,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.dir,
        )

    def init(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.account is not None:
            os.chown(self.dir, self.account.pw_uid, self.account.pw_gid)
        os.chmod(self.dir, 0o700)
        self._cmd(
            "initdb",
            "-D",
            self.data,
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.dir}'\nfsync = off\n"
                "synchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 200\n"
            )
        return self

    def start(self):
        self._cmd(
            "pg_ctl", "-D", self.data, "-l", self.dir / "server.log", "-w", "start"
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = self._cmd(
                "pg_isready", "-h", "127.0.0.1", "-p", self.port, check=False
            )
            if ready.returncode == 0:
                return self
            time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL did not start: {self.log()}")

    def create_database(self, name=USER):
        self._cmd("createdb", "-h", "127.0.0.1", "-p", self.port, "-U", USER, name)
        return self

    def stop(self, mode="fast"):
        self._cmd("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)
        return self

    def is_running(self):
        status = self._cmd("pg_ctl", "-D", self.data, "status", check=False)
        return status.returncode == 0

    def log(self):
        path = self.dir / "server.log"
        return path.read_text() if path.exists() else ""

    def remove(self):
        if self.is_running():
            self.stop(mode="immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def run(command):
    """Run command with DATABASE_URL set to a fresh server, removed afterwards."""
    import signal

    def interrupted(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    server = Server()
    try:
        server.init().start().create_database()
        env = {**os.environ, "DATABASE_URL": server.url}
        return subprocess.run(command, env=env).returncode
    finally:
        server.remove()


def main(argv):
    """`start DIR` prints DATABASE_URL; `stop DIR` removes the server;
    `run COMMAND...` runs a command against a server that lives only as long."""
    if len(argv) > 2 and argv[1] == "run":
        raise SystemExit(run(argv[2:]))
    action, directory = argv[1], argv[2]
    if action == "start":
        server = Server(directory).init().start().create_database()
        print(server.url)
    elif action == "stop":
        server = Server.__new__(Server)
        server.bin = bin_dir()
        server.dir = Path(directory)
        server.data = server.dir / "data"
        server.account = _run_as()
        server.remove()
    else:
        raise SystemExit(f"unknown action {action!r}: use start or stop")


if __name__ == "__main__":
    main(sys.argv)
