"""Liveness and readiness probes, as a load balancer sees them."""

import json
import os
import shutil
import socket
import subprocess
import time

import pytest
from django.urls import reverse


def body(response):
    return json.loads(response.content)


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_liveness_answers_without_touching_the_database(client):
    # No django_db mark: pytest-django makes any database access here an error.
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert body(response) == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_reports_database_and_cache(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert body(response) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok"},
    }


@pytest.mark.django_db
def test_readiness_is_503_when_the_cache_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "capj.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert body(response) == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "unavailable"},
    }
    # The probe says what is down, never why (no addresses, no tracebacks).
    assert b"127.0.0.1" not in response.content
    assert client.get(reverse("healthz")).status_code == 200


@pytest.mark.django_db
def test_probes_are_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for name in ("healthz", "readyz"):
        response = client.get(reverse(name), HTTP_X_FORWARDED_PROTO="http")
        assert response.status_code == 200, name
        assert body(response)["status"] == "ok"
    page = client.get(reverse("dialogue:home"), HTTP_X_FORWARDED_PROTO="http")
    assert page.status_code == 301
    assert page["Location"] == "https://testserver" + reverse("dialogue:home")


def test_probes_only_answer_reads(client):
    response = client.post(reverse("healthz"))
    assert response.status_code == 405


@pytest.fixture
def redis_server():
    """A real Redis on a free local port, gone when the test ends."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed"
        if os.environ.get("CAPJ_REQUIRE_REDIS") == "1":
            pytest.fail(message + ", but CAPJ_REQUIRE_REDIS=1")
        pytest.skip(message)
    port = closed_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield process, f"redis://127.0.0.1:{port}/0"
    process.kill()
    process.wait()


@pytest.mark.django_db
def test_readiness_follows_a_real_redis_cache(client, settings, redis_server):
    process, url = redis_server
    settings.CACHES = {
        "default": {
            "BACKEND": "capj.redis_cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = client.get(reverse("readyz"))
    assert (response.status_code, body(response)["checks"]) == (
        200,
        {"database": "ok", "cache": "ok"},
    )
    process.terminate()
    process.wait()
    response = client.get(reverse("readyz"))
    assert (response.status_code, body(response)["checks"]) == (
        503,
        {"database": "ok", "cache": "unavailable"},
    )
    assert client.get(reverse("healthz")).status_code == 200
