"""Faults with nothing lost: failed saves, concurrent writers, a database restart.

The PostgreSQL tests start their own throwaway server (tests/pg.py) so they can stop
and start it; they are skipped, with the reason, only where PostgreSQL's binaries
are not installed. CI installs them and sets CAPJ_REQUIRE_POSTGRES=1, which turns
that skip into a failure.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

from dialogue.models import Document, DocumentPoint, Meeting, Person
from tests import pg
from tests.servers import gunicorn_command

ROOT = Path(__file__).resolve().parent.parent
SEED = json.loads((ROOT / "fixtures" / "seed.json").read_text())


def seed_count(model):
    return sum(1 for item in SEED if item["model"] == model)


# --------------------------------------------------------------------------------
# A real database error in the middle of a multi-object save
# --------------------------------------------------------------------------------


def fail_inserts_after(table, rows):
    """Make the database itself refuse the (rows+1)-th insert into table."""
    if connection.vendor == "sqlite":
        sql = [
            f"CREATE TEMP TRIGGER capj_fault BEFORE INSERT ON {table} "
            f"WHEN (SELECT count(*) FROM {table}) >= {rows} "
            "BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
        ]
    elif connection.vendor == "postgresql":
        sql = [
            "CREATE FUNCTION capj_fault() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF (SELECT count(*) FROM {table}) >= {rows} THEN "
            "RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$",
            f"CREATE TRIGGER capj_fault BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION capj_fault()",
        ]
    else:
        pytest.skip(f"no fault injection for {connection.vendor}")
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)


@pytest.mark.django_db
def test_failed_fixture_load_leaves_nothing_behind():
    """The seed load stops at the 4th document point: no row of it stays."""
    fail_inserts_after(DocumentPoint._meta.db_table, 3)
    with pytest.raises(DatabaseError, match="injected fault"):
        call_command("loaddata", "seed", verbosity=0)
    assert Meeting.objects.count() == 0
    assert Person.objects.count() == 0
    assert Document.objects.count() == 0
    assert DocumentPoint.objects.count() == 0


@pytest.mark.django_db
def test_fixture_load_succeeds_without_the_fault():
    call_command("loaddata", "seed", verbosity=0)
    assert DocumentPoint.objects.count() == seed_count("dialogue.documentpoint")
    assert Meeting.objects.count() == seed_count("dialogue.meeting")


@pytest.mark.django_db
def test_failed_admin_save_of_several_rows_leaves_nothing_behind(admin_client):
    """The admin saves a user and its groups in one transaction; the database
    refuses the second group membership, and the user's own change is undone too."""
    from django.contrib.auth.models import Group, User
    from django.urls import reverse

    bob = User.objects.create_user("bob", first_name="Old", is_staff=True)
    groups = [Group.objects.create(name=f"Fault group {n}") for n in range(2)]
    url = reverse("admin:auth_user_change", args=[bob.pk])
    data = {
        "username": "bob",
        "first_name": "New",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "groups": [str(g.pk) for g in groups],
        "date_joined_0": bob.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": bob.date_joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": bob.date_joined.strftime("%Y-%m-%d"),
        "initial-date_joined_1": bob.date_joined.strftime("%H:%M:%S"),
    }
    fail_inserts_after(User.groups.through._meta.db_table, 1)
    with pytest.raises(DatabaseError, match="injected fault"):
        admin_client.post(url, data)
    bob.refresh_from_db()
    assert bob.first_name == "Old"
    assert list(bob.groups.all()) == []


