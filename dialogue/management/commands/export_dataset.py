"""``manage.py export_dataset DIR``: write the dataset's CSV files."""

from django.core.management.base import BaseCommand

from dialogue.csv.dataset import export_dataset


class Command(BaseCommand):
    help = (
        "Write the five files (countries.csv, sources.csv, meetings.csv, "
        "attendees.csv, pledges.csv, with their extension columns) and people.csv, "
        "documents.csv, document_points.csv and pages.csv into DIR (created if "
        "missing), in the format of docs/csv-format.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")

    def handle(self, directory, **options):
        for file_name, rows in export_dataset(directory).items():
            self.stdout.write(f"{file_name}: {rows} rows")
        self.stdout.write(self.style.SUCCESS(f"Exported the dataset to {directory}"))
