"""What every file's resource shares: all or nothing, fast, every problem named.

A row goes through django-import-export's own steps (``import_row``): its record is
found by the instance loader, each cell is read by its column's widget, the record
is checked by the model (``full_clean``) and queued for ``bulk_create`` or
``bulk_update`` (``use_bulk``). All of it happens in one transaction, rolled back
when anything at all is wrong (``rollback_on_validation_errors``). How the model's
checks reach a line and column: :mod:`.checks`.
"""

import difflib

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import ForeignKey
from django.utils import timezone
from import_export import resources
from import_export.instance_loaders import (
    BaseInstanceLoader,
    CachedInstanceLoader,
    ModelInstanceLoader,
)
from import_export.results import Error, RowResult

from ..models import Person, Searchable
from . import changeset
from .checks import ModelChecks
from .columns import Column
from .results import (
    CsvResult,
    CsvRowResult,
    ImportProblem,
    Problem,
    explain_database_error,
)
from .widgets import PersonWidget, TrueFalseWidget


class KeyLoader(CachedInstanceLoader):
    """The library's ``CachedInstanceLoader``: the records a file names, by its key
    column, in one query, and found by ``get_instance`` as the library does.

    Only its ``__init__`` is rewritten (measured need): the library's builds every
    row of the file as a dict three times over to read one column (0.09 s of CPU
    for 10,000 meetings, a twentieth of their import), and a file of many keys
    costs more as an ``IN`` list than reading the whole table (0.05 s for 10,000
    keys when none is in the database, 0.09 s more than the table when all are;
    SQLite refuses more than 250,000).
    """

    #: More keys than this, and the whole table is read instead.
    IN_LIST_LIMIT = 1000

    def __init__(self, resource, dataset=None):
        ModelInstanceLoader.__init__(self, resource, dataset)
        self.pk_field = resource.fields[resource.get_import_id_fields()[0]]
        self.all_instances = {}
        column = self.pk_field.column_name
        if dataset is not None and column in (dataset.headers or ()):
            keys = {self.pk_field.widget.clean(cell) for cell in dataset[column]}
            queryset = self.get_queryset()
            if len(keys) <= self.IN_LIST_LIMIT:
                queryset = queryset.filter(**{f"{self.pk_field.attribute}__in": keys})
            for obj in queryset:
                key = self.pk_field.get_value(obj)
                if key in keys:
                    self.all_instances[key] = obj


