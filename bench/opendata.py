"""Benchmark of the open-data downloads and the sitemap at volume (not a test:
figures vary with the machine).

    .venv/bin/python bench/opendata.py [--scale 1.0] [--before DIR]
                                       [--markdown FILE]

Starts a throwaway PostgreSQL server and Redis, loads the seed, then adds in bulk
``--scale`` times 300,000 people, 60,000 meetings (each with a source) and 200,000
attendances, the volume of the issue (a thousand times the seed's rows). Each
checkout (this one, and ``--before DIR``, e.g. ``git archive COMMIT | tar -x -C
DIR``) is served in turn under gunicorn (gunicorn.conf.py, production settings, the
shared Redis cache, one sync worker so that its memory is the request's), a fresh
server for each address. For each address it reports:

* **first**: the first request (the download built from the database);
* **again**: the same request right after (the kept file, or the page cache);
* **304**: the request again with ``If-None-Match`` (the ETag the first gave).

Each request's time to the first byte of the body (to the headers for a 304),
total time, bytes, and the worker's peak resident memory during it: the kernel's
high-water mark (``VmHWM`` in ``/proc/PID/status``), reset before each request
(``/proc/PID/clear_refs``), and how far it rose above the memory the worker held
before the request.
"""

import argparse
import http.client
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

from bench.pages import (  # noqa: E402
    HEADERS,
    Redis,
    base_env,
    machine,
    manage,
    shell,
    wait_for,
)
from tests import pg  # noqa: E402
from tests.servers import gunicorn_command  # noqa: E402

PEOPLE, MEETINGS, ATTENDANCES = 300_000, 60_000, 200_000

#: Adds the rows in bulk, in one transaction; prints the counts and seconds.
LARGE_SCRIPT = """
import datetime, json, time
from django.db import transaction
from dialogue.cache import bump_content_version
from dialogue.models import Attendance, Country, Meeting, Person, Source

started = time.monotonic()
people, meetings, attendances = {people}, {meetings}, {attendances}
countries = list(Country.objects.order_by("code"))
sources = list(Source.objects.order_by("slug"))
kinds = [kind for kind, _ in Meeting.Kind.choices]
start = datetime.date(1990, 1, 1)
batch = 5000


def chunks(make, count):
    for first in range(0, count, batch):
        yield [make(i) for i in range(first, min(first + batch, count))]


def person(i):
    made = Person(
        published=True,
        slug=f"person-{{i}}",
        name=f"Person Number {{i}}",
        other_names=f"Персона {{i}}\\n人物 {{i}}" if i % 3 == 0 else "",
    )
    made.fold_search_text()  # as save() and the CSV import do
    return made


def meeting(i):
    made = Meeting(
        published=True,
        status="held",
        slug=f"volume-meeting-{{i}}",
        kind=kinds[i % len(kinds)],
        number=1000 + i if i < 30_000 else None,  # a small integer, or unknown
        title=f"Meeting made for volume {{i}}",
        start_date=start + datetime.timedelta(days=i % 12_000),
        start_precision="day",
        city="Tokyo" if i % 2 else "Astana",
        host=countries[i % len(countries)],
        format="in_person",
        summary=f"A meeting made for measuring the open data, number {{i}}.",
    )
    made.fold_search_text()
    return made


with transaction.atomic():
    person_ids = []
    for rows in chunks(person, people):
        person_ids += [made.pk for made in Person.objects.bulk_create(rows)]
    meeting_ids = []
    for rows in chunks(meeting, meetings):
        created = Meeting.objects.bulk_create(rows)
        meeting_ids += [made.pk for made in created]
        Meeting.sources.through.objects.bulk_create(
            Meeting.sources.through(
                meeting_id=made.pk, source_id=sources[made.pk % len(sources)].pk
            )
            for made in created
        )
    for rows in chunks(
        lambda i: Attendance(
            published=True,
            meeting_id=meeting_ids[i % len(meeting_ids)],
            country=countries[i % len(countries)],
            person_id=person_ids[(i * 7) % len(person_ids)],
            position="Minister for Foreign Affairs",
            capacity="delegate",
        ),
        attendances,
    ):
        Attendance.objects.bulk_create(rows)
bump_content_version()
print("ADDED=" + json.dumps({{
    "people": len(person_ids),
    "meetings": len(meeting_ids),
    "attendances": attendances,
    "seconds": round(time.monotonic() - started, 1),
}}))
"""


VACUUM = (
    "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')"
)


