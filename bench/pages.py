"""Benchmark of the public pages against the ceiling (not a test: figures vary).

    .venv/bin/python bench/pages.py [--duration 10] [--factor 100] [--markdown FILE]
                                    [--pages NAME ...]

Starts a throwaway PostgreSQL server and Redis, loads the seed data, and serves the
site under gunicorn (gunicorn.conf.py, 2 sync workers) with the production settings
on 127.0.0.1, behind a pretend TLS proxy (``X-Forwarded-Proto: https``). For every
public page it runs ``wrk -t1 -c8 -d10s --latency`` and reports requests per second,
p50 and p99 latency, and the ratio to ``/healthz`` (the ceiling: a view that returns
a constant through all the middleware) measured by the same server in the same run:

* **warm**: the shared Redis cache as in production; pages are served from it;
* **cold**: the cache cleared before each request, i.e. a server whose cache keeps
  nothing (``DJANGO_CACHE_URL=dummy://``): every request renders the page from the
  database. The SQL queries of each page are counted cold too.

Then the same again after adding ``--factor`` times the seed's meetings, attendees
and pledges (tests/factories_large.py). Exits non-zero if a page misses the goals:
warm at least 80 % of the ceiling at either size, cold at least 10 % with the seed.
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from tests import pg  # noqa: E402
from tests.servers import gunicorn_command  # noqa: E402

WARM_GOAL, COLD_GOAL = 0.80, 0.10
HEADERS = {"X-Forwarded-Proto": "https"}

#: Page names and how to reach them (resolved by Django in the server's settings).
PAGES_SCRIPT = r"""
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from dialogue.models import Document, Pledge, Source

pages = {
    "healthz": reverse("healthz"),
    "home": reverse("dialogue:home"),
    "participant list": reverse("dialogue:participant-list"),
    "participant": reverse(
        "dialogue:participant-detail",
        args=[Pledge.objects.order_by("pk").first().donor.code.lower()],
    ),
    "person": reverse("dialogue:person-detail", args=["koichiro-gemba"]),
    "timeline": reverse("dialogue:meeting-list"),
    "timeline, one kind": reverse("dialogue:meeting-list") + "?kind=summit",
    "meeting": reverse(
        "dialogue:meeting-detail", args=["2012-11-10-foreign-ministers-4"]
    ),
    "pledges": reverse("dialogue:pledge-list"),
    "documents": reverse("dialogue:document-list"),
    "document": reverse(
        "dialogue:document-detail",
        args=[Document.objects.published().order_by("pk").first().slug],
    ),
    "sources": reverse("dialogue:source-list"),
    "source": reverse(
        "dialogue:source-detail", args=[Source.objects.order_by("slug").first().slug]
    ),
    "about page": reverse("dialogue:page-detail", args=["about"]),
    "search": reverse("dialogue:search") + "?q=Gemba",
    "open data": reverse("dialogue:open-data"),
    "feed": reverse("dialogue:meeting-feed"),
    "sitemap": reverse("dialogue:sitemap"),
    "robots.txt": reverse("dialogue:robots-txt"),
}
client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
result = {}
for name, path in pages.items():
    client.get(path)  # the per-process caches (current site, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (name, path, response.status_code)
    result[name] = {"path": path, "queries": len(queries)}
