"""The site under gunicorn, configured as in production (gunicorn.conf.py), for the
tests and benchmarks that need a real server. Run it from the project's root."""

import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

from tests import pg


def gunicorn_command(bind, workers, *extra):
    """The command line of a gunicorn serving the site on ``bind`` (host:port)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "--bind",
        bind,
        "--workers",
        str(workers),
        *extra,
    ]


@contextmanager
def redis_server():
    """A throwaway Redis on a free loopback port, as ``redis://...`` (None when
    redis-server is not installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = pg.free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.kill()
        process.wait()
