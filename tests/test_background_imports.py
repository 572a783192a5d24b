"""Large CSV imports and exports in the background (dialogue/csv/jobs.py): the
request only keeps the file and queues a job; the worker checks it, imports it
once confirmed (all or nothing, undoable), or writes the export; the job's page
shows its progress, then its result; cancel, a dead worker and Retry."""

import datetime
import io
import signal
import time

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from dialogue.csv import jobs
from dialogue.csv.undo import undo_import
from dialogue.models import CsvJob, ImportChangeSet, Person
from tests.factories import make_person
from tests.test_csv_admin import text_of, upload

#: Files of more rows than this go to the worker in these tests.
THRESHOLD = 50

pytestmark = pytest.mark.usefixtures("small_threshold")


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(jobs, "CHECK_EVERY", 10)
    caches["jobs"].clear()
    with override_settings(CSV_BACKGROUND_ROWS=THRESHOLD):
        yield


def people_file(rows, bad=0):
    lines = ["slug,name,other_names"]
    lines += [f"person-{i},Person {i}," for i in range(rows - bad)]
    lines += [f"bad slug {i}!,Bad {i}," for i in range(bad)]
    return "\n".join(lines) + "\n"


def job_page(client, job):
    return client.get(reverse("admin:dialogue_csvjob_change", args=[job.pk]))


def post(client, name, job):
    return client.post(reverse(f"admin:dialogue_csvjob_{name}", args=[job.pk]))


def run(job):
    """What the worker does with the job's task."""
    return jobs.run_job.call(job.pk)


def test_a_large_file_gives_a_job_not_an_import(steward_client):
    started = time.monotonic()
    response = upload(
        steward_client, people_file(120), name="people.csv", model="person"
    )
    assert time.monotonic() - started < 3
    job = CsvJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:dialogue_csvjob_change", args=[job.pk]
    )
    assert Person.objects.count() == 0
    task = DBTaskResult.objects.get()
    assert task.task_path == "dialogue.csv.jobs.run_job"
    assert str(task.id) == job.task_id

    page = text_of(job_page(steward_client, job))
    assert "Checking people.csv" in page
    assert "Waiting for the worker to start it." in page
    assert "Refresh" in page


def test_a_small_file_is_still_previewed_in_the_request(steward_client):
    response = upload(steward_client, people_file(THRESHOLD), "people.csv", "person")
    assert f"people.csv: {THRESHOLD} new, 0 updated, 0 unchanged." in text_of(response)
    assert not CsvJob.objects.exists()


def test_the_worker_checks_then_imports_an_undoable_change_set(steward_client, steward):
    upload(steward_client, people_file(120), name="people.csv", model="person")
    job = CsvJob.objects.get()
    assert run(job) == "checked"
    page = text_of(job_page(steward_client, job))
    assert "Checked: ready to import" in page
    assert "people.csv: 120 new, 0 updated, 0 unchanged." in page
    assert Person.objects.count() == 0  # the check saves nothing

    assert post(steward_client, "confirm", job).status_code == 302
    assert "Importing people.csv" in text_of(job_page(steward_client, job))
    assert run(job) == "done"
    page = text_of(job_page(steward_client, job))
    assert "Import of people.csv finished: 120 new, 0 updated, 0 unchanged people." in (
        page
    )
    assert "This import under Past imports" in page
    assert Person.objects.count() == 120

    change_set = ImportChangeSet.objects.get()
    assert (change_set.file_names, change_set.rows_new) == ("people.csv", 120)
    job.refresh_from_db()
    assert job.change_set == change_set
    assert (job.rows_total, job.rows_done) == (120, 120)
    assert job.stored_name == ""  # the upload is not kept once imported
    undo_import(change_set, steward)
    assert Person.objects.count() == 0


