"""Import (two steps: preview, confirm) and export in the admin."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, transaction
from django.forms import ValidationError as FormValidationError
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ExportActionMixin, ImportExportMixin
from import_export.forms import ExportForm, ImportForm

from . import jobs
from .changeset import recording_import
from .dataset import log_import
from .files import (
    NO_ROWS,
    CsvFileError,
    DialogueCSV,
    max_upload_bytes,
    read_csv,
    too_large_message,
)
from .uploads import UploadRefused, sign_upload, signed_upload

#: The preview lists at most this many notes; the rest are counted.
NOTES_SHOWN = 50


def notes_message(notes, count=None):
    """The preview's warning about the people an import will create: ``notes``,
    the first of ``count`` (all of them by default)."""
    count = len(notes) if count is None else count
    lead = (
        f"This import will add {count} new "
        f"{'person' if count == 1 else 'people'}. Check the names before you "
        "confirm: a name spelt differently from an existing person's makes another "
        "person."
    )
    items = format_html_join("", "<li>{}</li>", ((n,) for n in notes[:NOTES_SHOWN]))
    more = count - NOTES_SHOWN
    if more > 0:
        items = format_html("{}<li>… and {} more.</li>", items, more)
    return format_html('{}<ul class="import-notes">{}</ul>', lead, items)


def job_url(job, admin_site):
    """The page of a background job: its progress, then its result."""
    return reverse(f"{admin_site.name}:dialogue_csvjob_change", args=[job.pk])


class CsvImportForm(ImportForm):
    """The upload step: the file is refused as a whole if it cannot be read."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.resource_classes = resources
        #: The file's bytes when it is to be checked in the background: too many
        #: rows to read in the request (:mod:`.jobs`).
        self.background_data = None

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > max_upload_bytes():
            raise FormValidationError(too_large_message(upload.size))
        data = b"".join(upload.chunks())
        upload.seek(0)
        if jobs.count_rows(data) > jobs.background_rows():
            self.background_data = data
            return upload
        try:
            dataset = read_csv(data)
        except CsvFileError as exc:
            raise FormValidationError(exc.problems) from None
        if not len(dataset):
            # What the command line says of this file too: its header's problems,
            # else that there is nothing to import.
            resource = self.resource_classes[0]()
            raise FormValidationError(
                resource.header_problems(dataset.headers) or [NO_ROWS]
            )
        return upload


