"""The site under gunicorn, configured as in production (gunicorn.conf.py), for the
tests and benchmarks that need a real server. Run it from the project's root."""

import sys


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
