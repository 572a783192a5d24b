"""Undo an import: every record it created deleted, every record it changed back
as it was before, in one transaction, or nothing at all with the reason.

django-reversion restores the records (``Revision.revert`` of the state before the
import, :mod:`.changeset`) and Django's deletion ``Collector`` says what deleting the
created records would take along. Hand-written, as neither library has it: the
check that no record was edited since the import, and that deleting the created
records takes nothing an editor added since.
"""

import json

import reversion
from django.apps import apps
from django.core import serializers
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.formats import date_format
from reversion.models import Version

from ..cache import bump_content_version
from ..models import ImportChangeSet, Source
from ..revisions import NOT_COMPARED, version_key

#: The order in which created records are deleted: children before parents.
DELETE_ORDER = (
    "dialogue.documentpoint",
    "dialogue.pledge",
    "dialogue.attendance",
    "dialogue.document",
    "dialogue.page",
    "dialogue.meeting",
    "dialogue.person",
    "dialogue.country",
    "dialogue.source",
)

#: How many conflicting records a refusal names; the rest are counted.
NAMED = 20


class UndoRefused(Exception):
    """Why an import cannot be undone, in the editor's words."""


def comparable_fields(serialized):
    """A version's field values, comparable with another's (links as sets)."""
    fields = json.loads(serialized)[0]["fields"]
    return {
        name: sorted(value) if isinstance(value, list) else value
        for name, value in fields.items()
        if name not in NOT_COMPARED
    }


def _describe(model, name):
    return f"the {model._meta.verbose_name} “{name}”"


def _later_change(model, object_id, since):
    """ " (by USER on DATE)" for the first recorded change after ``since``."""
    version = (
        Version.objects.get_for_object_reference(model, object_id)
        .filter(revision__date_created__gt=since)
        .select_related("revision__user")
        .order_by("revision__date_created")
        .first()
    )
    if version is None:
        return ""
    user = version.revision.user
    when = date_format(timezone.localtime(version.revision.date_created), "j F Y H:i")
    return f" (by {user.get_username()} on {when})" if user else f" (on {when})"


def edited_since(change_set):
    """The records of the import changed or deleted since it, each named."""
    since = change_set.revision.date_created
    watched = {tuple(key) for key in change_set.created}
    if change_set.before is not None:
        watched |= {
            (v.content_type.model_class()._meta.label_lower, v.object_id)
            for v in change_set.before.version_set.select_related("content_type")
        }
    problems = []
    for version in change_set.revision.version_set.select_related("content_type"):
        model = version.content_type.model_class()
        key = (model._meta.label_lower, version.object_id)
        if key not in watched:
            continue
        obj = model._base_manager.filter(pk=version.object_id).first()
        if obj is None:
            problems.append(
                f"{_describe(model, version.object_repr)} was deleted"
                f"{_later_change(model, version.object_id, since)}"
            )
        elif comparable_fields(
            serializers.serialize("json", (obj,))
        ) != comparable_fields(version.serialized_data):
            problems.append(
                f"{_describe(model, str(obj))} was changed"
                f"{_later_change(model, version.object_id, since)}"
            )
    return problems


def _owner_of(link):
    """The record holding a link to a source (the other end of the row)."""
    for field in link._meta.concrete_fields:
        if field.is_relation and field.related_model is not Source:
            return getattr(link, field.name)
    return None


def _taken_along(collector, created):
    """What deleting the created records would also delete that the import did
    not create: records and source links added since."""
    problems = []
    found = [(model, list(objs)) for model, objs in collector.data.items()]
    for queryset in collector.fast_deletes:
        found.append((queryset.model, list(queryset)))
    for model, objs in found:
        for obj in objs:
            if model._meta.auto_created:  # a link to a source
                owner = _owner_of(obj)
                if owner is not None and version_key(owner) not in created:
                    problems.append(
                        f"{_describe(type(owner), str(owner))} now cites "
                        f"the source “{obj.source}” the import added"
                    )
            elif version_key(obj) not in created:
                problems.append(
                    f"{_describe(model, str(obj))} was added since and would "
                    "be deleted with the records the import added"
                )
    return problems


def _delete_created(change_set):
    created = {tuple(key) for key in change_set.created}
    by_model = {}
    for label, pk in created:
        by_model.setdefault(label, []).append(pk)
    for label in sorted(by_model, key=DELETE_ORDER.index):
        model = apps.get_model(label)
        objs = list(model._base_manager.filter(pk__in=by_model[label]))
        if not objs:
            continue
        using = router.db_for_write(model) or DEFAULT_DB_ALIAS
        collector = Collector(using=using)
        try:
            collector.collect(objs)
        except (ProtectedError, RestrictedError) as exc:
            blocking = getattr(exc, "protected_objects", None) or getattr(
                exc, "restricted_objects", ()
            )
            raise UndoRefused(
                _refusal(
                    f"{_describe(type(obj), str(obj))} refers to a record the "
                    "import added"
                    for obj in blocking
                )
            ) from None
        problems = _taken_along(collector, created)
        if problems:
            raise UndoRefused(_refusal(problems))
        collector.delete()


def _refusal(problems):
    problems = list(problems)
    shown = "; ".join(problems[:NAMED])
    more = len(problems) - NAMED
    if more > 0:
        shown += f"; and {more} more"
    return (
        "This import cannot be undone, because records it wrote were edited "
        f"after it: {shown}. Undo or revert those edits first, or correct the "
        "records by hand."
    )


def undo_import(change_set, user):
    """Undo ``change_set``'s import as ``user``; raises :class:`UndoRefused`,
    having changed nothing, when it cannot."""
    with transaction.atomic():
        change_set = (
            ImportChangeSet.objects.select_for_update(of=("self",))
            .select_related("revision", "before")
            .get(pk=change_set.pk)
        )
        if change_set.undone_at is not None:
            raise UndoRefused("This import has already been undone.")
        problems = edited_since(change_set)
        if problems:
            raise UndoRefused(_refusal(problems))
        with reversion.create_revision(atomic=False):
            reversion.set_user(user)
            reversion.set_comment(f"Undid the import of {change_set.file_names}.")
            if change_set.before is not None:
                change_set.before.revert()
                for version in change_set.before.version_set.all():
                    obj = version.object
                    if obj is not None:
                        reversion.add_to_revision(obj)
            _delete_created(change_set)
        change_set.undone_at = timezone.now()
        change_set.undone_by = user
        change_set.save(update_fields=["undone_at", "undone_by"])
        bump_content_version()
    return change_set
