"""What the editors' home page lists: drafts, scheduled records, recent changes."""

from django.contrib.admin.models import LogEntry
from django.utils import timezone

from .addresses import admin_url
from .models import (
    NEVER,
    Country,
    Document,
    DocumentFile,
    Meeting,
    Page,
    PendingChange,
    Person,
    Photo,
    Pledge,
    Source,
)

#: The kinds of record listed, in the order of the home page.
KINDS = (Meeting, Pledge, Document, Person, Country, Source, Page, DocumentFile, Photo)
#: How many scheduled records and recent changes are listed.
LISTED = 10


def viewable(request):
    user = request.user
    return [
        model
        for model in KINDS
        if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
    ]


def overview(request):
    """The home page's lists for this editor (only the kinds they may view)."""
    now = timezone.now()
    models = viewable(request)
    drafts = []
    scheduled = []
    for model in models:
        count = model.objects.filter(published=False).count()
        if count:
            drafts.append(
                {
                    "label": (
                        model._meta.verbose_name
                        if count == 1
                        else model._meta.verbose_name_plural
                    ),
                    "count": count,
                    "url": admin_url(model, "changelist") + "?published__exact=0",
                }
            )
        for record in model.objects.filter(published=True, publish_at__gt=now)[:LISTED]:
            scheduled.append((record.publish_at, "goes public", model, record))
        for record in model.objects.filter(
            published=True, unpublish_at__gt=now, unpublish_at__lt=NEVER
        )[:LISTED]:
            scheduled.append((record.unpublish_at, "leaves the site", model, record))
    scheduled.sort(key=lambda item: item[0])
    content_types = [model._meta.model_name for model in models]
    recent = (
        LogEntry.objects.filter(
            content_type__app_label="dialogue", content_type__model__in=content_types
        )
        .select_related("user", "content_type")
        .order_by("-action_time")[:LISTED]
    )
    pending = (
        PendingChange.objects.filter(
            content_type__app_label="dialogue", content_type__model__in=content_types
        )
        .select_related("saved_by", "content_type")
        .order_by("-saved_at")[:LISTED]
    )
    return {
        "editorial_drafts": drafts,
        "editorial_pending": [
            {
                "record": change.object_repr,
                "label": change.content_type.model_class()._meta.verbose_name,
                "changes": change.describe(),
                "user": change.saved_by.get_username() if change.saved_by else "—",
                "when": change.saved_at,
                "url": admin_url(
                    change.content_type.model_class(), "change", change.object_id
                ),
            }
            for change in pending
        ],
        "editorial_scheduled": [
            {
                "when": when,
                "what": what,
                "label": model._meta.verbose_name,
                "record": str(record),
                "url": admin_url(model, "change", record.pk),
            }
            for when, what, model, record in scheduled[:LISTED]
        ],
        "editorial_recent": recent,
    }
