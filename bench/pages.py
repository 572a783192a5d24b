"""Benchmark of the public pages against the ceiling (not a test: figures vary).

    .venv/bin/python bench/pages.py [--duration 10] [--factor 100] [--markdown FILE]
                                    [--before DIR] [--paired]

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
and pledges (tests/factories_large.py), with the cache emptied first (the data is
added without the page cache's version bump). Exits non-zero if a page misses the
goals: warm at least 80 % of the ceiling at either size; cold at least 5 % at
either size, and search 10 % with the seed.

``--before DIR`` serves a second checkout (e.g. ``git archive COMMIT | tar -x -C
DIR``) side by side with this one, on the same database, each with a Redis
database of its own: every page is measured on one server and then on the other,
and the tables show both. The goals apply to this checkout. ``--paired`` also
measures the ceiling right before each page and divides the page by it, for a
machine whose load from other work moves by the minute.
"""

import argparse
import json
import os
import platform
import re
import resource
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

#: Warm: every page, both sizes. Cold (PostgreSQL): every page at both sizes,
#: search more with the seed.
WARM_GOAL = 0.80
COLD_GOALS = {"seed": 0.05, "large": 0.05}
SEARCH_COLD_GOALS = {"seed": 0.10, "large": 0.05}


def cold_goal(label, name):
    return (SEARCH_COLD_GOALS if name == "search" else COLD_GOALS)[label]


#: The PostgreSQL server's and Redis's main processes, once started.
SHARED_PROCESSES = set()
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
    "people": reverse("dialogue:person-list"),
    "person": reverse("dialogue:person-detail", args=["koichiro-gemba"]),
    "timeline": reverse("dialogue:meeting-list"),
    "timeline, one kind": reverse("dialogue:meeting-list") + "?kind=summit",
    "meeting": reverse(
        "dialogue:meeting-detail", args=["2012-11-10-foreign-ministers-4"]
    ),
    "pledges": reverse("dialogue:pledge-list"),
    "pledges by year": reverse("dialogue:pledge-list") + "?by=year",
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

    def flushall(self):
        import redis

        redis.Redis.from_url(self.url).flushall()

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


def manage(env, *args, capture=False, root=ROOT):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root,
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
    def __init__(self, env, log_dir, name, root=ROOT):
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
            cwd=root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        # Whose CPU time a request costs: this server, and the shared services.
        self.roots = {self.process.pid, *SHARED_PROCESSES}

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(roots):
    """CPU seconds (user and system) used so far by the processes ``roots`` and
    their descendants (gunicorn's workers, PostgreSQL's backends)."""
    parents, cpu = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    total = 0.0
    for pid, seconds in cpu.items():
        ancestor = pid
        while ancestor > 1 and ancestor not in roots:
            ancestor = parents.get(ancestor, 0)
        if ancestor in roots:
            total += seconds
    return total


def wrk(url, duration, roots=()):
    """wrk's figures for ``url``, and the CPU time a request cost: the server's
    processes ``roots`` and their descendants, and wrk itself. On a machine busy
    with other work the rate moves with that work; the CPU time hardly does.
    """
    # wrk counts a response slower than its 2 s default timeout as an error, not a
    # request: a long timeout keeps slow cold pages in the figures.
    command = ["wrk", "-t1", "-c8", f"-d{duration}s", "--timeout", "30s", "--latency"]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    cpu_before = tree_cpu(roots)
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True
    ).stdout
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = tree_cpu(roots) - cpu_before
    cpu += wrk_after.ru_utime + wrk_after.ru_stime
    cpu -= wrk_before.ru_utime + wrk_before.ru_stime
    requests = int(re.search(r"(\d+) requests in", out)[1])
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

    return {
        "rate": rate,
        "p50": percentile(50),
        "p99": percentile(99),
        "cpu": cpu / requests * 1e6,
    }


def warm_up(url, count=20):
    for _ in range(count):
        request = urllib.request.Request(url, headers=HEADERS)
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()


def measure(servers, pages, duration, paired=False):
    """The ceiling first, then every page, then the ceiling again: each on every
    server in turn (``{name: server}``), so that they share the machine's moods.
    ``paired``: the ceiling also right before each page, which that page is then
    divided by (for a machine busy with other work, whose load moves by the
    minute)."""
    results = {name: {} for name in servers}
    ceilings = {name: [] for name in servers}
    ceiling_cpu = {name: [] for name in servers}
    healthz = pages["healthz"]["path"]

    def ceiling(name, server):
        run = wrk(server.base + healthz, duration, server.roots)
        ceilings[name].append(run["rate"])
        ceiling_cpu[name].append(run["cpu"])
        return run

    for name, server in servers.items():
        warm_up(server.base + healthz)
        ceiling(name, server)
    for page_name, page in pages.items():
        if page_name == "healthz":
            continue
        for name, server in servers.items():
            before = ceiling(name, server) if paired else None
            warm_up(server.base + page["path"], 5)
            run = wrk(server.base + page["path"], duration, server.roots)
            if before:
                run.update(ceiling=before["rate"], ceiling_cpu=before["cpu"])
            results[name][page_name] = run
            print(
                f"  {page_name:20} {name:7} {run['rate']:9.0f} req/s "
                f"{run['cpu']:7.0f} µs CPU a request",
                flush=True,
            )
    for name, server in servers.items():
        ceiling(name, server)
    for name in servers:
        mean_cpu = sum(ceiling_cpu[name]) / len(ceiling_cpu[name])
        for run in results[name].values():
            run.setdefault("ceiling_cpu", mean_cpu)
    return {
        name: (sum(ceilings[name]) / len(ceilings[name]), ceilings[name], results[name])
        for name in servers
    }