def test_progress_goes_up_while_the_worker_runs(steward_client, monkeypatch):
    upload(steward_client, people_file(120), name="people.csv", model="person")
    job = CsvJob.objects.get()
    seen = []
    report = jobs.Progress.report

    def watched(progress):
        report(progress)
        status = steward_client.get(
            reverse("admin:dialogue_csvjob_status", args=[job.pk])
        ).json()
        seen.append((status["rows_done"], status["text"]))
        if len(seen) == 3:
            page = text_of(job_page(steward_client, job))
            assert "30 of 120 rows" in page

    monkeypatch.setattr(jobs.Progress, "report", watched)
    run(job)
    assert seen[:3] == [
        (10, "10 of 120 rows"),
        (20, "20 of 120 rows"),
        (30, "30 of 120 rows"),
    ]
    assert all(0 < done <= 120 for done, _text in seen)


def test_cancel_rolls_back_everything(steward_client, monkeypatch):
    make_person("Kept Person")
    upload(steward_client, people_file(120), name="people.csv", model="person")
    job = CsvJob.objects.get()
    run(job)
    post(steward_client, "confirm", job)
    report = jobs.Progress.report

    def cancel_at_sixty(progress):
        if progress.done == 60:
            post(steward_client, "cancel", job)
            assert "Cancelling" in text_of(job_page(steward_client, job))
        report(progress)

    monkeypatch.setattr(jobs.Progress, "report", cancel_at_sixty)
    assert run(job) == "cancelled"
    page = text_of(job_page(steward_client, job))
    assert "Cancelled" in page
    assert "Nothing from people.csv was saved." in page
    assert list(Person.objects.values_list("name", flat=True)) == ["Kept Person"]
    assert not ImportChangeSet.objects.exists()


def test_a_queued_job_is_cancelled_at_once(steward_client):
    upload(steward_client, people_file(120), name="people.csv", model="person")
    job = CsvJob.objects.get()
    post(steward_client, "cancel", job)
    assert "Cancelled" in text_of(job_page(steward_client, job))
    assert run(job) == "not queued"
    assert Person.objects.count() == 0


def test_a_job_whose_worker_died_shows_failed_and_retry_works(steward_client):
    upload(steward_client, people_file(120), name="people.csv", model="person")
    job = CsvJob.objects.get()
    # The worker took the job, then was killed: no beat for two minutes.
    CsvJob.objects.filter(pk=job.pk).update(status="running", rows_total=120)
    caches["jobs"].set(f"capj-csv-job-{job.pk}-beat", time.time() - 120)
    page = text_of(job_page(steward_client, job))
    assert "Failed" in page
    assert "The worker running this job stopped before it finished" in page
    assert "nothing was saved" in page
    assert "Retry" in page

    assert post(steward_client, "retry", job).status_code == 302
    assert "Waiting for the worker to start it." in text_of(
        job_page(steward_client, job)
    )
    assert run(job) == "checked"
    assert "people.csv: 120 new, 0 updated, 0 unchanged." in text_of(
        job_page(steward_client, job)
    )


def test_a_running_job_heard_of_recently_is_not_failed(steward_client):
    upload(steward_client, people_file(120), name="people.csv", model="person")
    job = CsvJob.objects.get()
    CsvJob.objects.filter(pk=job.pk).update(status="running", rows_total=120)
    caches["jobs"].set(f"capj-csv-job-{job.pk}-beat", time.time() - 5)
    caches["jobs"].set(f"capj-csv-job-{job.pk}-done", 40)
    page = text_of(job_page(steward_client, job))
    assert "40 of 120 rows" in page
    assert "Failed" not in page


def test_bad_rows_give_the_bounded_report_and_write_nothing(steward_client):
    upload(steward_client, people_file(250, bad=150), name="people.csv", model="person")
    job = CsvJob.objects.get()
    assert run(job) == "failed"
    page = text_of(job_page(steward_client, job))
    assert "Nothing was imported: 150 problems to fix" in page
    assert 'Line 102, column "slug":' in page
    assert "The first 100 are listed above. The others, by kind:" in page
    assert '50 × column "slug":' in page
    assert "Retry" not in page
    assert Person.objects.count() == 0


def test_a_file_that_is_not_csv_is_named_by_the_worker(steward_client):
    data = ("slug,name,other_names\n" + "a,b,\n" * 60).encode() + b"\xff\n"
    upload(steward_client, data, name="people.csv", model="person")
    job = CsvJob.objects.get()
    run(job)
    page = text_of(job_page(steward_client, job))
    assert "Nothing was imported: 1 problem to fix" in page
    assert "The file is not UTF-8 text (the byte 0xFF" in page


