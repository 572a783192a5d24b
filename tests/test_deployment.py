"""The entry points a deployment starts: capj/wsgi.py, manage.py and gunicorn."""

import contextlib
import datetime
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.pg import free_port
from tests.servers import gunicorn_command

ROOT = Path(__file__).resolve().parent.parent

MISSING_SECRET = (
    "django.core.exceptions.ImproperlyConfigured: DJANGO_SECRET_KEY is required in "
    "production and is not set. See .env.example."
)


def bare_env(**extra):
    """This process's environment without any of the site's settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_")) and key != "DATABASE_URL"
    }
    env.update(extra)
    return env


def run(args, env, timeout=60):
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_wsgi_without_a_settings_module_refuses_to_start_with_the_reason():
    result = run([sys.executable, "-c", "import capj.wsgi"], bare_env())
    assert result.returncode == 1
    assert result.stderr.rstrip().endswith(MISSING_SECRET), result.stderr
    assert "capj/settings/production.py" in result.stderr
    assert "capj/settings/dev.py" not in result.stderr


def test_wsgi_defaults_to_the_production_settings():
    code = (
        "import capj.wsgi; from django.conf import settings; "
        "print(settings.SETTINGS_MODULE, settings.DEBUG, settings.SECRET_KEY)"
    )
    env = bare_env(
        DJANGO_SECRET_KEY="test-only-" + "s" * 50,
        DJANGO_ALLOWED_HOSTS="capj.example.org",
        DATABASE_URL="sqlite:///unused.sqlite3",
        DJANGO_CACHE_URL="locmem://",
    )
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "capj.settings.production",
        "False",
        "test-only-" + "s" * 50,
    ]


def test_gunicorn_without_a_settings_module_does_not_serve():
    """gunicorn.conf.py names capj.wsgi:application and nothing else."""
    result = run(
        gunicorn_command("127.0.0.1:0", 1),
        bare_env(),
        timeout=60,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert MISSING_SECRET in output, output
    assert "Worker failed to boot." in output, output


def test_manage_py_still_defaults_to_the_development_settings():
    code = "from django.conf import settings; print(settings.SETTINGS_MODULE)"
    result = run([sys.executable, "manage.py", "shell", "-c", code], bare_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "capj.settings.dev"


# --------------------------------------------------------------------------------
# gunicorn's access log: one JSON object per request, whatever the client sends
# --------------------------------------------------------------------------------

HOSTILE_AGENT = 'Mozilla/5.0 "quoted" \\ back\\slash", "status": 999, "x": "\\'
HOSTILE_TARGET = '/healthz?q="}{\\'


def raw_get(port, target, user_agent):
    """Send one request exactly as written, as a hostile client would."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"User-Agent: {user_agent}\r\nReferer: https://x.example/\"'\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return reply.decode("latin-1")


@contextlib.contextmanager
def serving(args, env, probe, stdout=subprocess.DEVNULL):
    """A gunicorn process started with ``args``, once it answers ``probe`` (a
    target); yields its port, and stops it afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [*gunicorn_command(f"127.0.0.1:{port}", 1), *args],
        cwd=ROOT,
        env=env,
        stdout=stdout,  # the access log
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                raw_get(port, probe, "probe")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_access_log_is_valid_json_whatever_the_client_sends(tmp_path):
    log = tmp_path / "access.log"
    env = bare_env(DJANGO_SETTINGS_MODULE="capj.settings.test")
    with open(log, "w") as out, serving([], env, "/healthz", out) as port:
        reply = raw_get(port, HOSTILE_TARGET, HOSTILE_AGENT)
        assert reply.startswith("HTTP/1.1 200 OK\r\n"), reply
    lines = log.read_text().splitlines()
    assert len(lines) == 2, lines
    records = [json.loads(line) for line in lines]  # every line parses
    probe, hostile = records
    assert probe["user_agent"] == "probe"
    assert hostile["user_agent"] == HOSTILE_AGENT
    assert hostile["request"] == f"GET {HOSTILE_TARGET} HTTP/1.1"
    assert hostile["referer"] == "https://x.example/\"'"
    assert hostile["status"] == 200
    assert hostile["remote"] == "127.0.0.1"
    assert isinstance(hostile["bytes"], int) and hostile["bytes"] > 0
    assert isinstance(hostile["duration_us"], int)
    assert datetime.datetime.fromisoformat(hostile["time"]).tzinfo is not None


def test_a_timed_out_request_is_logged_with_the_time_it_took(tmp_path):
    """gunicorn replaces a worker stuck past its timeout; the request's line in the
    access log says how long it ran, not the few milliseconds of the error page."""
    log = tmp_path / "access.log"
    env = bare_env(GUNICORN_TIMEOUT="1")
    app = ["tests.slow_wsgi:application"]
    with open(log, "w") as out, serving(app, env, "/?seconds=0", out) as port:
        started = time.monotonic()
        reply = raw_get(port, "/?seconds=30", "stuck")
        waited = time.monotonic() - started
        assert waited < 15, "the worker was not timed out"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    [stuck] = [r for r in records if r["request"] == "GET /?seconds=30 HTTP/1.1"]
    assert reply.startswith("HTTP/1.1 500 Internal Server Error\r\n"), reply
    assert (stuck["status"], stuck["user_agent"]) == (500, "stuck")
    # It ran for at least the 1 s timeout, and not longer than the client waited.
    assert 1_000_000 <= stuck["duration_us"] <= waited * 1_000_000, stuck


def test_gunicorn_opens_no_control_socket(tmp_path):
    """Two servers of one user (or a server and the test servers) would share
    gunicorn's one control socket, under $XDG_RUNTIME_DIR or ~/.gunicorn/."""
    env = bare_env(DJANGO_SETTINGS_MODULE="capj.settings.test")
    env.pop("XDG_RUNTIME_DIR", None)
    env["HOME"] = str(tmp_path)
    with serving([], env, "/healthz") as port:
        reply = raw_get(port, "/healthz", "probe")
        assert reply.startswith("HTTP/1.1 200 OK\r\n"), reply
        assert not (tmp_path / ".gunicorn").exists()
