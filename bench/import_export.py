"""Benchmark of the CSV import and export (not a test: figures vary by machine).

    .venv/bin/python bench/import_export.py [--meetings 10000]

Generates meetings with hosts, sources and attendees, then measures, one after the
other in one run on a fresh SQLite file:

* the library's defaults: a ``ModelResource`` for the same columns with
  django-import-export's default options (one query per foreign key, a savepoint
  and an INSERT per row);
* this project's ``MeetingResource`` on the admin's path: the preview (a dry run,
  rolled back) and then the confirmed import — called directly, and through the
  admin's own views (upload, preview page, confirm) with Django's test client;
* a re-import of the same file (every row unchanged);
* export of the same rows;
* attendees.csv (three rows per meeting, two named people and one unnamed envoy)
  with this project's resource;

and reports rows per second and SQL statements per row for each, and the peak
memory per row of the confirmed import at a quarter of the size and at full size.
Run it on an idle machine; compare the variants with each other, not across runs.
"""

import argparse
import os
import re
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file's own directory comes first on the path, and its name would shadow
# the django-import-export package: put the project there instead.
sys.path[0] = str(ROOT)


def setup_django(database):
    os.environ["DJANGO_SETTINGS_MODULE"] = "capj.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def measured():
    from django.db import connection

    counter = StatementCounter()
    figures = {}
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        yield figures
        figures["seconds"] = time.perf_counter() - start
    figures["statements"] = counter.count


KINDS = [
    "foreign_ministers",
    "senior_officials",
    "intellectual_dialogue",
    "expert_meeting",
    "business_dialogue",
    "summit",
    "other",
]
COUNTRIES = ["KZ", "KG", "TJ", "UZ", "JP", "TM", "AF", "MN", "KR", "CN"]


def generate(meetings):
    """CSV text for countries, sources, meetings and attendees."""
    countries = "code,name,role,joined_on,summary\n" + "".join(
        f"{code},Country {code},member,2004-08-28,\n" for code in COUNTRIES
    )
    sources = "slug,title,publisher,url,published_on\n" + "".join(
        f"source-{n},Source {n},Publisher,https://example.org/{n},2012-11-13\n"
        for n in range(200)
    )
    meeting_rows = [
        "slug,kind,number,title,status,start_date,end_date,city,host,format,"
        "summary,sources"
    ]
    attendee_rows = ["meeting,person,position,country,capacity"]
    for n in range(meetings):
        kind = KINDS[n % len(KINDS)]
        number = n // len(KINDS) + 1
        year = 2004 + n % 20
        slug = f"meeting-{n}"
        host = COUNTRIES[n % len(COUNTRIES)]
        sources_cell = f"source-{n % 200};source-{(n * 7 + 3) % 200}"
        meeting_rows.append(
            f"{slug},{kind},{number},Meeting {n} in Tokyo,held,{year}-06-05,,Tokyo,"
            f"{host},in_person,A summary of meeting {n}.,{sources_cell}"
        )
        for k in range(2):
            person = f"Person {(n * 2 + k) % 5000}"
            country = COUNTRIES[(n + k) % len(COUNTRIES)]
            attendee_rows.append(f"{slug},{person},Minister,{country},delegate")
        attendee_rows.append(
            f"{slug},,Ambassador to Japan,{COUNTRIES[(n + 5) % 10]},observer"
        )
    return (
        countries,
        sources,
        "\n".join(meeting_rows) + "\n",
        "\n".join(attendee_rows) + "\n",
    )


def default_meeting_resource():
    """The same columns with django-import-export's default options."""
    from import_export import fields, resources, widgets

    from dialogue.models import Country, Meeting, Source

    class DefaultMeetingResource(resources.ModelResource):
        host = fields.Field(
            "host", "host", widget=widgets.ForeignKeyWidget(Country, "code")
        )
        sources = fields.Field(
            "sources",
            "sources",
            widget=widgets.ManyToManyWidget(Source, separator=";", field="slug"),
        )

        class Meta:
            model = Meeting
            fields = (
                "slug",
                "kind",
                "number",
                "title",
                "status",
                "start_date",
                "city",
                "host",
                "format",
                "summary",
                "sources",
            )
            import_id_fields = ("slug",)

    return DefaultMeetingResource


def admin_client():
    from django.contrib.auth.models import User
    from django.test import Client

    user = User.objects.filter(username="bench").first() or (
        User.objects.create_superuser("bench", password="bench-only")
    )
    client = Client()
    client.force_login(user)
    return client


def wipe_meetings():
    from dialogue.models import Attendance, Meeting, Person

    Attendance.objects.all().delete()
    Person.objects.all().delete()
    Meeting.sources.through.objects.all().delete()
    Meeting.objects.all().delete()


