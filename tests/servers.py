"""The site under gunicorn, configured as in production (gunicorn.conf.py), for the
tests and benchmarks that need a real server. Run it from the project's root."""

import os
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
def redis_server(purpose):
    """A throwaway Redis on a free loopback port, as ``(process, "redis://...")``,
    for ``purpose`` (what the skip message names). Where redis-server is not
    installed the test is skipped, or fails under CAPJ_REQUIRE_REDIS=1 (CI)."""
    binary = shutil.which("redis-server")
    if binary is None:
        import pytest

        message = f"redis-server is not installed: {purpose} needs it"
        if os.environ.get("CAPJ_REQUIRE_REDIS") == "1":
            pytest.fail(f"{message}, but CAPJ_REQUIRE_REDIS=1")
        pytest.skip(message)
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
        yield process, f"redis://127.0.0.1:{port}/0"
    finally:
        process.kill()
        process.wait()
