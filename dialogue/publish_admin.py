"""Publishing a draft with what it needs, in one step, and seeing it first.

A new meeting is a draft, and so is each attendee and pledge added on its form,
and each source or person added from it in a popup: ticking every box before the
meeting shows as entered took an editor a dozen actions. **Publish…** on a
draft's change form (or on its page's draft banner) lists the record, its draft
children (attendees, pledges, points) and the drafts they link to (the sources
they cite, the people who attended, a host), and publishes them together once
the editor confirms. Records it leaves out stay as they are: a published record's
own publishing window (``publish_at``) is kept, so a scheduled meeting still goes
public at its time.

**Save and preview** saves the form and opens the record's page as visitors
will see it (staff see a draft there, under its banner).
"""

import reversion
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .addresses import admin_url
from .models.base import Timestamped
from .revisions import FOLLOW, ensure_baseline

#: The change form's button that saves and opens the record's page.
SAVE_PREVIEW = "_save_preview"


def _links(model):
    """What a record of ``model`` must link to for visitors to see it with its
    links: the parents and links its kind's visibility rule names
    (``PublishedQuerySet.public_parents``/``public_links``), and the records it
    cites (``sources``): ``(foreign keys, many-to-many fields)``."""
    queryset = model.objects.all()
    many = [
        field.name
        for field in model._meta.many_to_many
        if issubclass(field.related_model, Timestamped)
    ]
    return (*queryset.public_parents, *queryset.public_links), many


def _needed_links(obj):
    keys, many = _links(type(obj))
    for name in keys:
        linked = getattr(obj, name)
        if linked is not None:
            yield linked
    for name in many:
        yield from getattr(obj, name).all()


def drafts_to_publish(obj):
    """What publishing ``obj`` publishes: ``(record, children, linked)``, each a
    list of drafts (``record`` empty when ``obj`` is published already)."""
    record = [] if obj.published else [obj]
    everything = [obj]
    children = []
    for name in FOLLOW.get(type(obj), ()):
        rows = getattr(obj, name).all()
        keys, many = _links(rows.model)
        # Each row's links in a few queries, not a few per row.
        for child in rows.select_related(*keys).prefetch_related(*many):
            everything.append(child)
            if not child.published:
                children.append(child)
    linked, seen = [], {(type(obj), obj.pk)}
    for item in everything:
        for other in _needed_links(item):
            key = (type(other), other.pk)
            if key not in seen:
                seen.add(key)
                if not other.published:
                    linked.append(other)
    return record, children, linked


def _described(records):
    """ "2 attendees, 1 pledge": how many of each kind."""
    counts = {}
    for record in records:
        opts = record._meta
        counts.setdefault(opts, 0)
        counts[opts] += 1
    return get_text_list(
        [
            f"{count} {opts.verbose_name if count == 1 else opts.verbose_name_plural}"
            for opts, count in counts.items()
        ],
        _("and"),
    )


class PublishMixin:
    """For a content model's admin (dialogue/admin.py): **Publish…** with what the
    record needs, and **Save and preview**."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="{}_{}_publish".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None and not obj.published:
            context["publish_url"] = admin_url(self.model, "publish", obj.pk)
        return super().change_view(request, object_id, form_url, context)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["may_save_preview"] = hasattr(self.model, "get_absolute_url")
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def _preview(self, request, obj):
        self.message_user(
            request,
            _(
                "The %(name)s “%(obj)s” was saved. This is its page as visitors "
                "will see it."
            )
            % {"name": self.opts.verbose_name, "obj": obj},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(obj.get_absolute_url())

    def response_add(self, request, obj, post_url_continue=None):
        if SAVE_PREVIEW in request.POST and hasattr(obj, "get_absolute_url"):
            return self._preview(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if SAVE_PREVIEW in request.POST and hasattr(obj, "get_absolute_url"):
            return self._preview(request, obj)
        return super().response_change(request, obj)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def publish_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        record, children, linked = drafts_to_publish(obj)
        change_url = admin_url(self.model, "change", obj.pk)
        if request.method == "POST":
            everything = [*record, *children, *linked]
            if not everything:
                self.message_user(request, _("Nothing here is a draft."))
                return HttpResponseRedirect(change_url)
            self._publish(request, obj, record + children, linked)
            parts = [_described(record + children)] if record + children else []
            if linked:
                parts.append(
                    _("the drafts it links to: %(list)s")
                    % {"list": get_text_list([str(o) for o in linked], _("and"))}
                )
            self.message_user(
                request,
                _("Published %(what)s.") % {"what": get_text_list(parts, _("and"))},
                messages.SUCCESS,
            )
            get_url = getattr(obj, "get_absolute_url", None)
            return HttpResponseRedirect(get_url() if get_url else change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": _("Publish %(name)s “%(obj)s”")
            % {"name": self.opts.verbose_name, "obj": obj},
            "record": record,
            "children": [(capfirst(c._meta.verbose_name), c) for c in children],
            "linked": [(capfirst(o._meta.verbose_name), o) for o in linked],
            "change_url": change_url,
            "now": timezone.now(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/dialogue/publish_confirm.html", context)

    def _publish(self, request, obj, with_record, linked):
        """The record and its children in one revision (they revert together),
        each linked draft in its own, in one transaction."""
        comment = _("Published with “Publish…”.")
        with transaction.atomic(using=router.db_for_write(self.model)):
            ensure_baseline([obj], user=request.user)
            for other in linked:
                ensure_baseline([other], user=request.user)
            if with_record:
                with reversion.create_revision():
                    reversion.set_user(request.user)
                    reversion.set_comment(comment)
                    for record in with_record:
                        record.published = True
                        record.save(update_fields=["published"])
                    reversion.add_to_revision(obj)
            for other in linked:
                with reversion.create_revision():
                    reversion.set_user(request.user)
                    reversion.set_comment(comment)
                    other.published = True
                    other.save(update_fields=["published"])
