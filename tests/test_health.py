"""Liveness and readiness probes, as a load balancer sees them."""

import json

import pytest
from django.urls import reverse

from tests import pg
from tests.servers import redis_server


def body(response):
    return json.loads(response.content)


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
            "LOCATION": f"redis://127.0.0.1:{pg.free_port()}/0",
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
def redis():
    """A real Redis, gone when the test ends."""
    with redis_server("the readiness test") as server:
        yield server


@pytest.mark.django_db
def test_readiness_follows_a_real_redis_cache(client, settings, redis):
    process, url = redis
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
