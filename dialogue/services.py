"""Writes that touch several models: the whole dataset in and out as CSV files."""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .cache import bump_content_version
from .csv.dataset import DEPENDS_ON, FULL_DATASET, log_import
from .csv.files import CsvFileError, read_csv, write_csv
from .csv.results import Problem


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
    with transaction.atomic():
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
            if result.failed:
                failed.add(name)
        if failed or dry_run:
            transaction.set_rollback(True)
        else:
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