class CsvAdminMixin(ImportExportMixin, ExportActionMixin):
    """Import (two steps: preview, confirm) and export for a model's admin.

    Import needs the ``import_<model>`` permission (the Data stewards group),
    export the ``export_<model>`` permission (also given to Editors).
    """

    import_form_class = CsvImportForm
    export_form_class = ExportForm  # all columns, always: the format is a contract
    import_template_name = "admin/dialogue/import.html"
    import_export_change_list_template = (
        "admin/import_export/change_list_import_export.html"
    )
    change_form_template = None
    show_change_form_export = False
    from_encoding = "utf-8-sig"

    @property
    def formats(self):
        return [DialogueCSV]

    def get_export_filename(self, request, queryset, file_format):
        resource = self.get_export_resource_classes(request)[0]
        stem = resource.file_name.removesuffix(".csv")
        return f"{stem}-{timezone.now():%Y-%m-%d}.csv"

    def create_import_form(self, request):
        """One upload form a request, so that a file is read once."""
        if not hasattr(request, "_csv_import_form"):
            request._csv_import_form = super().create_import_form(request)
        return request._csv_import_form

    def get_resource_index(self, form):
        """The one resource of this admin, whatever index a form was given."""
        index = super().get_resource_index(form)
        return index if 0 <= index < len(self.resource_classes) else 0

    def get_valid_export_item_pks(self, request):
        """Rows an "export selected" action may name: those the user may see."""
        return self.get_queryset(request).values_list("pk", flat=True)

    def export_action(self, request):
        """The list's Export: more rows than ``CSV_BACKGROUND_ROWS``, and the
        worker writes the file, to download from the job's page (:mod:`.jobs`)."""
        if (
            request.method == "POST"
            and "export_items" not in request.POST
            and self.has_export_permission(request)
        ):
            form = self.get_export_form_class()(
                self.get_export_formats(),
                self.get_export_resource_classes(request),
                data=request.POST,
            )
            queryset = self.get_export_queryset(request)
            if form.is_valid() and (rows := queryset.count()) > jobs.background_rows():
                try:
                    job = jobs.start_export(
                        request.user,
                        self.model,
                        request.GET.urlencode(),
                        self.get_export_filename(request, queryset, DialogueCSV()),
                        rows,
                    )
                except OperationalError:
                    messages.error(request, jobs.BUSY)
                    return HttpResponseRedirect(request.get_full_path())
                return HttpResponseRedirect(job_url(job, self.admin_site))
        return super().export_action(request)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["max_upload_size"] = filesizeformat(max_upload_bytes())
        return context

    def get_confirm_form_initial(self, request, import_form):
        """The confirm form names the upload signed for this user and this import
        (:mod:`.uploads`), never by the name it is stored under."""
        initial = super().get_confirm_form_initial(request, import_form)
        if initial.get("import_file_name"):
            initial["import_file_name"] = sign_upload(
                initial["import_file_name"], request.user, self.model
            )
        return initial

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirm step: import for real, or show why nothing was imported.

        The library's own step would read any file of the server's temporary
        folder the form names, read a file gone from storage, or no longer valid,
        into a traceback, and record a failed import as done.
        """
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        import_url = reverse(
            "admin:{}_{}_import".format(*self.get_model_info()),
            current_app=self.admin_site.name,
        )
        if not confirm_form.is_valid():
            messages.error(
                request, _("The import form was incomplete; upload the file again.")
            )
            return HttpResponseRedirect(import_url)
        file_name = confirm_form.cleaned_data["original_file_name"]
        try:
            name = signed_upload(
                confirm_form.cleaned_data["import_file_name"], request.user, self.model
            )
        except UploadRefused as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(import_url)
        tmp_storage = self.get_tmp_storage_class()(name=name)
        try:
            dataset = read_csv(tmp_storage.read())
        except (OSError, CsvFileError):
            messages.error(
                request,
                _("The uploaded file is no longer available; upload it again."),
            )
            return HttpResponseRedirect(import_url)
        # One change set that "Undo this import" can take back (.changeset).
        with recording_import(request.user) as recorder:
            result = self.process_dataset(
                dataset, confirm_form, request, file_name=file_name, **kwargs
            )
            if result.failed:
                transaction.set_rollback(True)
            else:
                recorder.finish([file_name], [result])
        if result.failed:
            return self.render_failed_import(request, result)
        tmp_storage.remove()
        # The library's last step: history, message, post_import, back to the list.
        return self.process_result(result, request)

    def render_failed_import(self, request, result):
        context = self.get_import_context_data()
        context.update(self.admin_site.each_context(request))
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        context.update(
            title=_("Import"),
            form=form,
            opts=self.model._meta,
            result=result,
            media=self.media + form.media,
            import_error_display=self.import_error_display,
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def add_success_message(self, result, request):
        messages.success(
            request,
            _("Import of %(file)s finished: %(summary)s %(things)s.")
            % {
                "file": result.file_name,
                "summary": result.summary(),
                "things": self.model._meta.verbose_name_plural,
            },
        )

    def generate_log_entries(self, result, request):
        """One history entry per added or changed record, and one for the import
        (:func:`.dataset.log_import`)."""
        if not self.get_skip_admin_log():
            log_import(self.model, result, request.user, result.file_name)

    def import_action(self, request, **kwargs):
        """The upload step. A file that will not be confirmed is not kept; a file
        of many rows is kept for a job, checked by the worker (:mod:`.jobs`)."""
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_import_form(request)
            if form.is_valid() and form.background_data is not None:
                upload = form.cleaned_data["import_file"]
                try:
                    job = jobs.start_import(
                        request.user, self.model, upload.name, form.background_data
                    )
                except OperationalError:
                    messages.error(request, jobs.BUSY)
                    return HttpResponseRedirect(request.get_full_path())
                return HttpResponseRedirect(job_url(job, self.admin_site))
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result, form = context.get("result"), context.get("form")
        if result is not None and not result.failed and result.notes:
            messages.warning(request, notes_message(result.notes))
        if result is not None and result.failed and form is not None:
            upload = (getattr(form, "cleaned_data", None) or {}).get("import_file")
            name = getattr(upload, "tmp_storage_name", None)
            if name:
                try:
                    self.get_tmp_storage_class()(name=name).remove()
                except OSError:
                    pass
        return response
