"""The admin's history of each record and its past imports.

The history page lists a record's revisions (who, when, what was said); any two
can be compared field by field (django-reversion-compare's compare view, with our
templates and wording: what it was, what it is now) and any one restored
(django-reversion's revert form: the record and its children, in one
transaction, saved as a new revision). Past imports can be undone
(:mod:`.csv.undo`).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin

from .csv.undo import UndoRefused, comparable_fields, undo_import
from .models import ImportChangeSet
from .revisions import NOT_COMPARED, ensure_baseline, revert_record

EMPTY = _("(empty)")


def _shown(value):
    if value is None or value == "" or value == []:
        return EMPTY
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


class _RecordRevision:
    """A version's revision whose ``revert`` restores that version's record and its
    children alone (:func:`.revisions.revert_record`)."""

    def __init__(self, version):
        self.version = version
        self.date_created = version.revision.date_created

    def revert(self, delete=False):
        revert_record(self.version, delete=delete)


class _RecordVersion:
    """A version as the library's revert form uses it, reverting its record
    alone."""

    def __init__(self, version):
        self._version = version
        self.revision = _RecordRevision(version)

    def __getattr__(self, name):
        return getattr(self._version, name)


class HistoryAdmin(CompareVersionAdmin):
    """Revisions for a record's admin: every save, add and revert is one."""

    object_history_template = "admin/dialogue/history/object_history.html"
    compare_template = "admin/dialogue/history/compare.html"
    revision_form_template = "admin/dialogue/history/revision_form.html"
    compare_exclude = NOT_COMPARED
    history_latest_first = True

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            # Its state before its first recorded change, if it has none.
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_change_permission(request, obj):
                ensure_baseline([obj], user=request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """The library's revert form, restoring this record and its children, not
        every record saved in the same revision (an import, a bulk action)."""
        version = get_object_or_404(
            Version, pk=version_id, object_id=unquote(object_id)
        )
        if version._model is not self.model:
            raise Http404
        context = {"title": _("Revert %(name)s") % {"name": version.object_repr}}
        context["revert"] = True
        context.update(extra_context or {})
        return self._reversion_revisionform_view(
            request, _RecordVersion(version), self.revision_form_template, context
        )

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "index" in request.POST:
            # An action: publish and unpublish record a revision a record, so
            # that reverting one record does not revert the others
            # (dialogue/admin.py); the library's block would make one of all.
            return admin.ModelAdmin.changelist_view(self, request, extra_context)
        return super().changelist_view(request, extra_context)

    def compare_view(self, request, object_id, extra_context=None):
        # The library's view asks for no permission of its own.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().compare_view(request, object_id, extra_context)

    # The compare view's wording: for each field, what it was and what it is.

    def compare(self, obj, version1, version2):
        diff, unfollowed = super().compare(obj, version1, version2)
        # The library takes a link as changed when anything else of the record
        # is: only what reads differently is listed.
        diff = [
            item
            for item in diff
            if [str(v) for v in item["diff"]["was"]]
            != [str(v) for v in item["diff"]["now"]]
        ]
        for item in diff:
            field = item["field"]
            name = getattr(field, "verbose_name", None)
            if name is None:  # a meeting's attendees, a document's points
                name = field.related_model._meta.verbose_name_plural
            item["label"] = capfirst(name)
        return diff, unfollowed

    def fallback_compare(self, obj_compare):
        old, new = obj_compare.to_string()
        return {"was": [_shown(old)], "now": [_shown(new)]}

    def compare_BooleanField(self, obj_compare):
        return {
            "was": [_shown(obj_compare.value1)],
            "now": [_shown(obj_compare.value2)],
        }

    def compare_ForeignKey(self, obj_compare):
        old, new = obj_compare.get_related()
        return {"was": [_shown(old)], "now": [_shown(new)]}

    def _items(self, info):
        was = [_("removed: %s") % item for item in info["removed_items"]]
        was += [_("removed: %s") % item for item in info["deleted_items"]]
        now = [_("added: %s") % item for item in info["added_items"]]
        for old, new in info["changed_items"]:
            was.append(_("changed: %s") % old)
            now.append(_("changed to: %s") % new)
        return {"was": was or [_("(as now)")], "now": now or [_("(as before)")]}

    def compare_ManyToManyField(self, obj_compare):
        return self._items(obj_compare.get_m2m_change_info())

    def compare_ManyToOneRel(self, obj_compare):
        return self._items(obj_compare.get_m2o_change_info())


@admin.register(ImportChangeSet)
class ImportChangeSetAdmin(admin.ModelAdmin):
    """Past imports, newest first, each with "Undo this import"."""

    list_display = (
        "shown_date",
        "shown_user",
        "file_names",
        "rows_new",
        "rows_updated",
        "rows_unchanged",
        "status",
    )
    list_display_links = ("shown_date",)
    list_select_related = ("revision__user", "undone_by")
    search_fields = ("file_names", "revision__user__username")
    change_form_template = "admin/dialogue/importchangeset/detail.html"

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def may_undo(self, request, change_set):
        """Undoing needs the import permission of every kind of record touched."""
        labels = {label for label, _pk in change_set.created}
        if change_set.before is not None:
            labels |= {
                v.content_type.model_class()._meta.label_lower
                for v in change_set.before.version_set.select_related("content_type")
            }
        for label in labels:
            app_label, model_name = label.split(".")
            if not request.user.has_perm(f"{app_label}.import_{model_name}"):
                return False
        return True

    @admin.display(description=_("when"), ordering="revision__date_created")
    def shown_date(self, change_set):
        return change_set.revision.date_created

    @admin.display(description=_("who"), ordering="revision__user__username")
    def shown_user(self, change_set):
        user = change_set.revision.user
        return user.get_username() if user else "—"

    @admin.display(description=_("status"))
    def status(self, change_set):
        if change_set.undone_at is None:
            return _("imported")
        who = change_set.undone_by.get_username() if change_set.undone_by else "—"
        return _("undone by %(user)s") % {"user": who}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/undo/",
                self.admin_site.admin_view(self.undo_view),
                name="{}_{}_undo".format(*info),
            ),
            # Imports are added by importing and never deleted: no add or
            # delete page.
            *(
                url
                for url in super().get_urls()
                if not (url.name or "").endswith(("_add", "_delete"))
            ),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        change_set = self.get_object(request, unquote(object_id))
        if change_set is None or not self.has_view_permission(request, change_set):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        versions = change_set.revision.version_set.select_related("content_type")
        created = {tuple(key) for key in change_set.created}
        before = {}
        if change_set.before is not None:
            before = {
                (v.content_type.model_class()._meta.label_lower, v.object_id): v
                for v in change_set.before.version_set.select_related("content_type")
            }
        added, changed = [], []
        for version in versions:
            model = version.content_type.model_class()
            key = (model._meta.label_lower, version.object_id)
            row = (model._meta.verbose_name, version.object_repr)
            if key in created:
                added.append(row)
            elif key in before and comparable_fields(
                before[key].serialized_data
            ) != comparable_fields(version.serialized_data):
                # (Not the children a changed record's versions carry along.)
                changed.append(row)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(change_set),
            "change_set": change_set,
            "original": change_set,
            "added": sorted(added),
            "changed": sorted(changed),
            "may_undo": change_set.undone_at is None
            and self.may_undo(request, change_set),
            "undo_url": reverse(
                f"{self.admin_site.name}:dialogue_importchangeset_undo",
                args=[change_set.pk],
            ),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_form_template, context)

    @method_decorator(require_POST)
    def undo_view(self, request, pk):
        change_set = get_object_or_404(ImportChangeSet, pk=pk)
        if not self.may_undo(request, change_set):
            raise PermissionDenied
        detail = reverse(
            f"{self.admin_site.name}:dialogue_importchangeset_change", args=[pk]
        )
        try:
            undo_import(change_set, request.user)
        except UndoRefused as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(detail)
        messages.success(
            request,
            _("The import of %(files)s was undone: the dataset is as it was before.")
            % {"files": change_set.file_names},
        )
        return HttpResponseRedirect(detail)
