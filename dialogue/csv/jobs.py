"""Imports and exports too large for a web request, run by the task worker.

A file of more than ``CSV_BACKGROUND_ROWS`` rows is not checked in the request
that uploads it: the request keeps the file and queues a :class:`CsvJob`, and the
worker (``manage.py db_worker``, Django's task API with its queue in the
database) checks it as the preview does, then, once the steward confirms, imports
it, all or nothing, recorded as one change set like any import (:mod:`.changeset`).
An export of more rows than that is written by the worker to a private file,
which only staff allowed to export may download.

The worker tells the admin how far it got, and hears a cancel, through the
``jobs`` cache (:class:`Progress`), every :data:`CHECK_EVERY` rows: never through
the database, whose write lock (SQLite) or transaction the import holds until it
ends. A thread beats in that cache while a job runs (:class:`Heartbeat`): a job
whose worker is no longer heard of is shown as failed (:func:`refresh`), and its
import, never committed, wrote nothing.
"""

import datetime
import logging
import threading
import time
from uuid import uuid4

from django.conf import settings
from django.contrib import admin
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from import_export.signals import post_import

from ..models import CsvJob, ImportChangeSet
from .changeset import recording_import
from .dataset import FULL_DATASET, log_import
from .files import CsvFileError, DialogueCSV, read_csv, write_csv
from .results import Problem, ProblemReport

logger = logging.getLogger(__name__)

#: Rows between two reports of progress (and two looks for a cancel).
CHECK_EVERY = 1000
#: How often a running job's worker says it is alive, in seconds.
BEAT_SECONDS = 5
#: How long the cache keeps a job's progress, beat and cancel request.
KEPT_SECONDS = 24 * 60 * 60
#: The people an import will create, listed on its page; the others counted.
NOTES_LISTED = 50
#: How long an export's file is kept for its download, in seconds.
EXPORT_KEPT_SECONDS = 24 * 60 * 60

#: What a request that cannot start or change a job says when the database is
#: held by an import being written (SQLite has one write lock).
BUSY = (
    "The database is busy writing another import; nothing was started or "
    "changed. Try again when it has finished."
)

Status = CsvJob.Status
Action = CsvJob.Action


def background_rows():
    """More rows than this, and an import or export runs in the background."""
    return settings.CSV_BACKGROUND_ROWS


def stale_seconds():
    return settings.CSV_JOB_STALE_SECONDS


def count_rows(data):
    """The rows of CSV ``data`` (bytes), by its line breaks, without reading it:
    a value with a line break inside only counts for more."""
    lines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    if data and not data.endswith((b"\n", b"\r")):
        lines += 1
    return max(lines - 1, 0)


def storage():
    """The private storage of uploads waiting for their job, and of exports."""
    name = "import_export" if "import_export" in settings.STORAGES else "default"
    return storages[name]


def _cache():
    return caches["jobs"]


def _key(job_pk, what):
    return f"capj-csv-job-{job_pk}-{what}"


class JobCancelled(Exception):
    """The steward cancelled the job: the import's transaction rolls back."""


class Progress:
    """Counts the rows done (``update(n)``, as the import and export call it) and,
    every :data:`CHECK_EVERY` rows, tells the admin and looks for a cancel."""

    def __init__(self, job):
        self.job_pk = job.pk
        self.done = 0

    def update(self, n=1):
        self.done += n
        if self.done % CHECK_EVERY == 0:
            self.report()

    def report(self):
        _cache().set(_key(self.job_pk, "done"), self.done, KEPT_SECONDS)
        if cancel_requested(self.job_pk):
            raise JobCancelled

    def close(self):
        _cache().set(_key(self.job_pk, "done"), self.done, KEPT_SECONDS)


class Heartbeat(threading.Thread):
    """Says every :data:`BEAT_SECONDS` that the job's worker is alive, whatever
    the job is doing, until stopped; it dies with the worker."""

    def __init__(self, job_pk):
        super().__init__(daemon=True)
        self.job_pk = job_pk
        self.stopped = threading.Event()

    def beat(self):
        _cache().set(_key(self.job_pk, "beat"), time.time(), KEPT_SECONDS)

    def run(self):
        while not self.stopped.wait(BEAT_SECONDS):
            self.beat()

    def __enter__(self):
        self.beat()
        self.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.join()


def rows_done(job):
    """How many rows the job has done: its worker's last report while it runs."""
    if job.status == Status.RUNNING:
        return _cache().get(_key(job.pk, "done"), 0)
    return job.rows_done


