"""The dataset as a whole, for the dataset commands: which files, in which order,
written to a directory and imported from one in a single transaction, and the
admin history of an import."""

from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from ..cache import bump_content_version
from .changeset import recording_import
from .files import CsvFileError, read_csv, write_csv
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
from .results import Problem

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

    Not the library's entries ("new through import_export" for each record, one
    message for all), since the history says which columns each row changed and
    how many rows the file had; all of them written in one statement.
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


def export_dataset(directory):
    """Write every file of the dataset into ``directory``, the five files with
    their extension columns; returns ``{file name: rows}``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for resource_class in FULL_DATASET:
        dataset = resource_class(with_extensions=True).export()
        path = directory / resource_class.file_name
        path.write_text(write_csv(dataset), encoding="utf-8", newline="")
        written[resource_class.file_name] = len(dataset)
    return written


@dataclass
class FileReport:
    file_name: str
    model: type = None
    result: object = None
    problems: list = field(default_factory=list)
    skipped_because: str = ""
    missing: bool = False
    #: A header and no rows: nothing to import (:data:`.files.NO_ROWS`).
    empty: bool = False

    @property
    def failed(self):
        return bool(self.problems)


@dataclass
class DatasetReport:
    files: list = field(default_factory=list)
    ignored: list = field(default_factory=list)
    dry_run: bool = False

    @property
    def failed(self):
        return any(report.failed or report.skipped_because for report in self.files)

    @property
    def problem_count(self):
        return sum(len(report.problems) for report in self.files)


def import_dataset(directory, dry_run=False, progress=None, user=None):
    """Import the CSV files in ``directory`` in dependency order, all or nothing.

    Every file present is checked and imported inside one transaction, which is
    rolled back if any file has a problem (or for a dry run). A file whose rows
    refer to a file with problems is not checked, as its references cannot be
    resolved. ``progress(file_name, total)`` may return a progress bar (an object
    with ``update(n)`` and ``close()``). Each file imported is recorded in the
    admin history under ``user``, as an import in the admin is (not without one).
    """
    directory = Path(directory)
    report = DatasetReport(dry_run=dry_run)
    expected = {resource.file_name for resource in FULL_DATASET}
    report.ignored = sorted(
        path.name
        for path in directory.iterdir()
        if path.suffix.lower() == ".csv" and path.name not in expected
    )
    failed = set()
    # One transaction, and one change set that "Undo this import" can take back.
    with recording_import(user) as recorder:
        for resource_class in FULL_DATASET:
            name = resource_class.file_name
            file_report = FileReport(name, resource_class._meta.model)
            report.files.append(file_report)
            path = directory / name
            if not path.exists():
                file_report.missing = True
                continue
            blocked = [dep for dep in DEPENDS_ON[name] if dep in failed]
            if blocked:
                file_report.skipped_because = (
                    f"not checked, because {' and '.join(blocked)} "
                    f"{'has' if len(blocked) == 1 else 'have'} problems"
                )
                failed.add(name)
                continue
            try:
                dataset = read_csv(path.read_bytes())
            except CsvFileError as exc:
                file_report.problems = [Problem(p) for p in exc.problems]
                failed.add(name)
                continue
            bar = progress(name, len(dataset)) if progress else None
            try:
                result = resource_class().import_data(
                    dataset,
                    dry_run=False,
                    use_transactions=True,
                    rollback_on_validation_errors=True,
                    file_name=name,
                    progress=bar,
                )
            finally:
                if bar is not None:
                    bar.close()
            file_report.result = result
            file_report.problems = result.problems()
            file_report.empty = not len(dataset)
            if result.failed:
                failed.add(name)
        if failed or dry_run:
            transaction.set_rollback(True)
        else:
            imported = [r for r in report.files if r.result is not None]
            recorder.finish(
                [r.file_name for r in imported], [r.result for r in imported]
            )
            if user is not None:
                for file_report in report.files:
                    if file_report.result is not None:
                        log_import(
                            file_report.model,
                            file_report.result,
                            user,
                            file_report.file_name,
                            where=" on the command line",
                        )
            bump_content_version()  # bulk writes send no model signals
    return report
