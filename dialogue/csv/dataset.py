"""The dataset as a whole: which files, in which order, and the admin history of
an import."""

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from .resources import (
    AttendanceResource,
    CountryResource,
    DocumentPointResource,
    DocumentResource,
    MeetingResource,
    PageResource,
    PersonResource,
    PledgeResource,
    SourceResource,
)

#: The five files of the contract (also the public dataset's files).
DATASET = (
    CountryResource,
    SourceResource,
    MeetingResource,
    AttendanceResource,
    PledgeResource,
)

#: Every file the dataset commands write and read — the five, and people,
#: documents, their points and pages — in the order they must be imported.
FULL_DATASET = (
    SourceResource,
    CountryResource,
    MeetingResource,
    PersonResource,
    AttendanceResource,
    PledgeResource,
    DocumentResource,
    DocumentPointResource,
    PageResource,
)

#: Which files each file's rows refer to.
DEPENDS_ON = {
    "sources.csv": (),
    "countries.csv": ("sources.csv",),
    "meetings.csv": ("countries.csv", "sources.csv"),
    "people.csv": (),
    "attendees.csv": ("meetings.csv", "countries.csv", "people.csv"),
    "pledges.csv": ("countries.csv", "meetings.csv", "sources.csv"),
    "documents.csv": ("meetings.csv", "people.csv", "sources.csv"),
    "document_points.csv": ("documents.csv",),
    "pages.csv": ("sources.csv",),
}


def log_import(model, result, user, file_name, where=""):
    """Record an import of ``file_name`` in the admin history, under ``user``: one
    entry per added or changed record, and one for the import with its counts.

    ``where`` is added to the import's entry, e.g. " on the command line".
    """
    content_type = ContentType.objects.get_for_model(model)
    entries = []
    for row in result.rows:
        if row.is_new():
            flag, message = ADDITION, f"Added by importing {file_name}."
        elif row.is_update():
            columns = ", ".join(column for column, _old, _new in row.changes)
            flag = CHANGE
            message = f"Changed {columns} by importing {file_name}."
        else:
            continue
        entries.append(
            LogEntry(
                user_id=user.pk,
                content_type=content_type,
                object_id=str(row.instance.pk),
                object_repr=str(row.object_repr)[:200],
                action_flag=flag,
                change_message=message,
            )
        )
    entries.append(
        LogEntry(
            user_id=user.pk,
            content_type=content_type,
            object_id=None,
            object_repr=f"Import of {file_name}"[:200],
            action_flag=CHANGE,
            change_message=(
                f"Imported {file_name} ({result.total_rows} rows){where}: "
                f"{result.summary()}."
            ),
        )
    )
    LogEntry.objects.bulk_create(entries, batch_size=500)