def run_size(
    label, database_url, cache_urls, pages_env, tmp, duration, checkouts, paired
):
    """Every page on a warm and a cold server of each checkout (``{name: root}``);
    ``cache_urls`` gives each checkout's warm cache."""
    print(f"== {label}", flush=True)
    pages = json.loads(
        shell(pages_env, PAGES_SCRIPT).split("PAGES=", 1)[1].splitlines()[0]
    )
    runs = {name: {} for name in checkouts}
    for mode in ("warm", "cold"):
        servers = {}
        try:
            for name, root in checkouts.items():
                cache_url = cache_urls[name] if mode == "warm" else "dummy://"
                servers[name] = Gunicorn(
                    base_env(database_url, cache_url),
                    tmp,
                    f"{label}-{mode}-{name}",
                    root,
                )
            for server in servers.values():
                wait_for(server.base + pages["healthz"]["path"])
            print(f" {mode}", flush=True)
            for name, run in measure(servers, pages, duration, paired).items():
                runs[name][mode] = run
                print(f"  ceiling {name} {run[1]}", flush=True)
        finally:
            for server in servers.values():
                server.stop()
    return pages, runs


def table(label, pages, runs):
    warm_ceiling, warm_ceilings, warm = runs["warm"]
    cold_ceiling, cold_ceilings, cold = runs["cold"]
    lines = [
        f"**{label}** — ceiling (`/healthz`): warm server "
        f"{ceiling_text(warm_ceilings)} req/s, cold server "
        f"{ceiling_text(cold_ceilings)} req/s",
        "",
        "| page | SQL queries (cold) | warm req/s | warm p50 / p99 ms | warm × ceiling "
        "| warm × ceiling, by CPU | cold req/s | cold p50 / p99 ms | cold × ceiling "
        "| cold × ceiling, by CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    ratios = {}
    for name in warm:
        w, c = warm[name], cold[name]
        ratios[name] = (
            w["rate"] / w.get("ceiling", warm_ceiling),
            c["rate"] / c.get("ceiling", cold_ceiling),
        )
        lines.append(
            f"| {name} | {pages[name]['queries']} | {w['rate']:,.0f} | "
            f"{w['p50']:.2f} / {w['p99']:.2f} | {ratios[name][0]:.0%} | "
            f"{w['ceiling_cpu'] / w['cpu']:.0%} | "
            f"{c['rate']:,.0f} | {c['p50']:.2f} / {c['p99']:.2f} | "
            f"{ratios[name][1]:.1%} | {c['ceiling_cpu'] / c['cpu']:.1%} |"
        )
    return "\n".join(lines), ratios


def ceiling_text(ceilings):
    if len(ceilings) <= 2:
        return " / ".join(f"{c:,.0f}" for c in ceilings)
    return f"{min(ceilings):,.0f}–{max(ceilings):,.0f} ({len(ceilings)} runs)"


def side_by_side(label, pages, before, after):
    """The table of two checkouts' runs, each cell "before → after"."""

    def pair(mode, name, cell):
        values = []
        for runs in (before, after):
            ceiling, _, results = runs[mode]
            run = results[name]
            values.append(cell(run, run.get("ceiling", ceiling)))
        return " → ".join(values)

    def ceilings(mode):
        return " → ".join(ceiling_text(runs[mode][1]) for runs in (before, after))

    lines = [
        f"**{label}** — ceiling (`/healthz`), before → after: warm "
        f"{ceilings('warm')} req/s, cold {ceilings('cold')} req/s",
        "",
        "| page | SQL queries (cold) | warm req/s | warm × ceiling | warm µs CPU "
        "a request | warm × ceiling, by CPU | cold req/s | cold × ceiling | cold × "
        "ceiling, by CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in after["warm"][2]:
        cells = [
            pair("warm", name, lambda r, c: f"{r['rate']:,.0f}"),
            pair("warm", name, lambda r, c: f"{r['rate'] / c:.0%}"),
            pair("warm", name, lambda r, c: f"{r['cpu']:,.0f}"),
            pair("warm", name, lambda r, c: f"{r['ceiling_cpu'] / r['cpu']:.0%}"),
            pair("cold", name, lambda r, c: f"{r['rate']:,.0f}"),
            pair("cold", name, lambda r, c: f"{r['rate'] / c:.1%}"),
            pair("cold", name, lambda r, c: f"{r['ceiling_cpu'] / r['cpu']:.1%}"),
        ]
        lines.append(f"| {name} | {pages[name]['queries']} | {' | '.join(cells)} |")
    return "\n".join(lines)


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
        "--before", type=Path, help="a checkout to serve side by side with this one"
    )
    parser.add_argument(
        "--paired",
        action="store_true",
        help="divide each page by the ceiling measured right before it",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    checkouts = {"after": ROOT}
    if args.before:
        checkouts = {"before": args.before.resolve(), "after": ROOT}

    tmp = tempfile.mkdtemp(prefix="capj-bench-")
    server = pg.Server().init().start().create_database()
    redis_server = Redis()
    postmaster = (server.data / "postmaster.pid").read_text().split()[0]
    SHARED_PROCESSES.update({redis_server.process.pid, int(postmaster)})
    # Each checkout its own Redis database: their page caches do not mix.
    cache_urls = {
        name: f"{redis_server.url.rsplit('/', 1)[0]}/{number}"
        for number, name in enumerate(checkouts)
    }
    try:
        env = base_env(server.url, cache_urls["after"])
        manage(env, "migrate", "--no-input")
        for root in checkouts.values():
            manage(env, "collectstatic", "--no-input", root=root)
        manage(env, "loaddata", "seed")
        cold_env = base_env(server.url, "dummy://")
        sizes = [
            (
                "seed data",
                *run_size(
                    "seed data",
                    server.url,
                    cache_urls,
                    cold_env,
                    tmp,
                    args.duration,
                    checkouts,
                    args.paired,
                ),
            )
        ]
        output = shell(cold_env, LARGE_SCRIPT.format(factor=args.factor))
        added = json.loads(output.split("ADDED=", 1)[1].splitlines()[0])
        # The rows were added with a cache that keeps nothing, so no version was
        # bumped in Redis: empty it, or the warm servers would serve the seed's pages.
        redis_server.flushall()
        added_text = ", ".join(f"{count:,} {kind}" for kind, count in added.items())
        large_label = f"Seed data + {added_text}"
        sizes.append(
            (
                large_label,
                *run_size(
                    large_label,
                    server.url,
                    cache_urls,
                    cold_env,
                    tmp,
                    args.duration,
                    checkouts,
                    args.paired,
                ),
            )
        )
    finally:
        redis_server.stop()
        server.remove()

    command = (
        f"wrk -t1 -c8 -d{args.duration}s --timeout 30s --latency "
        "-H 'X-Forwarded-Proto: https' URL"
    )
    before = f" --before {args.before}" if args.before else ""
    before += " --paired" if args.paired else ""
    parts = [
        f"Machine: {machine()}. {versions()}.",
        f"Command: `.venv/bin/python bench/pages.py --duration {args.duration} "
        f"--factor {args.factor}{before}`; each page: `{command}`.",
    ]
    all_ratios = {}
    for label, pages, runs in sizes:
        label = label[0].upper() + label[1:]
        text, all_ratios[label] = table(label, pages, runs["after"])
        if args.before:
            text = side_by_side(label, pages, runs["before"], runs["after"])
        parts += ["", text]
    report = "\n".join(parts)
    print()
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")

    (seed_label, seed_ratios), (_, large_ratios) = all_ratios.items()
    misses = [
        f"{label}: {name} warm {warm:.0%} of the ceiling (goal {WARM_GOAL:.0%})"
        for label, ratios in (("seed", seed_ratios), ("large", large_ratios))
        for name, (warm, _cold) in ratios.items()
        if warm < WARM_GOAL
    ] + [
        f"{label}: {name} cold {cold:.1%} of the ceiling "
        f"(goal {cold_goal(label, name):.0%})"
        for label, ratios in (("seed", seed_ratios), ("large", large_ratios))
        for name, (_warm, cold) in ratios.items()
        if cold < cold_goal(label, name)
    ]
    cpu_misses = [
        f"{label}: {name} {state} {ratio:.1%} of the ceiling by CPU"
        for label, (_, pages, runs) in zip(("seed", "large"), sizes, strict=True)
        for state in ("warm", "cold")
        for name, run in runs["after"][state][2].items()
        if (ratio := run["ceiling_cpu"] / run["cpu"])
        < (WARM_GOAL if state == "warm" else cold_goal(label, name))
    ]
    print(
        "\nBy CPU time a request, "
        + (
            "below the goals:\n" + "\n".join(cpu_misses)
            if cpu_misses
            else "every page meets the goals."
        )
    )
    if misses:
        print("\nBelow the goals:\n" + "\n".join(misses))
        raise SystemExit(1)
    print("\nEvery page meets the goals.")


if __name__ == "__main__":
    main()
