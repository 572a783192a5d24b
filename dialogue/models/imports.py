"""Imports as change sets: what each import did, so that it can be undone."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from reversion.models import Revision


class ImportChangeSet(models.Model):
    """One import (an admin import or ``import_dataset``): django-reversion's
    metadata of the revision holding every record it created or changed as the
    import left them (``revision``), and of the revision holding the records it
    changed as they were before it (``before``)."""

    revision = models.OneToOneField(
        Revision,
        on_delete=models.CASCADE,
        related_name="import_change_set",
        verbose_name=_("revision"),
    )
    before = models.OneToOneField(
        Revision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_before",
        verbose_name=_("revision before the import"),
    )
    file_names = models.CharField(_("files"), max_length=500)
    rows_new = models.PositiveIntegerField(_("new rows"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated rows"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged rows"), default=0)
    #: The records the import created, as ["app_label.model", "pk"] pairs.
    created = models.JSONField(_("records created"), default=list, editable=False)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        ordering = ["-revision__date_created", "-pk"]
        verbose_name = _("past import")
        verbose_name_plural = _("past imports")

    def __str__(self):
        return _("Import of %(files)s") % {"files": self.file_names}


class CsvJob(models.Model):
    """An import or export of one file run by the task worker, not by the web
    request: what it is, how far it got, and what it found (``dialogue/csv/jobs.py``).

    An import above ``CSV_BACKGROUND_ROWS`` rows is first checked (a dry run, the
    preview's work), then, once confirmed, imported, both in the background; an
    export of more rows than that is written to a private file to download.
    """

    class Action(models.TextChoices):
        CHECK = "check", _("check")
        IMPORT = "import", _("import")
        EXPORT = "export", _("export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        RUNNING = "running", _("running")
        CHECKED = "checked", _("checked, waiting for confirmation")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="csv_jobs",
        verbose_name=_("who"),
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("kind of record"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.QUEUED
    )
    file_name = models.CharField(_("file"), max_length=255)
    #: The upload (imports) or the file written (exports), in the private
    #: ``import_export`` storage.
    stored_name = models.CharField(max_length=100, blank=True, editable=False)
    #: An export's list filters and search, as the list's query string.
    query = models.TextField(blank=True, editable=False)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    #: "3 new, 1 updated, 0 unchanged", or an export's row count.
    summary = models.CharField(_("result"), max_length=255, blank=True)
    #: The problems as :class:`dialogue.csv.results.ProblemReport` makes them:
    #: {"total": n, "listed": [text, …], "more": [[kind, count], …]}.
    problems = models.JSONField(_("problems"), default=dict, blank=True)
    #: The people an import will create (at most ``NOTES_SHOWN``), and how many.
    notes = models.JSONField(_("notes"), default=dict, blank=True)
    #: Why the job failed, when it was not the file's fault.
    error = models.TextField(_("error"), blank=True)
    change_set = models.ForeignKey(
        ImportChangeSet,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("past import"),
    )
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self):
        return f"{self.get_action_display().capitalize()} of {self.file_name}"

    @property
    def model(self):
        return self.content_type.model_class()

    @property
    def finished(self):
        return self.status in {
            self.Status.CHECKED,
            self.Status.DONE,
            self.Status.FAILED,
            self.Status.CANCELLED,
        }