def run_script(env, code):
    """``code`` run by ``manage.py shell``: its output, or its error shown."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode:
        raise SystemExit(f"The script failed:\n{result.stderr[-3000:]}")
    return result.stdout


class Server:
    """gunicorn with one sync worker, for one checkout."""

    def __init__(self, env, root, log):
        self.port = pg.free_port()
        self.process = subprocess.Popen(
            gunicorn_command(
                f"127.0.0.1:{self.port}",
                1,
                "--max-requests",
                "0",
                "--access-logfile",
                "/dev/null",
                # The old code built a download for longer than the default 30 s.
                "--timeout",
                "900",
            ),
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{self.port}/healthz")
        wait_for(f"http://127.0.0.1:{self.port}/robots.txt")  # through the cache
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        self.worker = int(children.read_text().split()[0])

    def memory(self, field):
        """``VmRSS`` or ``VmHWM`` of the worker, in bytes."""
        for line in Path(f"/proc/{self.worker}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no {field} for process {self.worker}")

    def request(self, path, method="GET", headers=()):
        """Time to the first byte of the body, total time, bytes, peak memory and
        its rise above the memory held before, and the response's headers."""
        Path(f"/proc/{self.worker}/clear_refs").write_text("5")  # reset VmHWM
        before = self.memory("VmRSS")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        started = time.monotonic()
        connection.request(method, path, headers={**HEADERS, **dict(headers)})
        response = connection.getresponse()
        size = len(response.read(1))
        first = time.monotonic() - started
        while piece := response.read(256 * 1024):
            size += len(piece)
        total = time.monotonic() - started
        connection.close()
        peak = self.memory("VmHWM")
        if response.status not in (200, 304):
            raise RuntimeError(f"{path}: {response.status}")
        return {
            "status": response.status,
            "first": first,
            "total": total,
            "bytes": size,
            "peak": peak,
            "rise": max(peak - before, 0),
            "etag": response.getheader("ETag"),
        }

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def addresses(env):
    """The four addresses: the JSON, people's CSV, the sitemap, a section of it."""
    script = (
        "from django.urls import reverse; print('PATHS=' + '|'.join(["
        "reverse('dialogue:dataset-json'), "
        "reverse('dialogue:dataset-csv', args=['people']), "
        "reverse('dialogue:sitemap'), "
        "reverse('dialogue:sitemap-section', args=['people'])]))"
    )
    return shell(env, script).split("PATHS=", 1)[1].split()[0].split("|")


def measure(env, root, path, log):
    server = Server(env, root, log)
    try:
        first = server.request(path)
        again = server.request(path)
        conditional = None
        if first["etag"]:
            conditional = server.request(path, headers={"If-None-Match": first["etag"]})
        return {"first": first, "again": again, "304": conditional}
    finally:
        server.stop()


def cell(run, key):
    if run is None:
        return "—"
    value = run[key]
    if key in ("first", "total"):
        return f"{value:.2f}"
    if key == "bytes":
        return f"{value / 1e6:.1f} MB" if value >= 1e5 else f"{value:,} B"
    return f"{value / 2**20:,.0f}"


def table(results, names):
    lines = [
        "| address | request | code | first byte s | total s | bytes "
        "| peak RSS MiB | rise MiB |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for path, by_name in results.items():
        for request in ("first", "again", "304"):
            runs = [by_name[name][request] for name in names]
            if all(run is None for run in runs):
                continue

            def pair(key, runs=runs):
                return " → ".join(cell(run, key) for run in runs)

            status = " → ".join(str(run["status"]) if run else "—" for run in runs)
            lines.append(
                f"| `{path}` | {request} | {status} | {pair('first')} "
                f"| {pair('total')} | {pair('bytes')} | {pair('peak')} "
                f"| {pair('rise')} |"
            )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="times 300,000 people, 60,000 meetings, 200,000 attendances",
    )
    parser.add_argument("--before", type=Path, help="a checkout to measure first")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args()
    checkouts = {"after": ROOT}
    if args.before:
        checkouts = {"before": args.before.resolve(), "after": ROOT}

    tmp = Path(tempfile.mkdtemp(prefix="capj-bench-opendata-"))
    server = pg.Server().init().start().create_database()
    redis_server = Redis()
    log = (tmp / "gunicorn.log").open("w")
    try:
        env = base_env(server.url, redis_server.url)
        env["DJANGO_OPEN_DATA_DIR"] = str(tmp / "opendata")
        manage(env, "migrate", "--no-input")
        manage(env, "loaddata", "seed")
        counts = {
            "people": round(PEOPLE * args.scale),
            "meetings": round(MEETINGS * args.scale),
            "attendances": round(ATTENDANCES * args.scale),
        }
        print(f"Adding {counts} ...", flush=True)
        output = run_script(env, LARGE_SCRIPT.format(**counts))
        added = json.loads(output.split("ADDED=", 1)[1].splitlines()[0])
        print(f"Added in {added['seconds']} s", flush=True)
        shell(env, VACUUM)
        paths = addresses(env)
        results = {path: {} for path in paths}
        for path in paths:
            for name, root in checkouts.items():
                # Each checkout starts from an empty cache: nothing kept.
                redis_server.flushall()
                results[path][name] = run = measure(env, root, path, log)
                first = run["first"]
                print(
                    f"  {path:28} {name:6} first byte {first['first']:6.2f} s, "
                    f"total {first['total']:6.2f} s, {first['bytes']:>11,} bytes, "
                    f"peak {first['peak'] / 2**20:6.0f} MiB "
                    f"(+{first['rise'] / 2**20:.0f})",
                    flush=True,
                )
    finally:
        log.close()
        redis_server.stop()
        server.remove()

    names = list(checkouts)
    versus = " → ".join(names)
    command = f".venv/bin/python bench/opendata.py --scale {args.scale:g}"
    if args.before:
        command += f" --before {args.before}"
    report = "\n".join(
        [
            f"Machine: {machine()}. Command: `{command}`.",
            "",
            f"Data: the seed and {added['people']:,} people, {added['meetings']:,} "
            f"meetings, {added['attendances']:,} attendances (added in "
            f"{added['seconds']} s). Each cell {versus}.",
            "",
            table(results, names),
        ]
    )
    print()
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")


if __name__ == "__main__":
    main()