@pytest.mark.django_db
def test_admin_save_of_several_rows_works_without_the_fault(admin_client):
    from django.contrib.auth.models import Group, User
    from django.urls import reverse

    bob = User.objects.create_user("bob", first_name="Old", is_staff=True)
    groups = [Group.objects.create(name=f"Fault group {n}") for n in range(2)]
    response = admin_client.post(
        reverse("admin:auth_user_change", args=[bob.pk]),
        {
            "username": "bob",
            "first_name": "New",
            "is_active": "on",
            "groups": [str(g.pk) for g in groups],
            "date_joined_0": bob.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": bob.date_joined.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.first_name == "New"
    assert bob.groups.count() == 2


# --------------------------------------------------------------------------------
# 20 threads writing and a fixture import at once, on a SQLite file
# --------------------------------------------------------------------------------

WRITERS_SCRIPT = r"""
import json, os, sys, threading
os.environ["DJANGO_SETTINGS_MODULE"] = "capj.settings.test"
os.environ["DATABASE_URL"] = "sqlite:///" + sys.argv[1]
import django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
call_command("migrate", verbosity=0)
from dialogue.models import Attendance, Meeting, Person, Source

THREADS, SAVES = 20, 25
start = threading.Barrier(THREADS + 1)
errors = []

def writer(n):
    start.wait()
    try:
        for i in range(SAVES):
            with transaction.atomic():
                source = Source.objects.create(slug=f"w{n}-{i}", title=f"W{n} {i}")
                person = Person.objects.create(name=f"Writer {n} number {i}")
                person.other_names = source.slug
                person.save()
    except Exception as exc:
        errors.append(f"writer {n}: {exc!r}")
    finally:
        connection.close()

import_report = {}

def importer():
    from dialogue.csv.dataset import import_dataset
    start.wait()
    try:
        report = import_dataset(sys.argv[2])
        import_report["failed"] = report.failed
        import_report["problems"] = report.problem_count
    except Exception as exc:
        errors.append(f"import: {exc!r}")
    finally:
        connection.close()

threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
threads.append(threading.Thread(target=importer))
for t in threads:
    t.start()
for t in threads:
    t.join()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
print(json.dumps({
    "errors": errors,
    "import": import_report,
    "journal_mode": mode,
    "people": Person.objects.filter(name__startswith="Writer ").count(),
    "linked": Person.objects.filter(other_names__startswith="w").count(),
    "sources": Source.objects.filter(slug__regex=r"^w[0-9]+-").count(),
    "meetings": Meeting.objects.count(),
    "attendances": Attendance.objects.count(),
}))
"""

EXPORT_SCRIPT = r"""
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "capj.settings.test"
os.environ["DATABASE_URL"] = "sqlite:///" + sys.argv[1]
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("loaddata", "seed", verbosity=0)
from dialogue.csv.dataset import export_dataset
print(export_dataset(sys.argv[2]))
"""


def run_script(script, *args):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k != "DATABASE_URL"
    }
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_twenty_writers_and_an_import_on_sqlite_lose_nothing(tmp_path):
    """The seed's CSV files are imported into a fresh database file while 20
    threads save people and sources, each through its own Django connection."""
    csv_dir = tmp_path / "csv"
    run_script(EXPORT_SCRIPT, tmp_path / "source.sqlite3", csv_dir)
    outcome = json.loads(
        run_script(WRITERS_SCRIPT, tmp_path / "concurrent.sqlite3", csv_dir)
    )
    assert outcome["errors"] == []  # no "database is locked", nothing else either
    assert outcome["import"] == {"failed": False, "problems": 0}
    assert outcome["journal_mode"] == "wal"
    assert outcome["people"] == 20 * 25
    assert outcome["linked"] == 20 * 25
    assert outcome["sources"] == 20 * 25
    assert outcome["meetings"] == seed_count("dialogue.meeting")
    assert outcome["attendances"] == seed_count("dialogue.attendance")


# --------------------------------------------------------------------------------
# PostgreSQL restarting under running app servers
# --------------------------------------------------------------------------------


def require_postgres():
    if pg.bin_dir() is None:
        message = "PostgreSQL binaries (initdb, pg_ctl) are not installed"
        if os.environ.get("CAPJ_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + ", but CAPJ_REQUIRE_POSTGRES=1")
        pytest.skip(message)


@pytest.fixture(scope="module")
def pg_server():
    require_postgres()
    server = pg.Server().init().start().create_database()
    yield server
    server.remove()


def app_env(database_url):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k != "DATABASE_URL"
    }
    env.update(DJANGO_SETTINGS_MODULE="capj.settings.test", DATABASE_URL=database_url)
    return env


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def app_server(pg_server, tmp_path_factory):
    """Two gunicorn workers with persistent, health-checked database connections."""
    env = app_env(pg_server.url)
    manage(env, "migrate", "--no-input")
    manage(env, "loaddata", "seed")
    port = pg.free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            gunicorn_command(f"127.0.0.1:{port}", 2),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if fetch(base, "healthz")[0] == 200:
            break
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"gunicorn did not start: {log.read_text()}")
    yield base
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def fetch(base, path):
    try:
        with urllib.request.urlopen(base + path_of(path), timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None, ""


def path_of(name):
    # Resolved from the URL names, never written out.
    from django.urls import reverse

    return reverse(name)


def round_of(base, names, count):
    return [(name, *fetch(base, name)) for _ in range(count) for name in names]


PAGES = ["readyz", "dialogue:meeting-list"]


def test_database_restart_fails_requests_only_during_the_outage(pg_server, app_server):
    before = round_of(app_server, PAGES, 10)
    assert [status for _, status, _ in before] == [200] * 20
    assert any("4th Foreign Ministers" in body for _, _, body in before)

    pg_server.stop(mode="fast")
    during = round_of(app_server, PAGES + ["healthz"], 6)
    by_name = {}
    for name, status, body in during:
        by_name.setdefault(name, set()).add(status)
        if name == "dialogue:meeting-list":
            assert "Something went wrong" in body  # the 500 page, no traceback
            assert "Traceback" not in body
    assert by_name["healthz"] == {200}
    assert by_name["readyz"] == {503}
    assert by_name["dialogue:meeting-list"] == {500}
    ready = next(body for name, _, body in during if name == "readyz")
    assert json.loads(ready) == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "cache": "ok"},
    }

    pg_server.start()
    after = round_of(app_server, PAGES + ["healthz"], 20)
    failures = [(name, status) for name, status, _ in after if status != 200]
    assert failures == []
    assert all(
        "4th Foreign Ministers" in body
        for name, _, body in after
        if name == "dialogue:meeting-list"
    )


def test_quick_database_restart_between_requests_fails_none(pg_server, app_server):
    """Both workers hold a persistent connection that the restart breaks; the health
    check at the start of the next request replaces it before the view runs."""
    warm = round_of(app_server, PAGES, 10)
    assert [status for _, status, _ in warm] == [200] * 20
    pg_server.stop(mode="fast")
    pg_server.start()
    after = round_of(app_server, PAGES, 10)
    assert [(name, status) for name, status, _ in after if status != 200] == []
