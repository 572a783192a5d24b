"""Production settings: read from the environment, refuse to start without them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "test-only-" + "".join(chr(c) for c in range(65, 123)),
    "DJANGO_ALLOWED_HOSTS": "capj.example.org,www.capj.example.org",
    "DATABASE_URL": "postgres://capj:secret@db.internal:5432/capj",
    "DJANGO_CACHE_URL": "redis://cache.internal:6379/0",
}


def run_python(code, env_overrides, settings_module="capj.settings.production"):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_production(**overrides):
    env = {**PRODUCTION_ENV, **overrides}
    env = {key: value for key, value in env.items() if value is not None}
    return run_python(
        "from django.conf import settings; import json; print(json.dumps({"
        "'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS,"
        "'engine': settings.DATABASES['default']['ENGINE'],"
        "'cache': settings.CACHES['default']['BACKEND'],"
        "'health_checks': settings.DATABASES['default']['CONN_HEALTH_CHECKS'],"
        "'max_age': settings.DATABASES['default']['CONN_MAX_AGE'],"
        "'db_options': settings.DATABASES['default'].get('OPTIONS', {}),"
        "'secret': settings.SECRET_KEY}))",
        env,
    )


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_CACHE_URL"],
)
def test_production_refuses_to_start_without_a_required_variable(missing):
    result = load_production(**{missing: None})
    assert result.returncode != 0
    assert (
        f"ImproperlyConfigured: {missing} is required in production and is not set. "
        "See .env.example." in result.stderr
    )


def test_blank_value_counts_as_missing():
    result = load_production(DJANGO_SECRET_KEY="   ")
    assert "DJANGO_SECRET_KEY is required in production" in result.stderr


def test_production_refuses_debug():
    result = load_production(DJANGO_DEBUG="true")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must not be true with capj.settings.production" in (
        result.stderr
    )


def test_ambiguous_boolean_is_named():
    result = load_production(DJANGO_DEBUG="maybe")
    assert (
        "DJANGO_DEBUG must be one of true/false/1/0/yes/no/on/off, not 'maybe'."
        in result.stderr
    )


def test_unknown_cache_scheme_is_named():
    result = load_production(DJANGO_CACHE_URL="memcache://cache:11211")
    assert "DJANGO_CACHE_URL must start with one of" in result.stderr
    assert "'memcache://cache:11211'" in result.stderr


def test_production_reads_everything_from_the_environment():
    import json

    result = load_production()
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "debug": False,
        "hosts": ["capj.example.org", "www.capj.example.org"],
        "engine": "django.db.backends.postgresql",
        "cache": "capj.redis_cache.RedisCache",
        "health_checks": True,
        "max_age": 600,
        # Parameters apart from the SQL, and statements prepared once per
        # connection after their fifth run; pg_trgm's word similarity as "did you
        # mean" compares names (dialogue/suggestions.py).
        "db_options": {
            "server_side_binding": True,
            "prepare_threshold": 5,
            "options": "-c pg_trgm.word_similarity_threshold=0.3",
        },
        "secret": PRODUCTION_ENV["DJANGO_SECRET_KEY"],
    }


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "DJANGO_CACHE_URL": "locmem://",
    }
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy',"
        " '--fail-level', 'WARNING'])",
        env,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_sqlite_is_configured_for_concurrent_writers():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("this run uses PostgreSQL")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "PRAGMA journal_mode=WAL;" in options["init_command"]


def test_env_example_lists_every_variable_the_settings_read():
    import re

    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.MULTILINE))
    read = set()
    for module in ("base.py", "production.py"):
        source = (ROOT / "capj" / "settings" / module).read_text()
        read |= set(re.findall(r"\"((?:DJANGO_|DATABASE_)[A-Z_]+)\"", source))
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"


def test_json_logs_go_to_stdout():
    import json

    result = run_python(
        "import logging, django; django.setup();"
        "logging.getLogger('capj.test').warning('disk %s full', 'sda1')",
        {"DATABASE_URL": "sqlite:///:memory:"},
        settings_module="capj.settings.base",
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    record = next(line for line in lines if line["name"] == "capj.test")
    assert record["level"] == "WARNING"
    assert record["message"] == "disk sda1 full"
    assert "time" in record