class NaturalKeyLoader(BaseInstanceLoader):
    """Existing records by a key of several columns, all loaded in one query
    (correctness rule: the library's ``CachedInstanceLoader`` takes a key of one
    column only)."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.existing = {
            resource.instance_key(obj): obj for obj in resource.get_queryset()
        }

    def get_instance(self, row):
        return self.existing.get(self.resource.row_key(row))


class CsvResource(ModelChecks, resources.ModelResource):
    """A file's resource: its columns, in the contract's order, and what it needs
    loaded before the first row."""

    #: File name used by the dataset commands.
    file_name = ""
    #: Columns after the contract's, for what the public pages show and the
    #: contract has no column for: written only by ``export_dataset`` (with
    #: ``with_extensions``), read by every import when the file has them.
    extension_columns = ()
    #: Foreign keys read with the records, for comparing and exporting them.
    related = ()
    #: The attribute naming a row in reports; else the record's ``str()``.
    key_attribute = None
    #: What the key is called in "appears twice" messages.
    key_noun = "slug"
    #: Columns a row must fill although the model accepts them empty.
    required_columns = ()

    #: Every file's last extension column (each resource lists it in its
    #: ``fields`` and ``extension_columns``): without it, new records are drafts
    #: and existing ones keep their flag.
    published = Column("published", TrueFalseWidget())

    class Meta:
        instance_loader_class = KeyLoader
        clean_model_instances = True
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
        self.failed = False
        self.progress = None
        self.line_numbers = None
        self.row_changes = []
        self.new_people = {}
        self.seen = {}
        self.row_numbers = {}
        self.dataset = None
        self.now = None
        self.import_fields = []
        self.column_of = {}
        self.foreign_keys = []
        self.not_checked = set()
        self.accepted = {}
        self.person_fields = []
        self.columns_present = set()

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

    def get_queryset(self):
        """Every record, in the order they were created: exported so, a file
        imported into an empty database creates them in the same order again."""
        return self._meta.model.objects.select_related(*self.related).order_by("pk")

    def get_bulk_update_fields(self):
        names = ["updated_at"]
        if issubclass(self._meta.model, Searchable):
            names.extend(self._meta.model.folded_fields)
        for field in self.import_fields:
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
        for name in [h for h in headers if h and h not in allowed]:
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            hint = f' Did you mean "{close[0]}"?' if close else ""
            problems.append(f'Line 1: unknown column "{name}".{hint}')
        for name in [name for name in expected if name not in headers]:
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
        self, dataset, dry_run=False, rollback_on_validation_errors=True, **kwargs
    ):
        result = self.get_result_class()()
        result.total_rows = len(dataset)
        header_problems = self.header_problems(dataset.headers)
        for problem in header_problems:
            result.append_base_error(Error(ImportProblem(problem)))
        if not header_problems:
            try:
                result = super().import_data(
                    dataset,
                    dry_run=dry_run,
                    rollback_on_validation_errors=rollback_on_validation_errors,
                    **kwargs,
                )
            except DatabaseError as exc:  # before the first row: never a traceback
                result.append_base_error(Error(exc))
        result.line_numbers = getattr(dataset, "line_numbers", None)
        result.headers = list(dataset.headers or ())
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
        self.dataset = dataset
        self.now = timezone.now()
        headers = set(dataset.headers or ())
        self.import_fields = [
            field for field in self.get_import_fields() if field.column_name in headers
        ]
        self.column_of = {
            name: field.column_name
            for field in self.import_fields
            for name in field.model_fields()
        }
        self.columns_present = {field.column_name for field in self.import_fields}
        self.person_fields = [
            field
            for field in self.import_fields
            if isinstance(field.widget, PersonWidget)
        ]
        model_fields = self._meta.model._meta.get_fields()
        self.foreign_keys = [f for f in model_fields if isinstance(f, ForeignKey)]
        #: Fields the file does not write, left out of the model's checks.
        self.not_checked = {
            f.name for f in model_fields if f.concrete and f.name not in self.column_of
        }
        #: The values each field the file writes has accepted so far.
        self.accepted = {
            f.name: set()
            for f in model_fields
            if f.concrete and f.name in self.column_of and f not in self.foreign_keys
        }
        self.load(dataset)

    def load(self, dataset):
        """Load what the rows refer to, each kind in one query."""

    def instance_key(self, obj):
        """The key of an existing record (for :class:`NaturalKeyLoader`)."""
        raise NotImplementedError

    def row_key(self, row):
        """The key of the record a row refers to, from its raw cells."""
        raise NotImplementedError

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
        elif self.key_attribute and row_result.instance is not None:
            row_result.key = getattr(row_result.instance, self.key_attribute)
        else:
            row_result.key = row_result.object_repr or ""
        if self.progress is not None:
            self.progress.update(1)
        return row_result

    def import_instance(self, instance, row, **kwargs):
        """Read each cell into the record, noting what changes; a cell that cannot
        be read is an error in its column."""
        errors = {}
        is_new = instance.pk is None
        for field in self.import_fields:
            try:
                value = field.parse(row)
            except ValueError as exc:
                errors[field.column_name] = [str(exc)]
                continue
            if (
                value is not None
                and field in self.person_fields
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
        for column in self.required_columns:
            if column not in errors and not (row.get(column) or "").strip():
                errors[column] = ["This column cannot be empty."]
        if not errors:
            # Correctness rule of the file: two rows with one key would both
            # write the same record, the second silently winning.
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
        return tuple(getattr(instance, name) for name in self._meta.import_id_fields)

    def duplicate_message(self, instance, first_line):
        [column] = self._meta.import_id_fields
        return (
            column,
            f'The {self.key_noun} "{getattr(instance, column)}" appears twice in '
            f"this file (first on line {first_line}).",
        )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return (
            not import_validation_errors
            and instance.pk is not None
            and not self.row_changes
        )

    def before_save_instance(self, instance, row, **kwargs):
        instance.updated_at = self.now
        if isinstance(instance, Searchable):
            instance.fold_search_text()  # written in bulk: save() does not run
        self.row_numbers[id(instance)] = kwargs.get("row_number")

    # Bulk writes ------------------------------------------------------------

    def bulk_create(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        self.write(self.create_instances, True, result)

    def bulk_update(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        self.write(self.update_instances, False, result)

    def write(self, queue, new, result):
        """Write a batch of new or changed records, and their sources."""
        batch = list(queue)
        queue.clear()
        if not batch:
            return
        # The import's change set (.changeset), when it is not a preview: what the
        # batch changes, as it was; then what it wrote.
        recorder = changeset.current()
        if recorder is not None and not new:
            recorder.before_update(self._meta.model, batch)
        try:
            people = self.save_new_people(batch)
        except DatabaseError as exc:  # the library's savepoint of the batch undoes it
            self.handle_import_error(result, exc)
            return
        try:
            with transaction.atomic(using=self.get_db_connection_name()):
                self.write_rows(batch, new)
        except IntegrityError as exc:
            self.name_refused_rows(batch, new, exc, result)
        except DatabaseError as exc:
            self.handle_import_error(result, exc)
        else:
            if not self.failed and "sources" in self.columns_present:
                try:
                    self.fields["sources"].write_links(self._meta.model, batch, new)
                except DatabaseError as exc:
                    self.handle_import_error(result, exc)
            if recorder is not None and not self.failed:
                recorder.written(people, new=True)
                recorder.written(batch, new=new)

    def write_rows(self, batch, new):
        objects = self._meta.model.objects
        if new:
            objects.bulk_create(batch, batch_size=self._meta.batch_size)
        else:
            fields = self.get_bulk_update_fields()
            objects.bulk_update(batch, fields, batch_size=self._meta.batch_size)

    def save_new_people(self, instances):
        """People named for the first time in this file are created first, for new
        and updated rows alike (a document's author may change to a new name);
        returns them."""
        columns = [field.attribute for field in self.person_fields]
        people = {}
        for obj in instances:
            for person in (getattr(obj, column) for column in columns):
                if person is not None and person.pk is None:
                    people[id(person)] = person
                    # Published with the first published row that names them: a
                    # published attendee whose person is a draft stays hidden.
                    person.published = person.published or obj.published
        if people:
            for person in people.values():
                person.fold_search_text()
            Person.objects.bulk_create(list(people.values()))
        return list(people.values())

    def handle_import_error(self, result, error, raise_errors=False):
        if isinstance(error, DatabaseError):
            error = explain_database_error(self._meta.model, error)
        self.failed = True
        super().handle_import_error(result, error, raise_errors)

    # Export -----------------------------------------------------------------

    def get_export_fields(self, selected_fields=None):
        fields_ = super().get_export_fields(selected_fields)
        if self.with_extensions:
            return fields_
        return [f for f in fields_ if f.column_name not in self.extension_columns]

    def export(self, queryset=None, progress=None, **kwargs):
        """The rows as a dataset; ``progress`` (an object with ``update(n)``, as
        for an import) hears of every row written."""
        self.progress = progress
        return super().export(queryset=queryset, **kwargs)

    def iter_queryset(self, queryset):
        """The rows with their foreign keys and, in one more query, their sources."""
        queryset = queryset.select_related(*self.related)
        exported = {field.column_name for field in self.get_export_fields()}
        sources = None
        if "sources" in exported:
            sources = self.fields["sources"].links_of(self._meta.model, queryset)
        for obj in queryset.iterator(chunk_size=2000):
            if sources is not None:
                obj._csv_sources = sources.get(obj.pk, ())
            yield obj
            if self.progress is not None:
                self.progress.update(1)
