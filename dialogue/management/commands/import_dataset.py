"""``manage.py import_dataset DIR [--dry-run]``: import the dataset's files at once."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_permission_codename, get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import Truncator
from tqdm import tqdm

from dialogue.csv.dataset import FULL_DATASET, import_dataset
from dialogue.csv.files import NO_ROWS
from dialogue.csv.results import ProblemReport

#: Files with at least this many rows get a progress bar (on a terminal).
PROGRESS_FROM_ROWS = 500
#: Old and new values are shortened to this many characters, as in the admin's
#: preview, unless -v 2 or more asks for them in full.
SHOWN_CHARACTERS = 80


def import_permission(model):
    """The permission the admin asks for to import ``model``'s records."""
    codename = get_permission_codename(
        settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE, model._meta
    )
    return f"{model._meta.app_label}.{codename}"


def shown(value, verbosity):
    return value if verbosity >= 2 else Truncator(value).chars(SHOWN_CHARACTERS)


class Command(BaseCommand):
    help = (
        "Import sources.csv, countries.csv, meetings.csv, people.csv, attendees.csv, "
        "pledges.csv, documents.csv, document_points.csv and pages.csv from DIR, in "
        "that order and in one transaction: if any row of any file has a problem, "
        "nothing is saved. Files that are absent are left out. Every new and changed "
        "row is listed, as in the admin's preview (old and new values shortened to "
        "80 characters; -v 2 shows them in full, -v 3 lists the unchanged rows too, "
        "-v 0 only the counts)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check everything and report what would change; save nothing.",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help=(
                "Record the import in the admin history under this user, who must "
                "be active and allowed to import each file's records. Without it, "
                "the first active superuser is recorded; with none, the import is "
                "not recorded."
            ),
        )

    def handle(self, directory, dry_run=False, user=None, verbosity=1, **options):
        path = Path(directory)
        if not path.is_dir():
            raise CommandError(f"{directory} is not a directory.")
        names = [resource.file_name for resource in FULL_DATASET]
        if not any((path / name).exists() for name in names):
            raise CommandError(
                f"{directory} holds none of the dataset's files: {', '.join(names)}."
            )
        present = [r for r in FULL_DATASET if (path / r.file_name).exists()]
        recorded_as = self.history_user(user, present)
        report = import_dataset(
            path, dry_run=dry_run, progress=self.progress_bar, user=recorded_as
        )
        for name in report.ignored:
            self.stderr.write(
                f"{name}: ignored, not one of the dataset's files ({', '.join(names)})."
            )
        for file_report in report.files:
            self.write_file_report(file_report, verbosity)
        if report.failed:
            raise CommandError(
                f"Nothing was imported: {report.problem_count} "
                f"problem{'s' if report.problem_count != 1 else ''} to fix first."
            )
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))
        elif recorded_as is None:
            self.stdout.write(
                self.style.WARNING(
                    "Imported the dataset. It is not in the admin history: there is "
                    "no active superuser to record it under; name a user with --user."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "Imported the dataset; recorded in the admin history as "
                    f"{recorded_as.get_username()}."
                )
            )

    def history_user(self, username, resources):
        """Who the admin history records: --user, else the first active superuser."""
        users = get_user_model()._default_manager.filter(is_active=True)
        if username is None:
            return users.filter(is_superuser=True).order_by("pk").first()
        user = users.filter(**{get_user_model().USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(
                f'No active user "{username}": name an existing, active user with '
                "--user."
            )
        refused = [
            resource.file_name
            for resource in resources
            if not user.has_perm(import_permission(resource._meta.model))
        ]
        if refused:
            raise CommandError(
                f"{username} may not import {', '.join(refused)}: importing needs "
                "the import permission of each kind of record (the Data stewards "
                "group has them all)."
            )
        return user

    def write_file_report(self, file_report, verbosity):
        name = file_report.file_name
        if file_report.missing:
            self.stdout.write(f"{name}: not present, left out")
            return
        if file_report.skipped_because:
            self.stderr.write(f"{name}: {file_report.skipped_because}")
            return
        if file_report.problems:
            count = len(file_report.problems)
            self.stderr.write(
                self.style.ERROR(f"{name}: {count} problem{'s' if count != 1 else ''}")
            )
            for line in ProblemReport(file_report.problems).lines():
                self.stderr.write(f"  {line}")
            return
        if file_report.empty:
            self.stdout.write(f"{name}: {NO_ROWS}")
            return
        result = file_report.result
        self.stdout.write(f"{name}: {result.total_rows} rows: {result.summary()}")
        for note in result.notes:
            self.stdout.write(self.style.WARNING(f"  {note}"))
        if verbosity < 1:
            return
        for row in result.rows:
            if row.is_new():
                self.stdout.write(f"  Line {row.line}: new: {row.key}")
            elif row.is_update():
                changes = "; ".join(
                    f"{column}: “{shown(old, verbosity)}” → “{shown(new, verbosity)}”"
                    for column, old, new in row.changes
                )
                self.stdout.write(f"  Line {row.line}: updated: {row.key} ({changes})")
            elif verbosity >= 3:
                self.stdout.write(f"  Line {row.line}: unchanged: {row.key}")

    def progress_bar(self, file_name, total):
        stream = getattr(self.stderr, "_out", self.stderr)
        shown = total >= PROGRESS_FROM_ROWS and stream.isatty()
        return tqdm(
            total=total,
            desc=file_name,
            unit=" rows",
            file=stream,
            disable=not shown,
            leave=False,
        )