print("PAGES=" + json.dumps(result))
"""

LARGE_SCRIPT = """
import json
from tests.factories_large import build_large
print("ADDED=" + json.dumps(build_large({factor})))
"""


def wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers=HEADERS)
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # refused, reset or timed out while starting
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


class Redis:
    def __init__(self):
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed: apt-get install redis")
        self.port = pg.free_port()
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                break
            except OSError:
                time.sleep(0.05)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self):
        self.process.kill()
        self.process.wait()


def base_env(database_url, cache_url):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GUNICORN_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="capj.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        DJANGO_CACHE_URL=cache_url,
    )
    return env


def manage(env, *args, capture=False):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return result.stdout if capture else None


def shell(env, code):
    return manage(env, "shell", "-c", code, capture=True)


class Gunicorn:
    def __init__(self, env, log_dir, name):
        self.port = pg.free_port()
        self.log = open(Path(log_dir) / f"gunicorn-{name}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            gunicorn_command(
                f"127.0.0.1:{self.port}",
                2,
                # gunicorn.conf.py recycles a worker every ~1,000 requests, which at
                # thousands of requests a second would measure Python start-up.
                "--max-requests",
                "0",
                "--access-logfile",
                "/dev/null",
            ),
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()


def wrk(url, duration):
    # wrk counts a response slower than its 2 s default timeout as an error, not a
    # request: a long timeout keeps slow cold pages in the figures.
    command = ["wrk", "-t1", "-c8", f"-d{duration}s", "--timeout", "30s", "--latency"]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True
    ).stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    errors = re.search(r"Socket errors:.*", out)
    if errors:
        print(f"  ({url}: {errors[0]})", flush=True)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])

    def percentile(p):
        value, unit = re.search(
            rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M
        ).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rate": rate, "p50": percentile(50), "p99": percentile(99)}


def warm_up(url, count=20):
    for _ in range(count):
        request = urllib.request.Request(url, headers=HEADERS)
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()


def measure(server, pages, duration):
    """The ceiling first, then every page, then the ceiling again."""
    results = {}
    warm_up(server.base + pages["healthz"]["path"])
    ceiling = [wrk(server.base + pages["healthz"]["path"], duration)["rate"]]
    for name, page in pages.items():
        if name == "healthz":
            continue
        warm_up(server.base + page["path"], 5)
        results[name] = wrk(server.base + page["path"], duration)
        print(f"  {name:20} {results[name]['rate']:9.0f} req/s", flush=True)
    ceiling.append(wrk(server.base + pages["healthz"]["path"], duration)["rate"])
    return sum(ceiling) / len(ceiling), ceiling, results


def run_size(label, database_url, redis_url, pages_env, tmp, duration, only=None):
    print(f"== {label}", flush=True)
    pages = json.loads(
        shell(pages_env, PAGES_SCRIPT).split("PAGES=", 1)[1].splitlines()[0]
    )
    if only:
        unknown = sorted(set(only) - set(pages))
        if unknown:
            raise SystemExit(f"Unknown pages {unknown}: choose among {list(pages)}")
        pages = {name: page for name, page in pages.items() if name in only}
    runs = {}
    for mode, cache_url in (("warm", redis_url), ("cold", "dummy://")):
        server = Gunicorn(base_env(database_url, cache_url), tmp, f"{label}-{mode}")
        try:
            wait_for(server.base + pages["healthz"]["path"])
            print(f" {mode}", flush=True)
            runs[mode] = measure(server, pages, duration)
            print(f"  ceiling {runs[mode][1]}", flush=True)
        finally:
            server.stop()
    return pages, runs


def table(label, pages, runs):
    warm_ceiling, warm_ceilings, warm = runs["warm"]
    cold_ceiling, cold_ceilings, cold = runs["cold"]
    lines = [
        f"**{label}** — ceiling (`/healthz`, before and after the pages): warm "
        f"server {' / '.join(f'{c:,.0f}' for c in warm_ceilings)} req/s, cold server "
        f"{' / '.join(f'{c:,.0f}' for c in cold_ceilings)} req/s",
        "",
        "| page | SQL queries (cold) | warm req/s | warm p50 / p99 ms | warm × ceiling "
        "| cold req/s | cold p50 / p99 ms | cold × ceiling |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    ratios = {}
    for name in warm:
        w, c = warm[name], cold[name]
        ratios[name] = (w["rate"] / warm_ceiling, c["rate"] / cold_ceiling)
        lines.append(
            f"| {name} | {pages[name]['queries']} | {w['rate']:,.0f} | "
            f"{w['p50']:.2f} / {w['p99']:.2f} | {ratios[name][0]:.0%} | "
            f"{c['rate']:,.0f} | {c['p50']:.2f} / {c['p99']:.2f} | "
            f"{ratios[name][1]:.1%} |"
        )
    return "\n".join(lines), ratios


def versions():
    import django
    import gunicorn
    import psycopg
    import redis

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True
    ).stdout.split()[2]
    return (
        f"Python {platform.python_version()}, Django {django.__version__}, gunicorn "
        f"{gunicorn.__version__}, psycopg {psycopg.__version__}, redis-py "
        f"{redis.__version__}, Redis server {redis_version.removeprefix('v=')}, "
        f"{(wrk_version.stdout or wrk_version.stderr).split()[1]} wrk"
    )


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--markdown", type=Path, help="also write the tables here")
    parser.add_argument(
        "--pages",
        nargs="+",
        metavar="NAME",
        help='only these pages (names as in the tables, e.g. "search"), with the '
        "ceiling",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")

    tmp = tempfile.mkdtemp(prefix="capj-bench-")
    server = pg.Server().init().start().create_database()
    redis_server = Redis()
    try:
        env = base_env(server.url, redis_server.url)
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        manage(env, "loaddata", "seed")
        cold_env = base_env(server.url, "dummy://")
        only = {"healthz", *args.pages} if args.pages else None
        seed_pages, seed_runs = run_size(
            "seed data",
            server.url,
            redis_server.url,
            cold_env,
            tmp,
            args.duration,
            only,
        )
        output = shell(cold_env, LARGE_SCRIPT.format(factor=args.factor))
        added = json.loads(output.split("ADDED=", 1)[1].splitlines()[0])
        large_label = f"seed + {args.factor}x meetings, attendees, pledges"
        large_pages, large_runs = run_size(
            large_label,
            server.url,
            redis_server.url,
            cold_env,
            tmp,
            args.duration,
            only,
        )
    finally:
        redis_server.stop()
        server.remove()

    seed_table, seed_ratios = table("Seed data", seed_pages, seed_runs)
    added_text = ", ".join(f"{count:,} {kind}" for kind, count in added.items())
    large_table, large_ratios = table(
        f"Seed data + {added_text}", large_pages, large_runs
    )
    command = (
        f"wrk -t1 -c8 -d{args.duration}s --timeout 30s --latency "
        "-H 'X-Forwarded-Proto: https' URL"
    )
    report = "\n".join(
        [
            f"Machine: {machine()}. {versions()}.",
            f"Command: `.venv/bin/python bench/pages.py --duration {args.duration} "
            f"--factor {args.factor}`; each page: `{command}`.",
            "",
            seed_table,
            "",
            large_table,
        ]
    )
    print()
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")

    misses = [
        f"{label}: {name} warm {warm:.0%} of the ceiling (goal {WARM_GOAL:.0%})"
        for label, ratios in (("seed", seed_ratios), ("large", large_ratios))
        for name, (warm, _cold) in ratios.items()
        if warm < WARM_GOAL
    ] + [
        f"seed: {name} cold {cold:.1%} of the ceiling (goal {COLD_GOAL:.0%})"
        for name, (_warm, cold) in seed_ratios.items()
        if cold < COLD_GOAL
    ]
    if misses:
        print("\nBelow the goals:\n" + "\n".join(misses))
        raise SystemExit(1)
    print("\nEvery page meets the goals.")


if __name__ == "__main__":
    main()