def cancel_requested(job_pk):
    return bool(_cache().get(_key(job_pk, "cancel")))


def progress_text(job):
    done, total = rows_done(job), job.rows_total
    if total is None:
        return "Reading the file…" if job.status == Status.RUNNING else ""
    return f"{done:,} of {total:,} rows"


# Starting, cancelling, retrying --------------------------------------------


def _enqueue(job):
    result = run_job.enqueue(job.pk)
    job.task_id = str(result.id)
    job.save(update_fields=["task_id"])
    return job


def start_import(user, model, file_name, data):
    """Keep an upload of ``model``'s records and queue its check."""
    name = storage().save(f"csv-jobs/{uuid4().hex}.csv", ContentFile(data))
    job = CsvJob.objects.create(
        user=user,
        content_type=_content_type(model),
        action=Action.CHECK,
        file_name=file_name[:255],
        stored_name=name,
        rows_total=None,
    )
    return _enqueue(job)


def start_export(user, model, query, file_name, rows):
    """Queue the export of ``model``'s list, filtered by ``query`` (the list's
    query string)."""
    job = CsvJob.objects.create(
        user=user,
        content_type=_content_type(model),
        action=Action.EXPORT,
        file_name=file_name[:255],
        query=query,
        rows_total=rows,
    )
    return _enqueue(job)


def confirm(job):
    """Queue the import of a checked file."""
    _reset(job, action=Action.IMPORT)
    return _enqueue(job)


def retry(job):
    """Queue again a job whose worker stopped, from the start."""
    _reset(job, action=job.action)
    return _enqueue(job)


def may_retry(job):
    return (
        job.status == Status.FAILED
        and not job.problems
        and (job.action == Action.EXPORT or bool(job.stored_name))
    )


def _reset(job, action):
    job.action = action
    job.status = Status.QUEUED
    job.rows_done = 0
    job.error = ""
    job.started_at = job.finished_at = None
    job.save()
    _cache().delete_many([_key(job.pk, w) for w in ("done", "cancel", "beat")])


def cancel(job):
    """Cancel a job: at once if it has not started, else at the worker's next
    look (it rolls back everything). A checked file is dropped."""
    if job.status == Status.RUNNING:
        _cache().set(_key(job.pk, "cancel"), True, KEPT_SECONDS)
        return
    if job.status in (Status.QUEUED, Status.CHECKED):
        updated = CsvJob.objects.filter(pk=job.pk, status=job.status).update(
            status=Status.CANCELLED, finished_at=timezone.now()
        )
        if updated:
            _remove_file(job)


def refresh(job):
    """The job as it stands: a running job whose worker has not been heard of
    for ``CSV_JOB_STALE_SECONDS`` failed, having written nothing."""
    if job.status != Status.RUNNING:
        return job
    beat = _cache().get(_key(job.pk, "beat"))
    if beat is not None and time.time() - beat < stale_seconds():
        return job
    CsvJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        status=Status.FAILED,
        finished_at=timezone.now(),
        error=(
            "The worker running this job stopped before it finished (it was "
            "stopped, or its machine restarted), so nothing was saved. Retry "
            "runs it again from the start."
        ),
    )
    job.refresh_from_db()
    return job


def cancelling(job):
    return job.status == Status.RUNNING and cancel_requested(job.pk)


def waiting_long(job):
    """A job no worker has started for a while: is one running?"""
    return job.status == Status.QUEUED and timezone.now() - job.created_at > (
        datetime.timedelta(seconds=stale_seconds())
    )


# The task -----------------------------------------------------------------


@task()
def run_job(job_pk):
    """Check, import or export the job's file (the worker runs this)."""
    claimed = CsvJob.objects.filter(pk=job_pk, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now(), rows_done=0
    )
    if not claimed:
        return "not queued"  # cancelled before it started, or run already
    job = CsvJob.objects.select_related("user", "content_type").get(pk=job_pk)
    _cache().delete(_key(job.pk, "done"))
    with Heartbeat(job.pk):
        try:
            if job.action == Action.EXPORT:
                _export(job)
            else:
                _import(job)
        except JobCancelled:
            _finish(job, Status.CANCELLED)
            if job.action != Action.EXPORT:
                _remove_file(job)
        except Exception as exc:
            logger.exception("Background %s of %s failed", job.action, job.file_name)
            _finish(
                job,
                Status.FAILED,
                error=(
                    f"The {job.get_action_display()} stopped on an error, so nothing "
                    f"was saved ({type(exc).__name__}: {exc})."
                ),
            )
    return job.status


