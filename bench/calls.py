"""Python function calls per request of the public pages (not a test: a profile).

    .venv/bin/python bench/calls.py [PATH ...]

Builds a throwaway SQLite database with the seed data and asks each page (by
default the pages of bench/pages.py) through Django's test client with the
production settings and a cache that keeps nothing (``dummy://``), so every
request renders the page: two requests to warm up, then ten under cProfile. It
prints, per page, the SQL queries of one request and the Python calls per request.
On this machine the cold rate of a page under gunicorn is roughly inversely
proportional to its calls, which makes this a quick way to compare two versions of
a page without the noise of a load test.
"""

import cProfile
import os
import pstats
import sys
import tempfile
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

PAGES = (
    "/",
    "/participants/",
    "/participants/jp/",
    "/people/koichiro-gemba/",
    "/meetings/",
    "/meetings/?kind=summit",
    "/meetings/2012-11-10-foreign-ministers-4/",
    "/pledges/",
    "/documents/",
    "/documents/joint-statement-2004/",
    "/sources/",
    "/sources/asia-times-japan-joins-energy-race/",
    "/pages/about/",
    "/search/?q=Gemba",
    "/data/",
    "/feeds/meetings/",
    "/sitemap.xml",
)


def counting(queries, execute, sql, params, many, context):
    """A database execute wrapper noting each statement in ``queries``."""
    queries.append(sql)
    return execute(sql, params, many, context)


def main(paths):
    folder = tempfile.mkdtemp(prefix="capj-calls-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="capj.settings.production",
        DJANGO_SECRET_KEY="calls-" + "x" * 60,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{Path(folder) / 'db.sqlite3'}",
        DJANGO_CACHE_URL="dummy://",
    )
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("loaddata", "seed", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    print("| page | SQL queries | Python calls per request |\n| --- | ---: | ---: |")
    for path in paths:
        client.get(path)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        queries = []
        with connection.execute_wrapper(partial(counting, queries)):
            client.get(path)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(10):
            client.get(path)
        profile.disable()
        calls = pstats.Stats(profile).total_calls // 10
        print(f"| `{path}` | {len(queries)} | {calls:,} |")


if __name__ == "__main__":
    main(sys.argv[1:] or PAGES)
