"""What every file's resource shares: all-or-nothing, fast, every problem named."""

import difflib
from collections import defaultdict

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError
from django.utils import timezone
from import_export import resources
from import_export.results import Error, RowResult

from ..models import Country, Person, Source
from .results import (
    CsvInstanceLoader,
    CsvResult,
    CsvRowResult,
    ImportProblem,
    Problem,
)
from .widgets import PersonWidget, _slug


class CsvResource(resources.ModelResource):
    """What every file's resource shares: all-or-nothing, fast, every problem named."""

    #: File name used by the dataset commands.
    file_name = ""
    #: Columns identifying a row.
    key_columns = ()
    #: Columns after the contract's, for what the public pages show and the
    #: contract has no column for: written only by ``export_dataset`` (with
    #: ``with_extensions``), read by every import when the file has them.
    extension_columns = ()

    class Meta:
        instance_loader_class = CsvInstanceLoader
        skip_unchanged = True
        report_skipped = True
        skip_diff = True
        store_instance = True
        use_bulk = True
        batch_size = 1000
        use_transactions = True

    def __init__(self, with_extensions=False, **kwargs):
        super().__init__(**kwargs)
        self.with_extensions = with_extensions
        self.existing = {}
        self.seen = {}
        self.failed = False
        self.progress = None
        self.line_numbers = None
        self.row_changes = []
        self.new_people = {}

    @classmethod
    def columns(cls):
        """The contract's columns, in order."""
        return [name for name in cls._meta.fields if name not in cls.extension_columns]

    @classmethod
    def get_display_name(cls):
        return cls.file_name

    @classmethod
    def get_result_class(cls):
        return CsvResult

    @classmethod
    def get_row_result_class(cls):
        return CsvRowResult

    def get_import_id_fields(self):
        return list(self.key_columns)

    def get_bulk_update_fields(self):
        names = ["updated_at"]
        for field in self.get_import_fields():
            names.extend(name for name in field.model_fields() if name not in names)
        return names

    # The header -------------------------------------------------------------

    def header_problems(self, headers):
        expected = self.columns()
        allowed = expected + list(self.extension_columns)
        headers = list(headers or [])
        problems = []
        if len(headers) == 1 and (";" in headers[0] or "\t" in headers[0]):
            return [
                "The columns are separated by semicolons or tabs: this import needs "
                "commas. Save the file as “CSV UTF-8 (comma delimited)”. The header "
                f"row must be: {','.join(expected)}"
            ]
        for name in sorted({h for h in headers if headers.count(h) > 1}):
            problems.append(f'Line 1: the column "{name}" appears more than once.')
        for index, name in enumerate(headers, 1):
            if not name:
                problems.append(
                    f"Line 1: column {index} has no name. Delete that column, or "
                    "give it one of the names below."
                )
        unknown = [h for h in headers if h and h not in allowed]
        for name in unknown:
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            hint = f' Did you mean "{close[0]}"?' if close else ""
            problems.append(f'Line 1: unknown column "{name}".{hint}')
        missing = [name for name in expected if name not in headers]
        for name in missing:
            problems.append(f'Line 1: the column "{name}" is missing.')
        if problems:
            optional = ",".join(self.extension_columns)
            problems.append(
                f"The header row of {self.file_name} must be: {','.join(expected)}"
                + (f" (optionally followed by {optional})" if optional else "")
            )
        return problems

    # Import ---------------------------------------------------------------

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=True,
        **kwargs,
    ):
        header_problems = self.header_problems(dataset.headers)
        if header_problems:
            result = self.get_result_class()()
            result.total_rows = len(dataset)
            for problem in header_problems:
                result.append_base_error(Error(ImportProblem(problem)))
            return result
        result = super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=rollback_on_validation_errors,
            **kwargs,
        )
        result.line_numbers = getattr(dataset, "line_numbers", None)
        result.file_name = kwargs.get("file_name") or self.file_name
        result.notes = self.new_people_notes()
        return result

    #: Comparisons of new names with known ones (about 2 µs each) an import may
    #: spend on "did you mean" hints; beyond it, only names differing in case or
    #: Unicode form from a known one get a hint.
    HINT_BUDGET = 500_000

    def new_people_notes(self):
        """A note for each person the file names for the first time: created by
        the import, which is right for a new person and wrong for a misspelling."""
        if not self.new_people:
            return []
        notes = []
        for name, (line, column, widget) in self.new_people.items():
            close = len(self.new_people) * len(widget.by_name) <= self.HINT_BUDGET
            suggestion = widget.suggestion(name, close=close)
            hint = f' Did you mean "{suggestion}"?' if suggestion else ""
            notes.append(Problem(f'new person "{name}".{hint}', line, column))
        return notes

    def before_import(self, dataset, **kwargs):
        self.progress = kwargs.get("progress")
        self.line_numbers = getattr(dataset, "line_numbers", None)
        self.failed = False
        self.seen = {}
        self.new_people = {}
        self.load(dataset)

    def load(self, dataset):
        """Load what the rows refer to, and the existing records, in a few queries."""
        self.existing = {
            self.instance_key(obj): obj for obj in self.existing_queryset()
        }

    def existing_queryset(self):
        return self._meta.model.objects.all()

    def instance_key(self, obj):
        raise NotImplementedError

    def row_key(self, row):
        """The key of the existing record a row refers to, from its raw cells."""
        return tuple((row.get(column) or "").strip() for column in self.key_columns)

    def find_existing(self, row):
        return self.existing.get(self.row_key(row))

    def line_of(self, row_number):
        if self.line_numbers and 0 < row_number <= len(self.line_numbers):
            return self.line_numbers[row_number - 1]
        return row_number + 1

    def import_row(self, row, instance_loader, **kwargs):
        self.current_line = self.line_of(kwargs.get("row_number", 0))
        self.row_changes = []
        row_result = super().import_row(row, instance_loader, **kwargs)
        row_result.line = self.current_line
        if row_result.import_type == RowResult.IMPORT_TYPE_UPDATE:
            row_result.changes = self.row_changes
        if row_result.import_type in (
            RowResult.IMPORT_TYPE_ERROR,
            RowResult.IMPORT_TYPE_INVALID,
        ):
            self.failed = True
        else:
            row_result.key = self.describe_key(row_result)
        if self.progress is not None:
            self.progress.update(1)
        return row_result

    def describe_key(self, row_result):
        return row_result.object_repr or ""

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        is_new = instance.pk is None
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue  # an extension column the file does not have
            try:
                value = field.parse(row)
            except ValueError as exc:
                errors[field.column_name] = [str(exc)]
                continue
            if (
                isinstance(field.widget, PersonWidget)
                and value is not None
                and value.pk is None
                and value.name not in self.new_people
            ):
                self.new_people[value.name] = (
                    self.current_line,
                    field.column_name,
                    field.widget,
                )
            old = None if is_new else field.current(instance)
            if is_new or old != value:
                if not is_new:
                    self.row_changes.append(
                        (field.column_name, field.render(old), field.render(value))
                    )
                field.assign(instance, value)
        if not errors:
            key = self.file_key(instance)
            if key is not None:
                if key in self.seen:
                    column, message = self.duplicate_message(instance, self.seen[key])
                    errors[column] = [message]
                else:
                    self.seen[key] = self.current_line
        if errors:
            raise ValidationError(errors)

    def file_key(self, instance):
        """What may appear only once in a file."""
        return tuple(getattr(instance, column) for column in self.key_columns)

    def duplicate_message(self, instance, first_line):
        raise NotImplementedError

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return (
            not import_validation_errors
            and instance.pk is not None
            and not self.row_changes
        )

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        errors = {
            key: list(value) for key, value in (import_validation_errors or {}).items()
        }
        if not errors:
            for column, message in self.check(instance):
                errors.setdefault(column or NON_FIELD_ERRORS, []).append(message)
        if errors:
            raise ValidationError(errors)

    def check(self, instance):
        """Rules across columns and rows; yields ``(column, message)``."""
        return ()

    def before_save_instance(self, instance, row, **kwargs):
        instance.updated_at = timezone.now()

    # Bulk writes, skipped once a row has failed: nothing will be kept anyway.

    def bulk_create(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        if self.failed or (result and result.base_errors):
            self.create_instances.clear()
            return
        created = list(self.create_instances)
        self.save_new_people(created)
        super().bulk_create(
            using_transactions, dry_run, raise_errors, batch_size, result
        )
        if result is None or not result.base_errors:
            self.save_sources(created, new=True, result=result)

    def save_new_people(self, instances):
        """People named for the first time in this file are created first, for new
        and updated rows alike (a document's author may change to a new name)."""
        columns = [
            field.attribute
            for field in self.get_import_fields()
            if isinstance(field.widget, PersonWidget)
        ]
        people = {
            id(person): person
            for obj in instances
            for person in (getattr(obj, column) for column in columns)
            if person is not None and person.pk is None
        }
        if people:
            Person.objects.bulk_create(list(people.values()))

    def bulk_update(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        if self.failed or (result and result.base_errors):
            self.update_instances.clear()
            return
        updated = list(self.update_instances)
        self.save_new_people(updated)
        super().bulk_update(
            using_transactions, dry_run, raise_errors, batch_size, result
        )
        if result is None or not result.base_errors:
            self.save_sources(updated, new=False, result=result)

    def save_sources(self, instances, new, result):
        if "sources" not in self.fields:
            return
        through = self._meta.model.sources.through
        owner = f"{self._meta.model._meta.model_name}_id"
        changed = [
            obj for obj in instances if getattr(obj, "_csv_sources_changed", False)
        ]
        if not changed:
            return
        try:
            if not new:
                through.objects.filter(
                    **{f"{owner}__in": [o.pk for o in changed]}
                ).delete()
            through.objects.bulk_create(
                [
                    through(**{owner: obj.pk, "source_id": source.pk})
                    for obj in changed
                    for source in obj._csv_sources
                ],
                batch_size=1000,
            )
        except DatabaseError as exc:
            self.handle_import_error(result, exc)

    def handle_import_error(self, result, error, raise_errors=False):
        if isinstance(error, DatabaseError):
            error = _explain_database_error(self._meta.model, error)
        self.failed = True
        super().handle_import_error(result, error, raise_errors)

    # Export -----------------------------------------------------------------

    #: Rows are exported in the order they were created, so that a file imported
    #: into an empty database creates them in the same order again.
    export_ordering = ("pk",)
    export_related = ()

    def get_queryset(self):
        return self._meta.model.objects.order_by(*self.export_ordering)

    def get_export_fields(self, selected_fields=None):
        fields_ = super().get_export_fields(selected_fields)
        if self.with_extensions:
            return fields_
        return [f for f in fields_ if f.column_name not in self.extension_columns]

    def iter_queryset(self, queryset):
        queryset = queryset.select_related(*self.export_related)
        exported = {field.column_name for field in self.get_export_fields()}
        if "sources" in exported:
            sources = _sources_by_owner(self._meta.model, queryset)
            for obj in queryset.iterator(chunk_size=2000):
                obj._csv_sources = sources.get(obj.pk, ())
                yield obj
        else:
            yield from queryset.iterator(chunk_size=2000)


def _explain_database_error(model, error):
    text = str(error)
    for constraint in model._meta.constraints:
        if constraint.name in text:
            return ImportProblem(
                "The database refused the changes, so nothing was saved: "
                f"{constraint.violation_error_message % {'name': constraint.name}} "
                f"({constraint.name})"
            )
    return error


def _sources_by_owner(model, queryset):
    """Each record's sources in one query over the many-to-many table."""
    through = model.sources.through
    owner = f"{model._meta.model_name}_id"
    rows = (
        through.objects.filter(**{f"{owner}__in": queryset.order_by().values("pk")})
        .select_related("source")
        .order_by(owner, "source__slug")
    )
    by_owner = defaultdict(list)
    for link in rows.iterator(chunk_size=5000):
        by_owner[getattr(link, owner)].append(link.source)
    return {key: tuple(value) for key, value in by_owner.items()}


def _load_sources(resource, owners=True):
    """The source map for the sources column, and each existing record's sources."""
    lookup = {source.slug: source for source in Source.objects.all()}
    resource.fields["sources"].widget.load(lookup)
    if owners:
        model = resource._meta.model
        through = model.sources.through
        owner = f"{model._meta.model_name}_id"
        by_owner = defaultdict(list)
        for owner_id, source_id in through.objects.values_list(owner, "source_id"):
            by_owner[owner_id].append(source_id)
        by_pk = {source.pk: source for source in lookup.values()}
        for obj in resource.existing.values():
            obj._csv_sources = tuple(
                sorted((by_pk[pk] for pk in by_owner.get(obj.pk, ())), key=_slug)
            )


def _countries():
    return {country.code: country for country in Country.objects.all()}
