"""Pending drafts of live records: change a published record without the change
going public on save.

On a published record's change form, **Save as pending draft** keeps the
submitted values aside (:class:`~.models.PendingChange`) instead of saving them:
visitors keep seeing the live record. The change form then shows the pending
values, under a banner, with three ways on:

- **Preview pending changes** renders the record's public page as it will read,
  under a "Pending changes — not public" banner;
- **Publish changes** (or any save of the form) saves them as the change form
  always does: validated, with the record's children, as a revision of its own;
- **Discard pending changes** drops them, and records a revision of the live
  record saying so.

Saving as a pending draft and previewing run the change form's own save in a
transaction that is rolled back: the form's validation, the database's
constraints and the children's rows are checked exactly as a real save checks
them, and nothing of it is kept (the admin's log entry and revision included).
"""

import copy
from urllib.parse import urlsplit

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.http import HttpResponseRedirect, QueryDict
from django.urls import Resolver404, get_script_prefix, path, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.datastructures import MultiValueDict
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .addresses import admin_url
from .models import PendingChange

#: The change form's button that saves a pending draft.
SAVE_PENDING = "_save_pending"
#: The change form's button that publishes the pending changes shown.
PUBLISH_PENDING = "_publish_pending"
#: What the form submits besides the record's values.
NOT_KEPT = {
    "csrfmiddlewaretoken",
    SAVE_PENDING,
    PUBLISH_PENDING,
    "_save",
    "_continue",
    "_addanother",
    "_saveasnew",
}


def _when(moment):
    return date_format(localtime(moment), "j F Y, H:i")