def _finish(job, status, **fields):
    job.status = status
    job.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
    _cache().delete_many([_key(job.pk, w) for w in ("cancel", "beat")])


def _resource_class(model):
    for resource_class in FULL_DATASET:
        if resource_class._meta.model is model:
            return resource_class
    raise LookupError(f"No CSV file holds {model._meta.verbose_name_plural}.")


def _import(job):
    try:
        with storage().open(job.stored_name, "rb") as file:
            data = file.read()
    except OSError:
        _finish(
            job,
            Status.FAILED,
            error="The uploaded file is no longer available; upload it again.",
        )
        return
    try:
        dataset = read_csv(data)
    except CsvFileError as exc:
        report = ProblemReport([Problem(text) for text in exc.problems])
        _finish(job, Status.FAILED, problems=report.as_dict())
        _remove_file(job)
        return
    job.rows_total = len(dataset)
    job.save(update_fields=["rows_total"])
    resource = _resource_class(job.model)()
    progress = Progress(job)
    options = {
        "use_transactions": True,
        "rollback_on_validation_errors": True,
        "file_name": job.file_name,
        "progress": progress,
    }
    if job.action == Action.CHECK:
        result = resource.import_data(dataset, dry_run=True, **options)
    else:
        # One transaction and one change set, as the admin's confirm step.
        with recording_import(job.user) as recorder:
            result = resource.import_data(dataset, dry_run=False, **options)
            if result.failed:
                transaction.set_rollback(True)
            else:
                recorder.finish([job.file_name], [result])
                if job.user is not None:
                    log_import(job.model, result, job.user, job.file_name)
                progress.report()  # a cancel heard at the last moment
    job.rows_done = progress.done
    if result.failed:
        problems = result.problem_report().as_dict()
        _finish(job, Status.FAILED, problems=problems, summary="")
        _remove_file(job)
        return
    notes = [str(note) for note in result.notes]
    summary = result.summary()
    if job.action == Action.CHECK:
        _finish(
            job,
            Status.CHECKED,
            summary=summary,
            notes={"count": len(notes), "listed": notes[:NOTES_LISTED]},
        )
        return
    post_import.send(sender=None, model=job.model)  # the public pages' cache
    change_set = (
        ImportChangeSet.objects.filter(
            file_names=job.file_name[:500], revision__date_created__gte=job.started_at
        )
        .order_by("-pk")
        .first()
    )
    _finish(job, Status.DONE, summary=summary, change_set=change_set)
    _remove_file(job)


def _export(job):
    model_admin = admin.site.get_model_admin(job.model)
    info = job.model._meta.app_label, job.model._meta.model_name
    # The list's filters and search, as the request that asked for the export
    # had them: the admin's own rules pick the rows.
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = reverse("admin:{}_{}_changelist".format(*info))
    request.GET = QueryDict(job.query)
    request.user = job.user
    queryset = model_admin.get_export_queryset(request)
    job.rows_total = queryset.count()
    job.save(update_fields=["rows_total"])
    resource_class = model_admin.get_export_resource_classes(request)[0]
    resource = resource_class(**model_admin.get_export_resource_kwargs(request))
    progress = Progress(job)
    dataset = resource.export(queryset=queryset, progress=progress)
    progress.report()
    text = write_csv(dataset)
    job.stored_name = storage().save(
        f"csv-exports/{uuid4().hex}.csv", ContentFile(text.encode("utf-8"))
    )
    job.file_name = model_admin.get_export_filename(request, queryset, DialogueCSV())
    job.rows_done = progress.done
    _finish(job, Status.DONE, summary=f"{len(dataset):,} rows")
    remove_old_exports()


def remove_old_exports():
    """Remove the files of exports finished more than a day ago: an export is
    for downloading, not for keeping."""
    oldest = timezone.now() - datetime.timedelta(seconds=EXPORT_KEPT_SECONDS)
    for job in CsvJob.objects.filter(
        action=Action.EXPORT, finished_at__lt=oldest
    ).exclude(stored_name=""):
        _remove_file(job)


def _remove_file(job):
    if job.stored_name:
        try:
            storage().delete(job.stored_name)
        except OSError:
            pass
        CsvJob.objects.filter(pk=job.pk).update(stored_name="")
        job.stored_name = ""


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)
