"""Each import as one change set: a revision of every record it created or changed
(as the import left them), and one of the records it changed as they were before.

The import writes in bulk (``bulk_create``, ``bulk_update``), which sends no save
signals: :class:`ImportRecorder` adds each written record to the revision itself,
and reads the records a batch will change from the database just before the batch
is written. :func:`recording_import` opens the revision; the resources
(:mod:`.base`) find the recorder with :func:`current`. Undo: :mod:`.undo`.
"""

import contextlib
from contextvars import ContextVar

import reversion
from django.db import transaction
from django.utils import timezone
from import_export.results import RowResult

from ..models import ImportChangeSet
from ..revisions import (
    make_version,
    save_snapshot,
    version_key,
    versioned,
    with_children,
)

_recorder = ContextVar("capj_import_recorder", default=None)


def current():
    """The recorder of the import under way, or None (a preview, a dry run)."""
    return _recorder.get()


class ImportRecorder:
    def __init__(self, user):
        self.user = user
        self.started = timezone.now()
        #: The state before the import of each record it changes, by key.
        self.before = {}
        #: The keys of the records it creates.
        self.created = set()

    def before_update(self, model, instances):
        """Remember the records of a batch, and their children, as the database
        has them before the batch is written; the first state seen wins."""
        pks = [obj.pk for obj in instances]
        for obj in versioned(model).filter(pk__in=pks).order_by("pk"):
            for record in with_children(obj):
                key = version_key(record)
                if key not in self.before and key not in self.created:
                    self.before[key] = make_version(record)

    def written(self, instances, new):
        """Add the records just written to the import's revision, as the database
        has them (a decimal or date as stored, not as read from the file)."""
        if not instances:
            return
        model = type(instances[0])
        pks = [obj.pk for obj in instances]
        for obj in versioned(model).filter(pk__in=pks).order_by("pk"):
            if new:
                self.created.add(version_key(obj))
            reversion.add_to_revision(obj)

    def finish(self, file_names, results):
        """Describe the import's revision and save the state before it; called
        once every file has been imported without a problem."""
        totals = dict.fromkeys(RowResult.valid_import_types, 0)
        for result in results:
            for kind in totals:
                totals[kind] += result.totals[kind]
        names = ", ".join(file_names)
        summary = (
            f"{totals[RowResult.IMPORT_TYPE_NEW]} new, "
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]} updated, "
            f"{totals[RowResult.IMPORT_TYPE_SKIP]} unchanged"
        )
        before = save_snapshot(
            list(self.before.values()),
            comment=f"Before importing {names}.",
            user=self.user,
            date_created=self.started,
        )
        reversion.set_comment(f"Imported {names}: {summary}.")
        reversion.add_meta(
            ImportChangeSet,
            before=before,
            file_names=names[:500],
            rows_new=totals[RowResult.IMPORT_TYPE_NEW],
            rows_updated=totals[RowResult.IMPORT_TYPE_UPDATE],
            rows_unchanged=totals[RowResult.IMPORT_TYPE_SKIP],
            created=sorted(list(key) for key in self.created),
        )


@contextlib.contextmanager
def recording_import(user):
    """One transaction and one revision for an import: the caller imports, then
    calls the recorder's ``finish`` or rolls the transaction back."""
    recorder = ImportRecorder(user)
    token = _recorder.set(recorder)
    try:
        with transaction.atomic(), reversion.create_revision(atomic=False):
            if user is not None:
                reversion.set_user(user)
            yield recorder
    finally:
        _recorder.reset(token)
