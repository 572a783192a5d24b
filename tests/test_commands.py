"""The dataset commands: export_dataset DIR and import_dataset DIR [--dry-run]."""

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import NoReverseMatch, reverse

from dialogue.management.commands import import_dataset as import_command
from dialogue.models import (
    Attendance,
    Country,
    Document,
    DocumentPoint,
    Meeting,
    Page,
    Person,
    Pledge,
    Source,
)
from tests.factories import make_country

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"
FILES = [
    "sources.csv",
    "countries.csv",
    "meetings.csv",
    "people.csv",
    "attendees.csv",
    "pledges.csv",
    "documents.csv",
    "document_points.csv",
    "pages.csv",
]
MEETING_HEADER = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,sources"
)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), str(error)
    return out.getvalue(), err.getvalue(), None


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Country, Source, Meeting, Person, Attendance, Pledge)
    }


def write(directory, name, text):
    (directory / name).write_text(text, encoding="utf-8")


def test_export_writes_every_file(seed, tmp_path):
    out, _err, error = run("export_dataset", str(tmp_path))
    assert error is None
    assert out.splitlines() == [
        "sources.csv: 9 rows",
        "countries.csv: 7 rows",
        "meetings.csv: 6 rows",
        "people.csv: 7 rows",
        "attendees.csv: 17 rows",
        "pledges.csv: 1 rows",
        "documents.csv: 3 rows",
        "document_points.csv: 14 rows",
        "pages.csv: 2 rows",
        f"Exported the dataset to {tmp_path}",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    pledges = (tmp_path / "pledges.csv").read_bytes()
    assert pledges.startswith(b"\xef\xbb\xbfslug,donor,amount,currency")
    assert b"japan-2012-regional-cooperation,JP,700000000,USD,false,2012-11-10" in (
        pledges
    )
    # The five files: the contract's columns, then the extension columns.
    headers = {
        name: (tmp_path / name).read_text(encoding="utf-8-sig").splitlines()[0]
        for name in ("countries.csv", "sources.csv", "meetings.csv")
    }
    assert headers == {
        "countries.csv": "code,name,role,joined_on,summary,sources,published",
        "sources.csv": "slug,title,publisher,url,published_on,note,published",
        "meetings.csv": f"{MEETING_HEADER},outcomes,series,published",
    }


def test_reimporting_the_export_changes_nothing(seed, tmp_path):
    run("export_dataset", str(tmp_path))
    before = counts()
    out, err, error = run("import_dataset", str(tmp_path))
    assert (error, err) == (None, "")
    assert out.splitlines() == [
        "sources.csv: 9 rows: 0 new, 0 updated, 9 unchanged",
        "countries.csv: 7 rows: 0 new, 0 updated, 7 unchanged",
        "meetings.csv: 6 rows: 0 new, 0 updated, 6 unchanged",
        "people.csv: 7 rows: 0 new, 0 updated, 7 unchanged",
        "attendees.csv: 17 rows: 0 new, 0 updated, 17 unchanged",
        "pledges.csv: 1 rows: 0 new, 0 updated, 1 unchanged",
        "documents.csv: 3 rows: 0 new, 0 updated, 3 unchanged",
        "document_points.csv: 14 rows: 0 new, 0 updated, 14 unchanged",
        "pages.csv: 2 rows: 0 new, 0 updated, 2 unchanged",
        "Imported the dataset. It is not in the admin history: there is no active "
        "superuser to record it under; name a user with --user.",
    ]
    assert counts() == before


def public_urls():
    """Every public page: the lists, and a page per published record."""
    urls = []
    for name in (
        "dialogue:home",
        "dialogue:participant-list",
        "dialogue:meeting-list",
        "dialogue:pledge-list",
        "dialogue:source-list",
        "dialogue:document-list",
    ):
        urls.append(reverse(name))
    for model in (Country, Meeting, Source, Document, Page):
        urls.extend(obj.get_absolute_url() for obj in model.objects.published())
    try:
        urls.extend(
            reverse("dialogue:person-detail", args=[person.slug])
            for person in Person.objects.published()
        )
    except NoReverseMatch:
        pass  # no person pages on this version of the site
    return sorted(urls)


def render_public_pages():
    cache.clear()
    client = Client()
    pages = {}
    for url in public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        # Per-request tokens are not content.
        pages[url] = re.sub(
            r'(nonce|csrfmiddlewaretoken" value)="[^"]*"',
            r'\1=""',
            response.content.decode(),
        )
    return pages


def test_export_then_import_into_an_empty_database_gives_identical_pages(
    seed, tmp_path
):
    """The whole seed, nothing left out: rendered, exported, wiped, imported from
    the files alone, rendered again; every public page is identical, and the files
    exported again are identical too."""
    assert Meeting.objects.exclude(outcomes="").exists()
    assert Source.objects.exclude(note="").exists()
    assert Country.sources.through.objects.exists()
    assert Person.objects.filter(attendances=None).exists()
    before = render_public_pages()
    assert len(before) == 6 + 7 + 6 + 9 + 7 + 3 + 2
    assert "700,000,000" in before[reverse("dialogue:pledge-list")]

    run("export_dataset", str(tmp_path))
    exported = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    for model in (DocumentPoint, Document, Page, Pledge, Attendance, Meeting):
        model.objects.all().delete()
    for model in (Person, Country, Source):
        model.objects.all().delete()
    out, err, error = run("import_dataset", str(tmp_path))
    assert (error, err) == (None, "")
    assert "meetings.csv: 6 rows: 6 new, 0 updated, 0 unchanged" in out
    assert "new person" not in out  # people.csv came first

    after = render_public_pages()
    assert sorted(after) == sorted(before)
    for url, html in before.items():
        assert after[url] == html, url

    again = tmp_path / "again"
    run("export_dataset", str(again))
    assert {path.name: path.read_bytes() for path in again.iterdir()} == exported


def test_dry_run_reports_and_saves_nothing(db, tmp_path):
    write(
        tmp_path,
        "countries.csv",
        "code,name,role,joined_on,summary\nKZ,Kazakhstan,member,,\n",
    )
    write(
        tmp_path,
        "meetings.csv",
        f"{MEETING_HEADER}\nastana-2004,foreign_ministers,1,Astana,held,2004-08-28,,"
        "Astana,KZ,in_person,,\n",
    )
    out, err, error = run("import_dataset", str(tmp_path), "--dry-run")
    assert (error, err) == (None, "")
    assert out.splitlines() == [
        "sources.csv: not present, left out",
        "countries.csv: 1 rows: 1 new, 0 updated, 0 unchanged",
        "  Line 2: new: Kazakhstan",
        "meetings.csv: 1 rows: 1 new, 0 updated, 0 unchanged",
        "  Line 2: new: astana-2004",
        "people.csv: not present, left out",
        "attendees.csv: not present, left out",
        "pledges.csv: not present, left out",
        "documents.csv: not present, left out",
        "document_points.csv: not present, left out",
        "pages.csv: not present, left out",
        "Dry run: nothing was saved.",
    ]
    assert counts() == dict.fromkeys(counts(), 0)


def test_verbose_report_lists_changes_like_the_admin_preview(seed, tmp_path):
    run("export_dataset", str(tmp_path))
    countries = (tmp_path / "countries.csv").read_text(encoding="utf-8-sig")
    write(
        tmp_path,
        "countries.csv",
        countries.replace("TM,Turkmenistan,observer", "TM,Turkmenistan,guest"),
    )
    out, _err, error = run("import_dataset", str(tmp_path), "--dry-run", "-v", "3")
    assert error is None
    lines = out.splitlines()
    start = lines.index("countries.csv: 7 rows: 0 new, 1 updated, 6 unchanged")
    assert lines[start : start + 3] == [
        "countries.csv: 7 rows: 0 new, 1 updated, 6 unchanged",
        "  Line 2: unchanged: Kazakhstan",
        "  Line 3: unchanged: Kyrgyzstan",
    ]
    assert "  Line 7: updated: Turkmenistan (role: “observer” → “guest”)" in lines
    assert Country.objects.get(code="TM").role == "observer"


def test_the_default_report_lists_new_and_changed_rows_not_unchanged_ones(
    seed, tmp_path
):
    run("export_dataset", str(tmp_path))
    long_summary = "A much longer summary. " * 10
    sources = (tmp_path / "sources.csv").read_text(encoding="utf-8-sig")
    write(tmp_path, "sources.csv", sources + "new-source,A new source,,,,,true\n")
    countries = (tmp_path / "countries.csv").read_text(encoding="utf-8-sig")
    countries = re.sub(
        r"TM,Turkmenistan,observer,,\"[^\"]*\"",
        f"TM,Turkmenistan,guest,,{long_summary}",
        countries,
    )
    write(tmp_path, "countries.csv", countries)
    out, err, error = run("import_dataset", str(tmp_path), "--dry-run")
    assert (error, err) == (None, "")
    assert out.splitlines()[:4] == [
        "sources.csv: 10 rows: 1 new, 0 updated, 9 unchanged",
        "  Line 11: new: A new source",
        "countries.csv: 7 rows: 0 new, 1 updated, 6 unchanged",
        "  Line 7: updated: Turkmenistan (role: “observer” → “guest”; summary: "
        "“Takes part only as an observer, in keeping with its policy of neutrality. "
        "Its f…” → “A much longer summary. A much longer summary. A much longer "
        "summary. A much lon…”)",
    ]
    assert "unchanged: " not in out

    out, _err, _error = run("import_dataset", str(tmp_path), "--dry-run", "-v", "2")
    summary = Country.objects.get(code="TM").summary
    assert (
        "  Line 7: updated: Turkmenistan (role: “observer” → “guest”; summary: "
        f"“{summary}” → “{long_summary}”)" in out.splitlines()
    )
    assert "unchanged: " not in out

    out, _err, _error = run("import_dataset", str(tmp_path), "--dry-run", "-v", "0")
    assert out.splitlines()[:3] == [
        "sources.csv: 10 rows: 1 new, 0 updated, 9 unchanged",
        "countries.csv: 7 rows: 0 new, 1 updated, 6 unchanged",
        "meetings.csv: 6 rows: 0 new, 0 updated, 6 unchanged",
    ]
    assert Country.objects.get(code="TM").role == "observer"


COUNTRIES = "code,name,role,joined_on,summary\nKZ,Kazakhstan,member,,\n"


def import_history():
    return sorted(
        (
            entry.user.username,
            entry.object_repr,
            entry.action_flag,
            entry.change_message,
        )
        for entry in LogEntry.objects.select_related("user")
    )


def test_every_imported_file_is_in_the_admin_history(db, tmp_path):
    make_country("KZ")
    steward = User.objects.create_user("steward", password="pw", is_staff=True)
    steward.groups.add(Group.objects.get(name="Data stewards"))
    write(tmp_path, "countries.csv", COUNTRIES.replace("member,,", "member,,New."))
    write(tmp_path, "sources.csv", "slug,title,publisher,url,published_on\na,A,,,\n")
    out, err, error = run("import_dataset", str(tmp_path), "--user", "steward")
    assert (error, err) == (None, "")
    assert out.splitlines()[-1] == (
        "Imported the dataset; recorded in the admin history as steward."
    )
    kazakhstan = Country.objects.get(code="KZ")
    assert kazakhstan.summary == "New."
    assert import_history() == [
        ("steward", "A", ADDITION, "Added by importing sources.csv."),
        (
            "steward",
            "Import of countries.csv",
            CHANGE,
            "Imported countries.csv (1 rows) on the command line: 0 new, 1 updated, "
            "0 unchanged.",
        ),
        (
            "steward",
            "Import of sources.csv",
            CHANGE,
            "Imported sources.csv (1 rows) on the command line: 1 new, 0 updated, "
            "0 unchanged.",
        ),
        (
            "steward",
            "Kazakhstan",
            CHANGE,
            "Changed summary by importing countries.csv.",
        ),
    ]
    changed = LogEntry.objects.get(object_repr="Kazakhstan")
    assert changed.get_edited_object() == kazakhstan

    # Again: every row unchanged, and still one entry per file.
    LogEntry.objects.all().delete()
    run("import_dataset", str(tmp_path), "--user", "steward")
    assert [entry[1:] for entry in import_history()] == [
        (
            "Import of countries.csv",
            CHANGE,
            "Imported countries.csv (1 rows) on the command line: 0 new, 0 updated, "
            "1 unchanged.",
        ),
        (
            "Import of sources.csv",
            CHANGE,
            "Imported sources.csv (1 rows) on the command line: 0 new, 0 updated, "
            "1 unchanged.",
        ),
    ]


def test_without_user_the_first_active_superuser_is_recorded(db, tmp_path):
    write(tmp_path, "countries.csv", COUNTRIES)
    out, _err, error = run("import_dataset", str(tmp_path), "--dry-run")
    assert error is None
    assert LogEntry.objects.count() == 0  # a dry run is not an import

    out, _err, error = run("import_dataset", str(tmp_path))
    assert error is None
    assert out.splitlines()[-1] == (
        "Imported the dataset. It is not in the admin history: there is no active "
        "superuser to record it under; name a user with --user."
    )
    assert Country.objects.count() == 1
    assert LogEntry.objects.count() == 0

    User.objects.create_superuser("retired", password="pw", is_active=False)
    User.objects.create_superuser("root", password="pw")
    User.objects.create_superuser("later", password="pw")
    write(
        tmp_path, "countries.csv", COUNTRIES.replace("KZ,Kazakhstan", "UZ,Uzbekistan")
    )
    out, _err, error = run("import_dataset", str(tmp_path))
    assert error is None
    assert out.splitlines()[-1] == (
        "Imported the dataset; recorded in the admin history as root."
    )
    assert {entry[0] for entry in import_history()} == {"root"}


def test_the_history_user_must_exist_and_may_import(db, tmp_path, editor):
    write(tmp_path, "countries.csv", COUNTRIES)
    _out, _err, error = run("import_dataset", str(tmp_path), "--user", "nobody")
    assert (
        error == 'No active user "nobody": name an existing, active user with --user.'
    )
    _out, _err, error = run("import_dataset", str(tmp_path), "--user", "editor")
    assert error == (
        "editor may not import countries.csv: importing needs the import permission "
        "of each kind of record (the Data stewards group has them all)."
    )
    assert Country.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_a_failed_import_is_not_in_the_history(db, tmp_path):
    User.objects.create_superuser("root", password="pw")
    write(tmp_path, "countries.csv", COUNTRIES + "XX,Nowhere,member,,\n")
    _out, _err, error = run("import_dataset", str(tmp_path))
    assert error == "Nothing was imported: 1 problem to fix first."
    assert (Country.objects.count(), LogEntry.objects.count()) == (0, 0)


def test_the_report_names_the_people_an_import_will_create(seed, tmp_path):
    write(
        tmp_path,
        "attendees.csv",
        "meeting,person,position,country,capacity\n"
        "2004-08-28-foreign-ministers-1,Koichiro Genba,Minister,JP,guest\n",
    )
    before = counts()
    out, err, error = run("import_dataset", str(tmp_path))
    assert (error, err) == (None, "")
    lines = out.splitlines()
    start = lines.index("attendees.csv: 1 rows: 1 new, 0 updated, 0 unchanged")
    assert lines[start : start + 3] == [
        "attendees.csv: 1 rows: 1 new, 0 updated, 0 unchanged",
        '  Line 2, column "person": new person "Koichiro Genba". Did you mean '
        '"Koichiro Gemba"?',
        "  Line 2: new: Koichiro Genba (JP) at Foreign Ministers' Meeting in Astana: "
        "the Dialogue is declared",
    ]
    assert counts() == {
        **before,
        "Person": before["Person"] + 1,
        "Attendance": before["Attendance"] + 1,
    }


def test_one_bad_row_in_any_file_means_nothing_is_saved(seed, tmp_path):
    run("export_dataset", str(tmp_path))
    countries = (tmp_path / "countries.csv").read_text(encoding="utf-8-sig")
    write(tmp_path, "countries.csv", countries + "MN,Mongolia,guest,,,,true\n")
    meetings = (tmp_path / "meetings.csv").read_text(encoding="utf-8-sig")
    meetings = meetings.replace(",Astana,KZ,", ",Astana,XX,")
    write(tmp_path, "meetings.csv", meetings)
    before = counts()
    out, err, error = run("import_dataset", str(tmp_path))
    assert error == "Nothing was imported: 1 problem to fix first."
    assert err.splitlines() == [
        "meetings.csv: 1 problem",
        '  Line 2, column "host": Unknown country code "XX". Known codes: AF, JP, '
        "KG, KZ, MN, TJ, TM, UZ. Add the country to countries.csv first, or correct "
        "the code.",
        "attendees.csv: not checked, because meetings.csv has problems",
        "pledges.csv: not checked, because meetings.csv has problems",
        "documents.csv: not checked, because meetings.csv has problems",
        "document_points.csv: not checked, because documents.csv has problems",
    ]
    assert "countries.csv: 8 rows: 1 new, 0 updated, 7 unchanged" in out
    assert counts() == before
    assert not Country.objects.filter(code="MN").exists()


def test_a_file_that_is_not_utf8_is_refused(db, tmp_path):
    (tmp_path / "countries.csv").write_bytes(
        "code,name,role,joined_on,summary\nTR,Türkiye,guest,,\n".encode("cp1252")
    )
    out, err, error = run("import_dataset", str(tmp_path))
    assert error == "Nothing was imported: 1 problem to fix first."
    assert err.splitlines()[:2] == [
        "countries.csv: 1 problem",
        "  The file is not UTF-8 text (the byte 0xFC at position 38 cannot be read). "
        "In Excel choose “CSV UTF-8 (comma delimited)” when saving; in LibreOffice "
        "choose the character set “Unicode (UTF-8)”.",
    ]
    assert Country.objects.count() == 0


def test_a_file_over_the_cap_is_refused(db, tmp_path, settings):
    settings.CSV_IMPORT_MAX_BYTES = 100
    write(
        tmp_path,
        "sources.csv",
        "slug,title,publisher,url,published_on\n" + "a,b,,,\n" * 20,
    )
    _out, err, error = run("import_dataset", str(tmp_path))
    assert error == "Nothing was imported: 1 problem to fix first."
    assert (
        "  The file is 178\xa0bytes; the largest file accepted is 100\xa0bytes. "
        "Split it into smaller files." in err.splitlines()
    )
    assert Source.objects.count() == 0


def test_unexpected_files_are_named_and_missing_directory_refused(db, tmp_path):
    write(tmp_path, "meeting.csv", "slug\n")
    _out, _err, error = run("import_dataset", str(tmp_path))
    every_file = (
        "sources.csv, countries.csv, meetings.csv, people.csv, attendees.csv, "
        "pledges.csv, documents.csv, document_points.csv, pages.csv"
    )
    assert error == f"{tmp_path} holds none of the dataset's files: {every_file}."
    write(tmp_path, "sources.csv", "slug,title,publisher,url,published_on\n")
    _out, err, error = run("import_dataset", str(tmp_path))
    assert error is None
    assert err.splitlines() == [
        f"meeting.csv: ignored, not one of the dataset's files ({every_file})."
    ]
    _out, _err, error = run("import_dataset", str(tmp_path / "nowhere"))
    assert error == f"{tmp_path / 'nowhere'} is not a directory."


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_large_files_show_a_progress_bar(db, tmp_path, monkeypatch):
    monkeypatch.setattr(import_command, "PROGRESS_FROM_ROWS", 50)
    rows = "".join(f"source-{n},Source {n},,,\n" for n in range(60))
    write(tmp_path, "sources.csv", "slug,title,publisher,url,published_on\n" + rows)
    terminal = Terminal()
    call_command("import_dataset", str(tmp_path), stdout=io.StringIO(), stderr=terminal)
    assert re.search(r"sources\.csv:\s+\d+%\|.*/60 \[", terminal.getvalue())
    assert Source.objects.count() == 60
    # Below the threshold, or not on a terminal: no bar.
    terminal = Terminal()
    monkeypatch.setattr(import_command, "PROGRESS_FROM_ROWS", 61)
    call_command("import_dataset", str(tmp_path), stdout=io.StringIO(), stderr=terminal)
    assert terminal.getvalue() == ""


def manage(*args, database):
    """Run manage.py in a process of its own, on its own SQLite file."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "capj.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )


def test_the_command_exits_non_zero_on_error(tmp_path):
    database = tmp_path / "db.sqlite3"
    process = manage("import_dataset", str(tmp_path / "missing"), database=database)
    assert process.returncode == 1
    assert f"{tmp_path / 'missing'} is not a directory." in process.stderr

    # A row error: the process fails too, and nothing is saved.
    assert manage("migrate", "-v", "0", database=database).returncode == 0
    files = tmp_path / "files"
    files.mkdir()
    write(
        files,
        "countries.csv",
        "code,name,role,joined_on,summary\nKZ,Kazakhstan,member,,\n",
    )
    write(
        files,
        "meetings.csv",
        f"{MEETING_HEADER}\nastana-2004,foreign_ministers,1,Astana,held,2004-08-28,,"
        "Astana,XX,in_person,,\n",
    )
    process = manage("import_dataset", str(files), database=database)
    assert process.returncode == 1
    assert process.stderr.splitlines()[:2] == [
        "meetings.csv: 1 problem",
        '  Line 2, column "host": Unknown country code "XX". Known codes: KZ. Add the '
        "country to countries.csv first, or correct the code.",
    ]
    assert "CommandError: Nothing was imported: 1 problem to fix first." in (
        process.stderr
    )
    with sqlite3.connect(database) as connection:
        saved = connection.execute("SELECT COUNT(*) FROM dialogue_country").fetchone()
    assert saved == (0,)


def test_the_documented_examples_import_into_an_empty_database(db):
    examples = Path(__file__).resolve().parent.parent / "docs" / "examples"
    out, err, error = run("import_dataset", str(examples))
    assert (error, err) == (None, "")
    assert "attendees.csv: 17 rows: 17 new, 0 updated, 0 unchanged" in out
    assert Pledge.objects.get().amount == 700_000_000


def test_the_documented_examples_are_the_export_of_the_seed(seed, tmp_path):
    """docs/examples/ is what export_dataset writes from the seed: a change to the
    seed or to the columns that leaves them behind fails here."""
    examples = Path(__file__).resolve().parent.parent / "docs" / "examples"
    run("export_dataset", str(tmp_path))
    for path in sorted(examples.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in examples.iterdir()
    )