def test_the_job_pages_need_the_import_permission(steward_client, editor):
    upload(steward_client, people_file(120), name="people.csv", model="person")
    job = CsvJob.objects.get()
    client = Client()
    client.force_login(editor)  # may export, not import
    assert job_page(client, job).status_code == 403
    for name in ("status", "cancel", "confirm", "retry", "download"):
        response = (client.get if name in {"status", "download"} else client.post)(
            reverse(f"admin:dialogue_csvjob_{name}", args=[job.pk])
        )
        assert response.status_code == 403, name
    job.refresh_from_db()
    assert job.status == "queued"


def test_a_large_export_is_written_by_the_worker_and_downloaded(editor_client):
    for i in range(60):
        make_person(f"Exported {i:02}")
    response = editor_client.post(
        reverse("admin:dialogue_person_export") + "?q=Exported",
        {"format": "0", "resource": "0"},
    )
    job = CsvJob.objects.get()
    assert response["Location"] == reverse(
        "admin:dialogue_csvjob_change", args=[job.pk]
    )
    assert "Exporting people" in text_of(job_page(editor_client, job))
    assert run(job) == "done"
    page = text_of(job_page(editor_client, job))
    assert "60 rows." in page
    assert f"Download {job.file_name}" in text_of(job_page(editor_client, job))
    job.refresh_from_db()
    assert job.file_name.startswith("people-")

    download = editor_client.get(
        reverse("admin:dialogue_csvjob_download", args=[job.pk])
    )
    assert download["Content-Disposition"] == (
        f'attachment; filename="{job.file_name}"'
    )
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "slug,name,other_names"
    assert len(lines) == 61
    assert "exported-00,Exported 00," in lines

    outsider = User.objects.create_user("outsider", password="pw", is_staff=True)
    client = Client()
    client.force_login(outsider)
    assert (
        client.get(reverse("admin:dialogue_csvjob_download", args=[job.pk])).status_code
        == 403
    )


def test_a_small_export_is_still_sent_at_once(editor_client):
    make_person("Only One")
    response = editor_client.post(
        reverse("admin:dialogue_person_export"), {"format": "0", "resource": "0"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert not CsvJob.objects.exists()


def test_the_database_worker_runs_the_queued_jobs(steward_client, monkeypatch):
    """`manage.py db_worker`, in this process: the test's transaction must stay
    open, so the worker keeps its connection between tasks."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    upload(steward_client, people_file(120), name="people.csv", model="person")
    job = CsvJob.objects.get()
    handlers = {
        sig: signal.getsignal(sig)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    }
    try:
        call_command(
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
            stdout=io.StringIO(),
        )
        assert "120 new" in text_of(job_page(steward_client, job))
        post(steward_client, "confirm", job)
        call_command(
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
            stdout=io.StringIO(),
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert "Import of people.csv finished: 120 new" in text_of(
        job_page(steward_client, job)
    )
    assert Person.objects.count() == 120
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_an_export_file_is_kept_for_a_day(editor_client):
    for i in range(60):
        make_person(f"Exported {i:02}")
    editor_client.post(
        reverse("admin:dialogue_person_export"), {"format": "0", "resource": "0"}
    )
    old = CsvJob.objects.get()
    run(old)
    CsvJob.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    editor_client.post(
        reverse("admin:dialogue_person_export"), {"format": "0", "resource": "0"}
    )
    run(CsvJob.objects.exclude(pk=old.pk).get())
    page = text_of(job_page(editor_client, old))
    assert "An export's file is kept for a day; export the list again." in page
    assert "Download" not in page
    download = reverse("admin:dialogue_csvjob_download", args=[old.pk])
    assert editor_client.get(download).status_code == 404


def test_a_busy_database_is_said_so_not_a_server_error(steward_client, monkeypatch):
    def locked(*args):
        raise OperationalError("database is locked")

    monkeypatch.setattr(jobs, "start_import", locked)
    response = upload(steward_client, people_file(120), "people.csv", "person")
    assert response["Location"] == reverse("admin:dialogue_person_import")
    page = text_of(steward_client.get(response["Location"]))
    assert "The database is busy writing another import; nothing was started" in page