class PendingChangesMixin:
    """For a content model's admin (dialogue/admin.py): pending drafts of its
    published records."""

    # The change form's save, run for checking only, flags its request so that
    # nothing of it is said or logged as a change.
    _CHECKING = "capj_checking_pending"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/pending/preview/",
                self.admin_site.admin_view(self.preview_pending_view),
                name="{}_{}_pending_preview".format(*info),
            ),
            path(
                "<path:object_id>/pending/discard/",
                self.admin_site.admin_view(self.discard_pending_view),
                name="{}_{}_pending_discard".format(*info),
            ),
            *super().get_urls(),
        ]

    # The change form.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return super().change_view(request, object_id, form_url, extra_context)
        if request.method == "POST" and SAVE_PENDING in request.POST:
            return self._save_pending(request, object_id, obj)
        pending = PendingChange.objects.of(obj).select_related("saved_by").first()
        context = {
            "may_save_pending": obj.published
            and self.has_change_permission(request, obj),
            "pending": pending,
            **(extra_context or {}),
        }
        if pending is not None:
            get_url = getattr(obj, "get_absolute_url", None)
            context.update(
                pending_changes=pending.describe(),
                pending_live_changed=pending.live_changed_since,
                pending_discard_url=admin_url(self.model, "pending_discard", obj.pk),
                pending_preview_url=(
                    admin_url(self.model, "pending_preview", obj.pk)
                    if get_url
                    else None
                ),
                live_url=get_url() if get_url else None,
            )
            # Its one save button publishes them: the others would too, unsaid.
            context.update(
                show_save_and_continue=False, show_save_and_add_another=False
            )
            if request.method == "GET":
                # The form shows the pending values (get_form, get_formset_kwargs).
                request.capj_pending_data = pending.form_data()
        return super().change_view(request, object_id, form_url, context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        data = getattr(request, "capj_pending_data", None)
        if data is None or request.method != "GET":
            return form_class

        class PendingForm(form_class):
            def __init__(self, *args, **kwargs):
                kwargs.setdefault("data", data.copy())
                super().__init__(*args, **kwargs)

        PendingForm.__name__ = form_class.__name__
        return PendingForm

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        data = getattr(request, "capj_pending_data", None)
        if data is not None and request.method == "GET":
            kwargs["data"] = data.copy()
        return kwargs

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        request.capj_change_message = message
        return message

    def message_user(self, request, *args, **kwargs):
        if not getattr(request, self._CHECKING, False):
            super().message_user(request, *args, **kwargs)

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if getattr(request, self._CHECKING, False) or not reversion.is_active():
            return entry
        pending = PendingChange.objects.of(obj).select_related("saved_by").first()
        if pending is not None:
            # Saving the form that shows them publishes them.
            reversion.set_comment(
                _("Published the pending changes saved by %(user)s on %(when)s. %(m)s")
                % {
                    "user": _user(pending),
                    "when": _when(pending.saved_at),
                    "m": entry.get_change_message(),
                }
            )
            pending.delete()
        return entry

    def delete_model(self, request, obj):
        PendingChange.objects.of(obj).delete()
        super().delete_model(request, obj)

    # Checking a save without keeping it.

    def _checked_save(self, request, object_id, data=None):
        """Run the change form's save of ``data`` (the request's own values when
        None) inside the current transaction, saying and logging nothing. Returns
        the response: a redirect when it saved, the form with its errors if not."""
        request = copy.copy(request)
        if data is not None:
            request.method = "POST"
            request.POST = data
            request._files = MultiValueDict()
            # The request that asked for it was checked; this one is made here.
            request._dont_enforce_csrf_checks = True
        setattr(request, self._CHECKING, True)
        response = admin.ModelAdmin.changeform_view(self, request, object_id)
        if hasattr(response, "render"):
            response.render()
        return response, request

    def _save_pending(self, request, object_id, obj):
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        change_url = admin_url(self.model, "change", obj.pk)
        if request.FILES:
            self.message_user(
                request,
                _(
                    "Files cannot wait in a pending draft: nothing was kept. Save "
                    "the files with “Save”, or save the other changes as a pending "
                    "draft without them."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        with transaction.atomic(using=router.db_for_write(self.model)):
            response, checked = self._checked_save(request, object_id)
            transaction.set_rollback(True)
        if response.status_code != 302:
            return response  # the form, with what is wrong
        changes = getattr(checked, "capj_change_message", [])
        if not changes:
            PendingChange.objects.of(obj).delete()
            self.message_user(
                request,
                _("Nothing differs from the live version: no pending changes kept."),
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        data = {
            name: request.POST.getlist(name)
            for name in request.POST
            if name not in NOT_KEPT
        }
        PendingChange.objects.update_or_create(
            **PendingChange.objects.key(obj),
            defaults={
                "object_repr": str(obj)[:200],
                "data": data,
                "changes": changes,
                "based_on": obj.updated_at,
                "saved_by": request.user,
                "saved_at": timezone.now(),
            },
        )
        admin.ModelAdmin.log_change(
            self, request, obj, _("Saved pending changes (not public yet).")
        )
        self.message_user(
            request,
            format_html(
                _(
                    "Your changes to the {} “{}” are saved as a pending draft: "
                    "visitors still see the live version until you publish them."
                ),
                self.opts.verbose_name,
                str(obj),
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(change_url)

    # Preview and discard.

    def preview_pending_view(self, request, object_id):
        """The record's public page with its pending changes, rendered from a save
        that is rolled back."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        pending = PendingChange.objects.of(obj).first()
        change_url = admin_url(self.model, "change", obj.pk)
        if pending is None or not hasattr(obj, "get_absolute_url"):
            self.message_user(request, _("There are no pending changes to preview."))
            return HttpResponseRedirect(change_url)
        data = pending.form_data()
        data["_continue"] = "1"
        with transaction.atomic(using=router.db_for_write(self.model)):
            response, _checked = self._checked_save(request, object_id, data)
            page = None
            if response.status_code == 302:
                obj.refresh_from_db()
                page = _public_page(request, obj.get_absolute_url())
            transaction.set_rollback(True)
        if page is None:
            self.message_user(
                request,
                _(
                    "The pending changes no longer save as they are: the form below "
                    "shows what is wrong."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        patch_cache_control(page, private=True, no_store=True)
        page["X-Robots-Tag"] = "noindex"
        return page

    @method_decorator(require_POST)
    def discard_pending_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        change_url = admin_url(self.model, "change", obj.pk)
        pending = PendingChange.objects.of(obj).select_related("saved_by").first()
        if pending is None:
            self.message_user(request, _("There are no pending changes to discard."))
            return HttpResponseRedirect(change_url)
        comment = _(
            "Discarded the pending changes saved by %(user)s on %(when)s (%(m)s)"
        ) % {
            "user": _user(pending),
            "when": _when(pending.saved_at),
            "m": pending.describe(),
        }
        with transaction.atomic(using=router.db_for_write(self.model)):
            with reversion.create_revision(atomic=False):
                reversion.set_user(request.user)
                reversion.set_comment(comment)
                reversion.add_to_revision(obj)
            pending.delete()
            admin.ModelAdmin.log_change(self, request, obj, comment)
        self.message_user(
            request,
            _("The pending changes were discarded: the live version stays as it is."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(change_url)


def _user(pending):
    return pending.saved_by.get_username() if pending.saved_by else "—"


def _public_page(request, url):
    """The public page at ``url`` as this request's user sees it, rendered now."""
    prefix = get_script_prefix()
    page_path = urlsplit(url).path
    try:
        match = resolve("/" + page_path.removeprefix(prefix))
    except Resolver404:
        return None
    page_request = copy.copy(request)
    page_request.path = page_request.path_info = page_path
    page_request.GET = QueryDict()
    page_request.capj_pending_preview = True
    response = match.func(page_request, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response.render()
    return response