def row(name, rows, figures):
    seconds, statements = figures["seconds"], figures["statements"]
    return (name, rows, rows / seconds, statements / rows, statements, seconds)


def run(meetings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from dialogue.csv.files import read_csv, write_csv
    from dialogue.csv.resources import (
        AttendanceResource,
        CountryResource,
        MeetingResource,
        SourceResource,
    )
    from dialogue.models import Meeting

    countries, sources, meetings_csv, attendees_csv = generate(meetings)
    for resource, text in ((CountryResource, countries), (SourceResource, sources)):
        result = resource().import_data(read_csv(text.encode()))
        assert not result.failed, [str(p) for p in result.problems()]
    data = meetings_csv.encode()
    table = []

    # 1. The library's defaults.
    dataset = read_csv(data)
    with measured() as figures:
        result = default_meeting_resource()().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    table.append(row("library defaults: import", meetings, figures))
    wipe_meetings()

    # 2. This project's resource on the admin's path: preview, then confirm.
    dataset = read_csv(data)
    with measured() as preview:
        result = MeetingResource().import_data(dataset, dry_run=True)
    assert not result.failed, [str(p) for p in result.problems()[:5]]
    table.append(row("project: preview (dry run)", meetings, preview))
    with measured() as confirm:
        result = MeetingResource().import_data(read_csv(data), dry_run=False)
    assert result.totals["new"] == meetings
    table.append(row("project: confirm (import)", meetings, confirm))
    both = {
        "seconds": preview["seconds"] + confirm["seconds"],
        "statements": preview["statements"] + confirm["statements"],
    }
    table.append(row("project: preview + confirm", meetings, both))

    # 2b. The same through the admin's own views: upload and preview, confirm.
    wipe_meetings()
    client = admin_client()
    with measured() as preview:
        page = client.post(
            reverse("admin:dialogue_meeting_import"),
            {
                "import_file": SimpleUploadedFile("meetings.csv", data),
                "format": "0",
                "resource": "0",
            },
        )
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.content.decode()))
    assert "import_file_name" in fields, page.content.decode()[-3000:]
    table.append(row("admin views: upload + preview", meetings, preview))
    with measured() as confirm:
        done = client.post(reverse("admin:dialogue_meeting_process_import"), fields)
    assert done.status_code == 302 and Meeting.objects.count() == meetings
    table.append(row("admin views: confirm", meetings, confirm))

    # 3. The same file again: every row unchanged.
    with measured() as figures:
        result = MeetingResource().import_data(read_csv(data), dry_run=False)
    assert result.totals["skip"] == meetings
    table.append(row("project: re-import (unchanged)", meetings, figures))

    # 4. Export.
    with measured() as figures:
        exported = write_csv(MeetingResource().export())
    assert exported.count("\r\n") == meetings + 1
    table.append(row("project: export", meetings, figures))

    # 5. Attendees, creating the named people.
    attendees = read_csv(attendees_csv.encode())
    with measured() as figures:
        result = AttendanceResource().import_data(attendees, dry_run=False)
    assert not result.failed, [str(p) for p in result.problems()[:5]]
    table.append(row("project: attendees import", len(attendees), figures))

    # 6. Default export, for comparison.
    with measured() as figures:
        default_meeting_resource()().export()
    table.append(row("library defaults: export", meetings, figures))
    return table


def memory_per_row(meetings):
    """Peak traced memory of a confirmed import, divided by the rows."""
    from dialogue.csv.files import read_csv
    from dialogue.csv.resources import MeetingResource

    _countries, _sources, meetings_csv, _attendees = generate(meetings)
    wipe_meetings()
    dataset = read_csv(meetings_csv.encode())
    tracemalloc.start()
    MeetingResource().import_data(dataset, dry_run=False)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / meetings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        setup_django(Path(directory) / "bench.sqlite3")
        table = run(args.meetings)
        small = memory_per_row(args.meetings // 4)
        large = memory_per_row(args.meetings)
    default_rate = table[0][2]
    print(f"{args.meetings} meetings (2 sources each), SQLite, one run\n")
    print(
        "| variant | rows | rows/s | × defaults | statements/row | statements "
        "| seconds |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, rows, rate, per_row, statements, seconds in table:
        print(
            f"| {name} | {rows} | {rate:,.0f} | {rate / default_rate:.1f} | "
            f"{per_row:.3f} | {statements} | {seconds:.2f} |"
        )
    print(
        f"\nPeak memory of a confirmed import: {small / 1024:.1f} KiB per row at "
        f"{args.meetings // 4} rows, {large / 1024:.1f} KiB per row at "
        f"{args.meetings} rows."
    )


if __name__ == "__main__":
    main()
