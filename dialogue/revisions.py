"""Revisions of every record: who changed what, when, and the way back.

django-reversion keeps each saved state of a record as a *version* (the record
serialized as a fixture would be, its links to sources included), grouped in
*revisions* with a user, a time and a comment. A meeting's versions follow its
attendees, pledges and photos, a document's its points and files, so reverting
one brings its children back with it. A file's or photo's version holds the name
it is stored under: stored files are never deleted (not by a revert, not by a
delete), so a version brought back finds its file. django-reversion-compare
shows two versions side by side (dialogue/history_admin.py); an import is one
revision that can be undone (dialogue/csv/changeset.py, dialogue/csv/undo.py).

Chosen over django-simple-history because a revision groups several records
(a meeting with its attendees, a whole import) and reverts them together in one
transaction; simple-history keeps one history table per model and reverts one
row at a time.
"""

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.deletion import Collector
from django.utils import timezone
from reversion.models import Revision, Version

from .models import (
    Attendance,
    Country,
    Document,
    DocumentFile,
    DocumentPoint,
    Meeting,
    Page,
    Person,
    Photo,
    Pledge,
    Source,
)

#: The children each record's versions carry along.
FOLLOW = {
    Meeting: ("attendances", "pledges", "photos"),
    Document: ("points", "files"),
}

#: Every kind of record with a history.
VERSIONED = (
    Source,
    Country,
    Person,
    Meeting,
    Attendance,
    Pledge,
    Document,
    DocumentPoint,
    DocumentFile,
    Photo,
    Page,
)

#: Fields the history leaves out: derived from the others, or the clock's.
NOT_COMPARED = ("search_text", "search_name", "created_at", "updated_at")


#: What each kind's name (its versions' ``object_repr``) reads.
NAMED_BY = {
    Attendance: ("person", "country", "meeting"),
    Pledge: ("donor",),
    DocumentPoint: ("document",),
    DocumentFile: ("document",),
}


def versioned(model):
    """The records of ``model`` with what their versions read (their names, their
    sources, their children) in a few queries, not a few per record."""
    queryset = model._base_manager.select_related(*NAMED_BY.get(model, ()))
    lookups = []
    if any(field.name == "sources" for field in model._meta.many_to_many):
        lookups.append(Prefetch("sources", queryset=Source.objects.only("pk")))
    for name in FOLLOW.get(model, ()):
        child = model._meta.get_field(name).related_model
        lookups.append(Prefetch(name, queryset=versioned(child)))
    return queryset.prefetch_related(*lookups)


def register():
    for model in VERSIONED:
        if not reversion.is_registered(model):
            reversion.register(model, follow=FOLLOW.get(model, ()))


register()


def with_children(obj):
    """The record and the children its versions follow."""
    yield obj
    for name in FOLLOW.get(type(obj), ()):
        yield from getattr(obj, name).all()


def version_key(obj):
    return (obj._meta.label_lower, str(obj.pk))


def make_version(obj):
    """A version of ``obj`` as it is now, as django-reversion writes one (its
    default options: JSON, database ids)."""
    return Version(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        db="default",
        format="json",
        serialized_data=serializers.serialize("json", (obj,)),
        object_repr=str(obj)[:191],
    )


def save_snapshot(versions, *, comment, user=None, date_created=None):
    """A revision of its own for ``versions`` (made by :func:`make_version`), saved
    at once, also inside another revision's block, whose records django-reversion
    would otherwise merge into that revision (needed for the state before an
    import, and before a record's first recorded change)."""
    if not versions:
        return None
    revision = Revision.objects.create(
        user=user, comment=comment, date_created=date_created or timezone.now()
    )
    for version in versions:
        version.revision = revision
    Version.objects.bulk_create(versions)
    return revision


BASELINE_COMMENT = "As it was before its first recorded change."


def ensure_baseline(objects, user=None):
    """Record the current state of the records that have no version yet (added
    before revisions were kept, or by a fixture), so that their first recorded
    change can be reverted."""
    objects = list(objects)
    if not objects:
        return None
    model = type(objects[0])
    content_type = ContentType.objects.get_for_model(model)
    known = set(
        Version.objects.filter(
            content_type=content_type, object_id__in=[str(o.pk) for o in objects]
        ).values_list("object_id", flat=True)
    )
    versions, seen = [], set()
    for obj in objects:
        if str(obj.pk) in known:
            continue
        for record in with_children(obj):
            if version_key(record) not in seen:
                seen.add(version_key(record))
                versions.append(make_version(record))
    return save_snapshot(versions, comment=BASELINE_COMMENT, user=user)


def revert_record(version, delete=False):
    """Restore the record of ``version`` and the children saved with it, in one
    transaction; with ``delete``, its children added since are deleted, as
    django-reversion's ``Revision.revert(delete=True)`` does for a whole revision.
    Hand-written, as the library reverts every record of a revision: a whole
    import, or every record of a bulk action."""
    model = version._model
    children = []
    for name in FOLLOW.get(model, ()):
        relation = model._meta.get_field(name)
        content_type = ContentType.objects.get_for_model(relation.related_model)
        parent = relation.field.attname
        children += [
            child
            for child in version.revision.version_set.filter(content_type=content_type)
            if str(child.field_dict.get(parent)) == version.object_id
        ]
    with transaction.atomic(using=version.db):
        obj = model._base_manager.filter(pk=version.object_id).first()
        if delete and obj is not None:
            kept = {(child._model, child.object_id) for child in children}
            added = [
                record
                for record in with_children(obj)
                if record is not obj and (type(record), str(record.pk)) not in kept
            ]
            for record in added:
                collector = Collector(using=version.db)
                collector.collect([record])
                collector.delete()
        version.revert()
        for child in children:
            child.revert()
