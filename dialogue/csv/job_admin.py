"""The admin's pages of background imports and exports (:mod:`.jobs`): a job's
progress, refreshed by a small script (or by the page itself without one), then
its result; cancel, confirm, retry, and an export's download.

A job's page is for staff who may import (a check or an import) or export (an
export) its kind of record; anyone else gets 403.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..models import CsvJob
from . import jobs
from .admin import notes_message
from .results import ProblemReport

Action = CsvJob.Action
Status = CsvJob.Status

#: What a job's page says while it runs.
UNDER_WAY = {
    Action.CHECK: _("Checking %(file)s"),
    Action.IMPORT: _("Importing %(file)s"),
    Action.EXPORT: _("Exporting %(things)s"),
}

BUSY = _("The database is busy writing another import; try again when it has finished.")


def may_see(user, job):
    """Importing needs the import permission of the job's kind of record,
    exporting the export permission."""
    if not (user.is_active and user.is_staff):
        return False
    code = "export" if job.action == Action.EXPORT else "import"
    opts = job.model._meta
    return user.has_perm(f"{opts.app_label}.{code}_{opts.model_name}")


@admin.register(CsvJob)
class CsvJobAdmin(admin.ModelAdmin):
    """Background jobs: a user's own imports and exports, newest first."""

    list_display = ("created_at", "user", "action", "file_name", "status", "progress")
    list_display_links = ("created_at",)
    list_select_related = ("user", "content_type")
    list_filter = ("status", "action")
    change_form_template = "admin/dialogue/csvjob/detail.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user=request.user)

    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return may_see(request.user, obj)
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("progress"))
    def progress(self, job):
        return jobs.progress_text(job) if job.status == Status.RUNNING else "—"

    def get_urls(self):
        def view(function, suffix):
            return path(
                f"<int:pk>/{suffix}/",
                self.admin_site.admin_view(function),
                name=f"dialogue_csvjob_{suffix}",
            )

        return [
            view(self.status_view, "status"),
            view(self.cancel_view, "cancel"),
            view(self.confirm_view, "confirm"),
            view(self.retry_view, "retry"),
            view(self.download_view, "download"),
            # Jobs are started by importing and exporting: no add or delete page.
            *(
                url
                for url in super().get_urls()
                if not (url.name or "").endswith(("_add", "_delete"))
            ),
        ]

    def job(self, request, pk):
        job = get_object_or_404(CsvJob.objects.select_related("content_type"), pk=pk)
        if not may_see(request.user, job):
            raise PermissionDenied
        return jobs.refresh(job)

    def url(self, name, job):
        return reverse(f"{self.admin_site.name}:dialogue_csvjob_{name}", args=[job.pk])

    @method_decorator(never_cache)
    def change_view(self, request, object_id, form_url="", extra_context=None):
        try:
            pk = int(object_id)
        except ValueError:
            raise Http404 from None
        job = self.job(request, pk)
        model_opts = job.model._meta
        site = self.admin_site.name
        info = site, model_opts.app_label, model_opts.model_name
        problems = ProblemReport.from_dict(job.problems) if job.problems else None
        notes = job.notes or {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(job),
            "job": job,
            "original": job,
            "model_opts": model_opts,
            "under_way": UNDER_WAY[job.action]
            % {"file": job.file_name, "things": model_opts.verbose_name_plural},
            "rows_done": jobs.rows_done(job),
            "progress_text": jobs.progress_text(job),
            "cancelling": jobs.cancelling(job),
            "waiting_long": jobs.waiting_long(job),
            "may_retry": jobs.may_retry(job),
            "problem_result": {"problem_report": problems},
            "notes_message": notes_message(notes["listed"], notes["count"])
            if notes.get("count")
            else "",
            "list_url": reverse("{}:{}_{}_changelist".format(*info)),
            "import_url": reverse("{}:{}_{}_import".format(*info)),
            "status_url": self.url("status", job),
            "cancel_url": self.url("cancel", job),
            "confirm_url": self.url("confirm", job),
            "retry_url": self.url("retry", job),
            "download_url": self.url("download", job),
            "change_set_url": reverse(
                f"{self.admin_site.name}:dialogue_importchangeset_change",
                args=[job.change_set_id],
            )
            if job.change_set_id
            else "",
        }
        context.update(extra_context or {})
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_form_template, context)

    @method_decorator(never_cache)
    def status_view(self, request, pk):
        """How far the job got, for the page's script."""
        job = self.job(request, pk)
        return JsonResponse(
            {
                "status": job.status,
                "finished": job.finished,
                "rows_done": jobs.rows_done(job),
                "rows_total": job.rows_total,
                "text": jobs.progress_text(job),
            }
        )

    def _act(self, request, pk, action, done_message):
        job = self.job(request, pk)
        try:
            action(job)
        except OperationalError:
            messages.error(request, jobs.BUSY)
        else:
            if done_message:
                messages.info(request, done_message)
        return HttpResponseRedirect(self.url("change", job))

    @method_decorator(require_POST)
    def cancel_view(self, request, pk):
        return self._act(request, pk, jobs.cancel, "")

    @method_decorator(require_POST)
    def confirm_view(self, request, pk):
        job = self.job(request, pk)
        if job.status != Status.CHECKED or not job.stored_name:
            messages.error(request, _("This file is not waiting for confirmation."))
            return HttpResponseRedirect(self.url("change", job))
        return self._act(request, pk, jobs.confirm, "")

    @method_decorator(require_POST)
    def retry_view(self, request, pk):
        job = self.job(request, pk)
        if not jobs.may_retry(job):
            messages.error(request, _("Only a job that failed can be retried."))
            return HttpResponseRedirect(self.url("change", job))
        return self._act(request, pk, jobs.retry, "")

    def download_view(self, request, pk):
        """An export's file, to staff who may export its kind of record."""
        job = self.job(request, pk)
        if job.action != Action.EXPORT or job.status != Status.DONE:
            raise Http404
        try:
            file = jobs.storage().open(job.stored_name, "rb")
        except (OSError, ValueError):
            raise Http404("The exported file is no longer kept.") from None
        response = FileResponse(
            file,
            as_attachment=True,
            filename=job.file_name,
            content_type="text/csv; charset=utf-8",
        )
        response["Cache-Control"] = "private, no-store"
        return response
