"""The entry points a deployment starts: capj/wsgi.py, manage.py and gunicorn."""

import os
import subprocess
import sys
from pathlib import Path

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
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
        ],
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
