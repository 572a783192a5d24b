"""CSV import and export of the Dialogue's data, built on django-import-export.

Five files, one per kind of record, whose columns are a public contract
(``docs/csv-format.md``): countries, sources, meetings, attendees and pledges; three
of them take optional extension columns at the end, which ``export_dataset``
writes. People, documents, their points and pages have files of their own. Rows are
identified by natural keys, never database ids.

An import is all or nothing. Every cell is read by a widget that raises a message a
person can act on; rows are checked against the database's rules in Python before
anything is written, so problems are reported per line and column; the writes are
bulk inserts and updates inside one transaction that is rolled back if anything at
all is wrong, including an error from the database itself.

The admin integration (``CsvAdminMixin``) and the file-level checks (size, encoding,
CSV syntax) live here too, so the admin and the management commands share them.
"""

import csv
import difflib
import io
import re
from collections import defaultdict
from decimal import Decimal

import tablib
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError
from django.forms import ValidationError as FormValidationError
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export import fields, resources, widgets
from import_export.admin import ExportActionMixin, ImportExportMixin
from import_export.formats.base_formats import CSV
from import_export.forms import ExportForm, ImportForm
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Error, Result, RowResult
from import_export.signals import post_import

from .iso import COUNTRY_CODES, CURRENCY_CODES
from .models import (
    Attendance,
    Capacity,
    Country,
    Document,
    DocumentKind,
    DocumentPoint,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Page,
    Person,
    Pledge,
    Role,
    Searchable,
    Source,
)
from .partial_dates import PartialDate, Precision
from .search import fold

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def max_upload_bytes():
    """The largest CSV file accepted, in bytes (``CSV_IMPORT_MAX_BYTES``)."""
    return getattr(settings, "CSV_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


# --------------------------------------------------------------------------------
# The file: encoding, CSV syntax, spreadsheet formula safety.
# --------------------------------------------------------------------------------

#: A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_AFTER_QUOTE = (*FORMULA_TRIGGERS, "'")


def escape_formula(value):
    """Prefix a text cell with ``'`` so spreadsheets show it instead of running it.

    A value that already starts with ``'`` followed by a trigger (or another ``'``)
    gets one more ``'``, so :func:`unescape_formula` restores every value exactly.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_TRIGGERS or (
        value[0] == "'" and value[1:2] in _ESCAPED_AFTER_QUOTE and value[1:2]
    ):
        return "'" + value
    return value


def unescape_formula(value):
    """Undo :func:`escape_formula`."""
    if value[:1] == "'" and value[1:2] and value[1:2] in _ESCAPED_AFTER_QUOTE:
        return value[1:]
    return value


class CsvFileError(Exception):
    """The file as a whole cannot be read; nothing in it was imported."""

    def __init__(self, *problems):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


def read_csv(data):
    """Read CSV ``data`` (bytes or text) into a ``tablib.Dataset``.

    The dataset gets a ``line_numbers`` attribute: the line of the file on which each
    row starts (the header is line 1), for error reports. Raises
    :class:`CsvFileError` for a file that is too large, not UTF-8, empty, or not CSV.
    """
    if isinstance(data, bytes):
        if len(data) > max_upload_bytes():
            raise CsvFileError(too_large_message(len(data)))
        if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            raise CsvFileError(
                "This is a spreadsheet workbook (Excel or LibreOffice), not a CSV "
                "file. Open it and save it as “CSV UTF-8 (comma delimited)”, then "
                "upload that file."
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CsvFileError(
                f"The file is not UTF-8 text (the byte 0x{data[exc.start]:02X} at "
                f"position {exc.start + 1} cannot be read). In Excel choose "
                "“CSV UTF-8 (comma delimited)” when saving; in LibreOffice choose the "
                "character set “Unicode (UTF-8)”."
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        raise CsvFileError("The file is empty.")
    if "\x00" in text:
        raise CsvFileError(
            "This is not a CSV file: it contains binary data. Save the spreadsheet "
            "as CSV (comma-separated values) and upload that file."
        )
    # The csv module refuses a cell over 128 KB, while a prose page's body has no
    # limit: any cell of a file within the cap is read (the limit is per process).
    if csv.field_size_limit() < max_upload_bytes():
        csv.field_size_limit(max_upload_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    dataset = tablib.Dataset()
    line_numbers = []
    problems = []
    try:
        header = None
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if header is None:
                header = [cell.strip() for cell in cells]
                dataset.headers = header
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank line, or a spreadsheet's empty row
            if len(cells) != len(header):
                problems.append(
                    f"Line {start} has {len(cells)} cells but the header has "
                    f"{len(header)} columns. Check for a comma inside a value that "
                    "is not in double quotes."
                )
                continue
            dataset.append([unescape_formula(cell) for cell in cells])
            line_numbers.append(start)
    except csv.Error as exc:
        if str(exc).startswith("field larger than field limit"):
            raise CsvFileError(
                f"A cell that starts on line {start} is longer than "
                f"{csv.field_size_limit():,} characters, the longest a cell may be. "
                "Check for a double quote that opens a value and is never closed."
            ) from None
        raise CsvFileError(
            f"This is not a well-formed CSV file: {exc} (line {reader.line_num})."
        ) from None
    if problems:
        raise CsvFileError(*problems)
    dataset.line_numbers = line_numbers
    return dataset


def write_csv(dataset):
    """The dataset as CSV text for spreadsheets: a BOM, CRLF, formulas neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(dataset.headers)
    for row in dataset:
        writer.writerow([escape_formula(cell) for cell in row])
    return out.getvalue()


def too_large_message(size):
    return (
        f"The file is {filesizeformat(size)}; the largest file accepted is "
        f"{filesizeformat(max_upload_bytes())}. Split it into smaller files."
    )


class DialogueCSV(CSV):
    """django-import-export's CSV format with this project's reading and writing."""

    def get_title(self):
        return "csv"

    def create_dataset(self, in_stream, **kwargs):
        return read_csv(in_stream)

    def export_data(self, dataset, **kwargs):
        return write_csv(dataset)

    def get_content_type(self):
        return "text/csv; charset=utf-8"


# --------------------------------------------------------------------------------
# Widgets: one cell to one value, with a message a person can act on.
# --------------------------------------------------------------------------------


def _quoted(values):
    return ", ".join(values)


class TextWidget(widgets.CharWidget):
    """Free text, kept exactly as written."""

    def __init__(self, max_length=None, required=False):
        super().__init__(coerce_to_string=True, allow_blank=True)
        self.max_length = max_length
        self.required = required

    def clean(self, value, row=None, **kwargs):
        value = "" if value is None else str(value)
        if self.required and not value.strip():
            raise ValueError("This column cannot be empty.")
        if self.max_length and len(value) > self.max_length:
            raise ValueError(
                f"This text is {len(value)} characters long; the limit is "
                f"{self.max_length}."
            )
        return value


class SlugWidget(TextWidget):
    """A slug: the key of a row. Surrounding spaces are ignored."""

    pattern = re.compile(r"^[-a-zA-Z0-9_]+\Z")

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value).strip()
        if value and not self.pattern.match(value):
            suggestion = slugify(value)
            hint = f', e.g. "{suggestion}"' if suggestion else ""
            raise ValueError(
                f'"{value}" is not a valid slug: use only letters, digits and '
                f"hyphens{hint}."
            )
        return value


class ChoiceWidget(widgets.Widget):
    def __init__(self, choices, allow_blank=False):
        super().__init__()
        self.values = list(choices.values)
        self.allow_blank = allow_blank

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if not value and self.allow_blank:
            return ""
        if value not in self.values:
            allowed = _quoted(self.values)
            if not value:
                raise ValueError(f"This column cannot be empty: use one of {allowed}.")
            blank = " or leave it empty" if self.allow_blank else ""
            raise ValueError(
                f'"{value}" is not allowed here: use one of {allowed}{blank}.'
            )
        return value


class PartialDateWidget(widgets.Widget):
    """``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or empty, precision kept."""

    def clean(self, value, row=None, **kwargs):
        return PartialDate.parse(value)  # its ValueError says what to write

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class DayWidget(widgets.Widget):
    """A full date, ``YYYY-MM-DD``, or empty."""

    def clean(self, value, row=None, **kwargs):
        date = PartialDate.parse(value)
        if date.known and date.precision != Precision.DAY:
            raise ValueError(
                f'"{value.strip()}" is not a full date: use YYYY-MM-DD or leave it '
                "empty."
            )
        return date.date

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class NumberWidget(widgets.Widget):
    """A whole number, from 1 up unless told otherwise.

    An empty cell is ``None`` (the number is not known), or ``empty`` when given,
    or refused when ``required``.
    """

    def __init__(
        self,
        minimum=1,
        empty=None,
        required=False,
        example="write 4 for the 4th meeting",
    ):
        super().__init__()
        self.minimum = minimum
        self.empty = empty
        self.required = required
        self.example = example

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if not value:
            if self.required:
                raise ValueError(f"This column cannot be empty: {self.example}.")
            return self.empty
        if not value.isdecimal() or not value.isascii():
            optional = self.empty is None and not self.required
            raise ValueError(
                f'"{value}" is not a whole number: {self.example}'
                + (
                    ", or leave it empty if the number is not known."
                    if optional
                    else "."
                )
            )
        number = int(value)
        if not self.minimum <= number <= 32767:
            raise ValueError(
                f'"{value}" is out of range: numbers start at {self.minimum}.'
            )
        return number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class UnicodeSlugWidget(SlugWidget):
    """A slug that may hold letters of any script, as people's slugs do."""

    pattern = re.compile(r"^[-\w]+\Z")


class AmountWidget(widgets.Widget):
    """A positive decimal written plainly: digits, at most one point, two decimals."""

    pattern = re.compile(r"^[0-9]+(\.[0-9]+)?\Z")
    max_value = Decimal("9999999999999999.99")  # max_digits=18, decimal_places=2

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        example = "write 700000000 or 1234.50"
        if not value:
            raise ValueError(f"This column cannot be empty: {example}.")
        if "," in value:
            raise ValueError(
                f'"{value}" contains a comma: {example}, with no thousands '
                "separators and a point for decimals."
            )
        if not self.pattern.match(value):
            raise ValueError(
                f'"{value}" is not a plain number: {example} (digits only, no '
                "letters, spaces or currency signs)."
            )
        amount = Decimal(value)
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(f'"{value}" has more than two decimal places.')
        if amount <= 0:
            raise ValueError("The amount must be more than zero.")
        if amount > self.max_value:
            raise ValueError(f'"{value}" is too large: the limit is {self.max_value}.')
        return amount.quantize(Decimal("0.01"))

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return format(value.normalize(), "f")


class CurrencyWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if value in CURRENCY_CODES:
            return value
        if value.upper() in CURRENCY_CODES:
            raise ValueError(
                f'"{value}" must be written in capitals: "{value.upper()}".'
            )
        if not value:
            raise ValueError(
                "This column cannot be empty: use an ISO 4217 code such as USD or JPY."
            )
        raise ValueError(
            f'Unknown currency "{value}": use an ISO 4217 code in capitals, such as '
            "USD, JPY or EUR."
        )


class TrueFalseWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if value.lower() == "true":
            return True
        if value.lower() == "false":
            return False
        shown = f'"{value}"' if value else "An empty cell"
        raise ValueError(f"{shown} is not allowed here: write true or false.")

    def render(self, value, obj=None, **kwargs):
        return "true" if value else "false"


class UrlWidget(TextWidget):
    validator = URLValidator(schemes=["http", "https"])

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value).strip()
        if value:
            try:
                self.validator(value)
            except ValidationError:
                raise ValueError(
                    f'"{value}" is not a web address: write it in full, starting '
                    "with https://."
                ) from None
        return value


class LookupWidget(widgets.ForeignKeyWidget):
    """A related row found by its natural key in a map loaded once per import."""

    def __init__(self, model, field, required=False):
        super().__init__(model, field=field)
        self.required = required
        self.lookup = {}

    def load(self, lookup):
        self.lookup = lookup

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if not value:
            if self.required:
                raise ValueError("This column cannot be empty.")
            return None
        try:
            return self.lookup[value]
        except KeyError:
            raise ValueError(self.unknown(value)) from None

    def unknown(self, value):
        raise NotImplementedError

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.field) if value is not None else ""


class CountryWidget(LookupWidget):
    def __init__(self, required=False):
        super().__init__(Country, "code", required)

    def unknown(self, value):
        if value.upper() in self.lookup:
            return f'Country codes are written in capitals: "{value.upper()}".'
        known = _quoted(sorted(self.lookup)) or "none yet"
        return (
            f'Unknown country code "{value}". Known codes: {known}. Add the country '
            "to countries.csv first, or correct the code."
        )


class MeetingWidget(LookupWidget):
    def __init__(self, required=False):
        super().__init__(Meeting, "slug", required)

    def unknown(self, value):
        return (
            f'Unknown meeting slug "{value}": no meeting has this slug. Add the '
            "meeting to meetings.csv first, or correct the slug."
            + _did_you_mean(value, self.lookup)
        )


def _did_you_mean(value, keys):
    if len(keys) > 5000:
        return ""
    close = difflib.get_close_matches(value, keys, n=1, cutoff=0.8)
    return f' Did you mean "{close[0]}"?' if close else ""


class SourcesWidget(widgets.ManyToManyWidget):
    """Source slugs joined by ``;``. An unknown slug is an error, never dropped."""

    def __init__(self):
        super().__init__(Source, separator=";", field="slug")
        self.lookup = {}

    def load(self, lookup):
        self.lookup = lookup

    def clean(self, value, row=None, **kwargs):
        slugs = []
        for part in (value or "").split(";"):
            part = part.strip()
            if part and part not in slugs:
                slugs.append(part)
        unknown = [slug for slug in slugs if slug not in self.lookup]
        if unknown:
            listed = _quoted(f'"{slug}"' for slug in unknown)
            noun = "slug" if len(unknown) == 1 else "slugs"
            raise ValueError(
                f"Unknown source {noun} {listed}: add the source to sources.csv "
                "first, or correct the slug. Separate slugs with ;."
            )
        return tuple(sorted((self.lookup[slug] for slug in slugs), key=_slug))

    def render(self, value, obj=None, **kwargs):
        return ";".join(source.slug for source in value or ())


def _slug(obj):
    return obj.slug


class PersonWidget(widgets.ForeignKeyWidget):
    """A person by name. A name not yet known becomes a new person on import."""

    def __init__(self):
        super().__init__(Person, field="name")
        self.by_name = {}
        self.slugs = set()
        self.new = {}

    def load(self, people):
        self.by_name = defaultdict(list)
        for person in people:
            self.by_name[person.name].append(person)
            self.slugs.add(person.slug)
        self.folded = None

    def suggestion(self, name, close=True):
        """The name of a known person that ``name`` may be a misspelling of.

        Names, and each person's other names, are compared as the site's search
        compares them (Unicode NFKC, case folded): first exactly, then, if
        ``close``, by similarity.
        """
        if self.folded is None:
            self.folded = {}
            for people in self.by_name.values():
                for person in people:
                    for variant in (person.name, *person.other_names.splitlines()):
                        if key := fold(variant.strip()):
                            self.folded.setdefault(key, person.name)
        key = fold(name)
        if key in self.folded:
            return self.folded[key]
        if close:
            found = difflib.get_close_matches(key, self.folded, n=1, cutoff=0.8)
            if found:
                return self.folded[found[0]]
        return None

    def clean(self, value, row=None, **kwargs):
        name = (value or "").strip()
        if not name:
            return None
        if len(name) > 200:
            raise ValueError(
                f"This name is {len(name)} characters long; the limit is 200."
            )
        found = self.by_name.get(name, [])
        if len(found) > 1:
            slugs = _quoted(sorted(person.slug for person in found))
            raise ValueError(
                f'{len(found)} people are called "{name}" (slugs {slugs}), so the '
                "file cannot say which one is meant. Make their names distinct in "
                "the admin first."
            )
        if found:
            return found[0]
        if name not in self.new:
            self.new[name] = Person(name=name, slug=self.free_slug(name))
        return self.new[name]

    def free_slug(self, name):
        base = slugify(name, allow_unicode=True)[:110] or "person"
        slug, counter = base, 2
        while slug in self.slugs:
            slug, counter = f"{base}-{counter}", counter + 1
        self.slugs.add(slug)
        return slug

    def render(self, value, obj=None, **kwargs):
        return value.name if value is not None else ""


# --------------------------------------------------------------------------------
# Columns: read a cell, compare with the record, write to the record.
# --------------------------------------------------------------------------------


class Column(fields.Field):
    """One CSV column mapped to one model attribute."""

    def __init__(self, column, widget, attribute=None):
        super().__init__(
            attribute=attribute or column, column_name=column, widget=widget
        )

    def parse(self, row):
        return self.widget.clean(row[self.column_name], row=row)

    def current(self, instance):
        return getattr(instance, self.attribute)

    def assign(self, instance, value):
        setattr(instance, self.attribute, value)

    def model_fields(self):
        return [self.attribute]

    def render(self, value):
        return self.widget.render(value)

    def export(self, instance, **kwargs):
        return self.render(self.current(instance))

    def clean(self, row, **kwargs):
        return self.parse(row)

    def save(self, instance, row, is_m2m=False, **kwargs):
        self.assign(instance, self.parse(row))


class PartialDateColumn(Column):
    """A date column stored as a date and how precisely it is known."""

    def __init__(self, column, date_attribute, precision_attribute):
        super().__init__(column, PartialDateWidget(), attribute=date_attribute)
        self.precision_attribute = precision_attribute

    def current(self, instance):
        return PartialDate(
            getattr(instance, self.attribute),
            getattr(instance, self.precision_attribute),
        )

    def assign(self, instance, value):
        setattr(instance, self.attribute, value.date)
        setattr(instance, self.precision_attribute, value.precision)

    def model_fields(self):
        return [self.attribute, self.precision_attribute]


class SourcesColumn(Column):
    """The ``sources`` column: written to the many-to-many table after the rows."""

    def __init__(self):
        super().__init__("sources", SourcesWidget())

    def current(self, instance):
        return getattr(instance, "_csv_sources", ())

    def assign(self, instance, value):
        instance._csv_sources = value
        instance._csv_sources_changed = True

    def model_fields(self):
        return []


# --------------------------------------------------------------------------------
# Results: every problem with its line and column.
# --------------------------------------------------------------------------------


class Problem:
    def __init__(self, message, line=None, column=None):
        self.message = message
        self.line = line
        self.column = column

    def __str__(self):
        if self.line and self.column:
            return f'Line {self.line}, column "{self.column}": {self.message}'
        if self.line:
            return f"Line {self.line}: {self.message}"
        return self.message

    def __repr__(self):
        return f"<Problem {self}>"


class ImportProblem(Exception):
    """A problem with the file as a whole, such as its header."""


class CsvRowResult(RowResult):
    def __init__(self):
        super().__init__()
        self.line = None
        self.key = ""
        self.changes = []  # (column, old, new) for updated rows

    @property
    def status(self):
        return {
            self.IMPORT_TYPE_NEW: _("new"),
            self.IMPORT_TYPE_UPDATE: _("updated"),
            self.IMPORT_TYPE_SKIP: _("unchanged"),
        }.get(self.import_type, self.import_type)


class CsvResult(Result):
    """A result that can list its problems as "Line N, column C: message"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_numbers = None
        self.file_name = ""
        #: What to check before confirming, which does not stop the import (the
        #: people it creates), as :class:`Problem` objects.
        self.notes = []

    def line(self, number):
        if self.line_numbers and 0 < number <= len(self.line_numbers):
            return self.line_numbers[number - 1]
        return number + 1

    def problems(self):
        found = [Problem(_error_message(error.error)) for error in self.base_errors]
        for row in self.rows:
            for error in row.errors:
                found.append(Problem(_error_message(error.error), row.line))
        for row in self.invalid_rows:
            line = self.line(row.number)
            for column, messages_ in row.error_dict.items():
                column = None if column == NON_FIELD_ERRORS else column
                for message in messages_:
                    found.append(Problem(message, line, column))
        return sorted(found, key=lambda p: p.line or 0)

    @property
    def failed(self):
        return self.has_errors() or self.has_validation_errors()

    def summary(self):
        totals = self.totals
        return (
            f"{totals[RowResult.IMPORT_TYPE_NEW]} new, "
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]} updated, "
            f"{totals[RowResult.IMPORT_TYPE_SKIP]} unchanged"
        )


def _error_message(error):
    if isinstance(error, ImportProblem):
        return str(error)
    if isinstance(error, DatabaseError):
        return (
            f"The database refused the changes, so nothing was saved: {error}. "
            "Check the rows against docs/csv-format.md and try again."
        )
    return f"This could not be imported ({type(error).__name__}: {error})."


class CsvInstanceLoader(BaseInstanceLoader):
    """Finds the existing record for a row in the map the resource loaded."""

    def get_instance(self, row):
        return self.resource.find_existing(row)


# --------------------------------------------------------------------------------
# Resources.
# --------------------------------------------------------------------------------


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
        if issubclass(self._meta.model, Searchable):
            names.extend(self._meta.model.folded_fields)
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
        if isinstance(instance, Searchable):
            instance.fold_search_text()  # written in bulk: save() does not run

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
            for person in people.values():
                person.fold_search_text()
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


class CountryResource(CsvResource):
    file_name = "countries.csv"
    key_columns = ("code",)
    extension_columns = ("sources",)

    code = Column("code", SlugWidget())
    name = Column("name", TextWidget(max_length=100, required=True))
    role = Column("role", ChoiceWidget(Role))
    joined_on = Column("joined_on", DayWidget())
    summary = Column("summary", TextWidget())
    sources = SourcesColumn()

    class Meta:
        model = Country
        fields = ("code", "name", "role", "joined_on", "summary", "sources")

    def load(self, dataset):
        super().load(dataset)
        self.names = {obj.name: obj for obj in self.existing.values()}
        if "sources" in (dataset.headers or []):
            _load_sources(self)

    def instance_key(self, obj):
        return (obj.code,)

    def import_instance(self, instance, row, **kwargs):
        code = (row.get("code") or "").strip()
        if code not in COUNTRY_CODES:
            if code.upper() in COUNTRY_CODES:
                message = f'Country codes are written in capitals: "{code.upper()}".'
            elif not code:
                message = "This column cannot be empty: use the country's ISO code."
            else:
                message = (
                    f'"{code}" is not an ISO 3166-1 alpha-2 country code: use two '
                    "capital letters, e.g. KZ for Kazakhstan."
                )
            raise ValidationError({"code": [message]})
        super().import_instance(instance, row, **kwargs)

    def duplicate_message(self, instance, first_line):
        return (
            "code",
            f'The country code "{instance.code}" appears twice in this file '
            f"(first on line {first_line}).",
        )

    def check(self, instance):
        other = self.names.get(instance.name)
        if other is not None and other.pk != instance.pk:
            yield (
                "name",
                f'The name "{instance.name}" already belongs to the country with '
                f'code "{other.code}".',
            )
        else:
            self.names[instance.name] = instance

    def describe_key(self, row_result):
        return row_result.object_repr


class SourceResource(CsvResource):
    file_name = "sources.csv"
    key_columns = ("slug",)
    extension_columns = ("note",)

    slug = Column("slug", SlugWidget(max_length=100, required=True))
    title = Column("title", TextWidget(max_length=300, required=True))
    publisher = Column("publisher", TextWidget(max_length=200))
    url = Column("url", UrlWidget(max_length=500))
    published_on = Column("published_on", DayWidget())
    note = Column("note", TextWidget())

    class Meta:
        model = Source
        fields = ("slug", "title", "publisher", "url", "published_on", "note")

    def instance_key(self, obj):
        return (obj.slug,)

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )


class MeetingResource(CsvResource):
    file_name = "meetings.csv"
    key_columns = ("slug",)
    extension_columns = ("outcomes",)
    export_related = ("host",)

    slug = Column("slug", SlugWidget(max_length=120))
    kind = Column("kind", ChoiceWidget(MeetingKind))
    number = Column("number", NumberWidget())
    title = Column("title", TextWidget(max_length=300, required=True))
    status = Column("status", ChoiceWidget(MeetingStatus))
    start_date = PartialDateColumn("start_date", "start_date", "start_precision")
    end_date = PartialDateColumn("end_date", "end_date", "end_precision")
    city = Column("city", TextWidget(max_length=100))
    host = Column("host", CountryWidget())
    format = Column("format", ChoiceWidget(MeetingFormat, allow_blank=True))
    summary = Column("summary", TextWidget())
    sources = SourcesColumn()
    outcomes = Column("outcomes", TextWidget())

    class Meta:
        model = Meeting
        fields = (
            "slug",
            "kind",
            "number",
            "title",
            "status",
            "start_date",
            "end_date",
            "city",
            "host",
            "format",
            "summary",
            "sources",
            "outcomes",
        )

    def existing_queryset(self):
        return Meeting.objects.select_related("host")

    def load(self, dataset):
        super().load(dataset)
        self.fields["host"].widget.load(_countries())
        _load_sources(self)
        self.slugs = {key[0] for key in self.existing}
        # Slugs written in the file are reserved before any is made up.
        if "slug" in (dataset.headers or []):
            self.slugs.update(slug.strip() for slug in dataset["slug"] if slug.strip())
        self.numbers = {
            (m.kind, m.number): m
            for m in self.existing.values()
            if m.number is not None and m.status != MeetingStatus.CANCELLED
        }
        self.by_base_slug = defaultdict(list)
        for meeting in self.existing.values():
            self.by_base_slug[re.sub(r"-\d+$", "", meeting.slug)].append(meeting)

    def instance_key(self, obj):
        return (obj.slug,)

    def find_existing(self, row):
        slug = (row.get("slug") or "").strip()
        if slug:
            return self.existing.get((slug,))
        return self.find_same_meeting(row)

    def find_same_meeting(self, row):
        """A row without a slug is the meeting whose made-up slug and every cell
        match, so that importing the same file twice adds nothing."""
        probe = Meeting()
        try:
            values = {
                name: field.parse(row)
                for name, field in self.fields.items()
                if name != "slug" and field.column_name in row
            }
        except ValueError:
            return None
        for name, value in values.items():
            self.fields[name].assign(probe, value)
        base = derived_slug(probe)
        for candidate in self.by_base_slug.get(base, []):
            if all(
                self.fields[name].current(candidate) == value
                for name, value in values.items()
            ):
                return candidate
        return None

    def import_instance(self, instance, row, **kwargs):
        if instance.pk is not None and not (row.get("slug") or "").strip():
            row = {**row, "slug": instance.slug}  # found by its made-up slug
        super().import_instance(instance, row, **kwargs)
        if not instance.slug:
            instance.slug = self.free_slug(derived_slug(instance))

    def free_slug(self, base):
        slug, counter = base, 2
        while slug in self.slugs:
            slug, counter = f"{base}-{counter}", counter + 1
        self.slugs.add(slug)
        return slug

    def file_key(self, instance):
        return (instance.slug,) if instance.slug else None

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )

    def check(self, instance):
        start, end = instance.start, instance.end
        if end.known and not start.known:
            yield "start_date", "A meeting with an end date needs a start date."
        elif end.known and end.date < start.date:
            yield "end_date", "A meeting cannot end before it starts."
        if instance.format == MeetingFormat.ONLINE and instance.city:
            yield "city", "An online meeting has no city: leave the city empty."
        if instance.number is not None and instance.status != MeetingStatus.CANCELLED:
            key = (instance.kind, instance.number)
            other = self.numbers.get(key)
            if other is not None and other.pk != instance.pk and other is not instance:
                where = f'the meeting "{other.slug}"' if other.pk else "another row"
                yield (
                    "number",
                    f"{instance.get_kind_display()} number {instance.number} is "
                    f"already {where}.",
                )
            else:
                self.numbers[key] = instance

    def describe_key(self, row_result):
        instance = row_result.instance
        return instance.slug if instance is not None else row_result.object_repr


def derived_slug(meeting):
    """The slug a meeting without one gets (as ``Meeting.derive_slug``, unsuffixed)."""
    date_part = meeting.start.isoformat() or "undated"
    return slugify(
        f"{date_part} {meeting.kind.replace('_', ' ')} {meeting.number or ''}"
    )


class AttendanceResource(CsvResource):
    """attendees.csv: a named attendee is identified by meeting and person, an
    unnamed one (empty person) by meeting, country and position."""

    file_name = "attendees.csv"
    key_columns = ("meeting", "person", "country", "position")
    export_related = ("meeting", "person", "country")

    meeting = Column("meeting", MeetingWidget(required=True))
    person = Column("person", PersonWidget())
    position = Column("position", TextWidget(max_length=200))
    country = Column("country", CountryWidget(required=True))
    capacity = Column("capacity", ChoiceWidget(Capacity))

    class Meta:
        model = Attendance
        fields = ("meeting", "person", "position", "country", "capacity")

    def existing_queryset(self):
        return Attendance.objects.select_related("meeting", "person", "country")

    def load(self, dataset):
        super().load(dataset)
        self.fields["meeting"].widget.load(
            {meeting.slug: meeting for meeting in Meeting.objects.all()}
        )
        self.fields["country"].widget.load(_countries())
        self.fields["person"].widget.load(Person.objects.all())

    def instance_key(self, obj):
        if obj.person_id:
            return (obj.meeting.slug, "person", obj.person.name)
        return (obj.meeting.slug, "unnamed", obj.country.code, obj.position)

    def row_key(self, row):
        meeting = (row.get("meeting") or "").strip()
        person = (row.get("person") or "").strip()
        if person:
            return (meeting, "person", person)
        return (
            meeting,
            "unnamed",
            (row.get("country") or "").strip(),
            row.get("position") or "",
        )

    def file_key(self, instance):
        if instance.person is not None:
            return (instance.meeting.slug, "person", instance.person.name)
        return (
            instance.meeting.slug,
            "unnamed",
            instance.country.code,
            instance.position,
        )

    def duplicate_message(self, instance, first_line):
        if instance.person is not None:
            return (
                "person",
                f'"{instance.person.name}" is listed twice for the meeting '
                f'"{instance.meeting.slug}" (first on line {first_line}).',
            )
        return (
            "position",
            f'An unnamed attendee with the position "{instance.position}" for '
            f"{instance.country.code} is listed twice for the meeting "
            f'"{instance.meeting.slug}" (first on line {first_line}).',
        )

    def check(self, instance):
        if instance.person is None and not instance.position.strip():
            yield (
                "position",
                "An attendee whose name is not known needs a position, e.g. "
                "Minister for Foreign Affairs.",
            )

    def describe_key(self, row_result):
        return row_result.object_repr


class PledgeResource(CsvResource):
    file_name = "pledges.csv"
    key_columns = ("slug",)
    export_related = ("donor", "meeting")

    slug = Column("slug", SlugWidget(max_length=120, required=True))
    donor = Column("donor", CountryWidget(required=True))
    amount = Column("amount", AmountWidget())
    currency = Column("currency", CurrencyWidget())
    approximate = Column("approximate", TrueFalseWidget())
    announced_on = PartialDateColumn(
        "announced_on", "announced_on", "announced_precision"
    )
    meeting = Column("meeting", MeetingWidget())
    purpose = Column("purpose", TextWidget())
    sources = SourcesColumn()

    class Meta:
        model = Pledge
        fields = (
            "slug",
            "donor",
            "amount",
            "currency",
            "approximate",
            "announced_on",
            "meeting",
            "purpose",
            "sources",
        )

    def existing_queryset(self):
        return Pledge.objects.select_related("donor", "meeting")

    def load(self, dataset):
        super().load(dataset)
        self.fields["donor"].widget.load(_countries())
        self.fields["meeting"].widget.load(
            {meeting.slug: meeting for meeting in Meeting.objects.all()}
        )
        _load_sources(self)

    def instance_key(self, obj):
        return (obj.slug,)

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )

    def describe_key(self, row_result):
        instance = row_result.instance
        return instance.slug if instance is not None else row_result.object_repr


class PersonResource(CsvResource):
    """people.csv (admin only): slugs and names, e.g. to correct a spelling."""

    file_name = "people.csv"
    key_columns = ("slug",)

    slug = Column("slug", UnicodeSlugWidget(max_length=120, required=True))
    name = Column("name", TextWidget(max_length=200, required=True))
    other_names = Column("other_names", TextWidget())

    class Meta:
        model = Person
        fields = ("slug", "name", "other_names")

    def instance_key(self, obj):
        return (obj.slug,)

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )


class DocumentWidget(LookupWidget):
    def __init__(self, required=False):
        super().__init__(Document, "slug", required)

    def unknown(self, value):
        return (
            f'Unknown document slug "{value}": no document has this slug. Add the '
            "document first, or correct the slug." + _did_you_mean(value, self.lookup)
        )


class DocumentResource(CsvResource):
    """documents.csv (admin only)."""

    file_name = "documents.csv"
    key_columns = ("slug",)
    export_related = ("meeting", "author")

    slug = Column("slug", SlugWidget(max_length=120, required=True))
    title = Column("title", TextWidget(max_length=300, required=True))
    kind = Column("kind", ChoiceWidget(DocumentKind))
    date = PartialDateColumn("date", "date", "date_precision")
    meeting = Column("meeting", MeetingWidget())
    author = Column("author", PersonWidget())
    author_role = Column("author_role", TextWidget(max_length=200))
    summary = Column("summary", TextWidget())
    sources = SourcesColumn()

    class Meta:
        model = Document
        fields = (
            "slug",
            "title",
            "kind",
            "date",
            "meeting",
            "author",
            "author_role",
            "summary",
            "sources",
        )

    def existing_queryset(self):
        return Document.objects.select_related("meeting", "author")

    def load(self, dataset):
        super().load(dataset)
        self.fields["meeting"].widget.load(
            {meeting.slug: meeting for meeting in Meeting.objects.all()}
        )
        self.fields["author"].widget.load(Person.objects.all())
        _load_sources(self)

    def instance_key(self, obj):
        return (obj.slug,)

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )


class DocumentPointResource(CsvResource):
    """document_points.csv (admin only): a point is its document and number."""

    file_name = "document_points.csv"
    key_columns = ("document", "number")
    export_related = ("document",)

    document = Column("document", DocumentWidget(required=True))
    number = Column(
        "number", NumberWidget(required=True, example="write 1 for the first point")
    )
    heading = Column("heading", TextWidget(max_length=200))
    text = Column("text", TextWidget(required=True))
    is_quotation = Column("is_quotation", TrueFalseWidget())

    class Meta:
        model = DocumentPoint
        fields = ("document", "number", "heading", "text", "is_quotation")

    def existing_queryset(self):
        return DocumentPoint.objects.select_related("document")

    def load(self, dataset):
        super().load(dataset)
        self.fields["document"].widget.load(
            {document.slug: document for document in Document.objects.all()}
        )

    def instance_key(self, obj):
        return (obj.document.slug, str(obj.number))

    def row_key(self, row):
        number = (row.get("number") or "").strip()
        if number.isdecimal() and number.isascii():
            number = str(int(number))
        return ((row.get("document") or "").strip(), number)

    def file_key(self, instance):
        return (instance.document.slug, instance.number)

    def duplicate_message(self, instance, first_line):
        return (
            "number",
            f'Point {instance.number} of "{instance.document.slug}" appears twice in '
            f"this file (first on line {first_line}).",
        )


class PageResource(CsvResource):
    """pages.csv (admin only): the editor-written prose pages, Markdown bodies."""

    file_name = "pages.csv"
    key_columns = ("slug",)

    slug = Column("slug", SlugWidget(max_length=100, required=True))
    title = Column("title", TextWidget(max_length=200, required=True))
    summary = Column("summary", TextWidget(max_length=300))
    body = Column("body", TextWidget(required=True))
    menu_order = Column(
        "menu_order",
        NumberWidget(minimum=0, empty=0, example="write 0 to list it first"),
    )
    sources = SourcesColumn()

    class Meta:
        model = Page
        fields = ("slug", "title", "summary", "body", "menu_order", "sources")

    def load(self, dataset):
        super().load(dataset)
        _load_sources(self)

    def instance_key(self, obj):
        return (obj.slug,)

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
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


# --------------------------------------------------------------------------------
# Admin integration.
# --------------------------------------------------------------------------------


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


#: The preview lists at most this many notes; the rest are counted.
NOTES_SHOWN = 50


def notes_message(notes):
    """The preview's warning about the people an import will create."""
    count = len(notes)
    lead = (
        f"This import will add {count} new "
        f"{'person' if count == 1 else 'people'}. Check the names before you "
        "confirm: a name spelt differently from an existing person's makes another "
        "person."
    )
    items = format_html_join("", "<li>{}</li>", ((n,) for n in notes[:NOTES_SHOWN]))
    more = count - NOTES_SHOWN
    if more > 0:
        items = format_html("{}<li>… and {} more.</li>", items, more)
    return format_html('{}<ul class="import-notes">{}</ul>', lead, items)


class CsvImportForm(ImportForm):
    """The upload step: the file is refused as a whole if it cannot be read."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > max_upload_bytes():
            raise FormValidationError(too_large_message(upload.size))
        data = b"".join(upload.chunks())
        upload.seek(0)
        try:
            dataset = read_csv(data)
        except CsvFileError as exc:
            raise FormValidationError(exc.problems) from None
        if not len(dataset):
            raise FormValidationError("The file has no rows below the header.")
        return upload


class CsvAdminMixin(ImportExportMixin, ExportActionMixin):
    """Import (two steps: preview, confirm) and export for a model's admin.

    Import needs the ``import_<model>`` permission (the Data stewards group),
    export the ``export_<model>`` permission (also given to Editors).
    """

    import_form_class = CsvImportForm
    export_form_class = ExportForm  # all columns, always: the format is a contract
    import_template_name = "admin/dialogue/import.html"
    import_export_change_list_template = (
        "admin/import_export/change_list_import_export.html"
    )
    change_form_template = None
    show_change_form_export = False
    from_encoding = "utf-8-sig"

    @property
    def formats(self):
        return [DialogueCSV]

    def get_export_filename(self, request, queryset, file_format):
        resource = self.get_export_resource_classes(request)[0]
        stem = resource.file_name.removesuffix(".csv")
        return f"{stem}-{timezone.now():%Y-%m-%d}.csv"

    def get_resource_index(self, form):
        """The one resource of this admin, whatever index a form was given."""
        index = super().get_resource_index(form)
        return index if 0 <= index < len(self.resource_classes) else 0

    def get_valid_export_item_pks(self, request):
        """Rows an "export selected" action may name: those the user may see."""
        return self.get_queryset(request).values_list("pk", flat=True)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["max_upload_size"] = filesizeformat(max_upload_bytes())
        return context

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirm step: import for real, or show why nothing was imported."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        import_url = reverse(
            "admin:{}_{}_import".format(*self.get_model_info()),
            current_app=self.admin_site.name,
        )
        if not confirm_form.is_valid():
            messages.error(
                request, _("The import form was incomplete; upload the file again.")
            )
            return HttpResponseRedirect(import_url)
        file_name = confirm_form.cleaned_data["original_file_name"]
        tmp_storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"],
            encoding=self.from_encoding,
            read_mode="r",
            **self.get_tmp_storage_class_kwargs(),
        )
        try:
            dataset = read_csv(tmp_storage.read())
        except (OSError, UnicodeDecodeError, CsvFileError):
            messages.error(
                request,
                _("The uploaded file is no longer available; upload it again."),
            )
            return HttpResponseRedirect(import_url)
        result = self.process_dataset(
            dataset, confirm_form, request, file_name=file_name, **kwargs
        )
        if result.failed:
            return self.render_failed_import(request, result)
        tmp_storage.remove()
        self.generate_log_entries(result, request, file_name=file_name)
        self.add_success_message(result, request)
        post_import.send(sender=None, model=self.model)
        return HttpResponseRedirect(
            reverse(
                "admin:{}_{}_changelist".format(*self.get_model_info()),
                current_app=self.admin_site.name,
            )
        )

    def render_failed_import(self, request, result):
        context = self.get_import_context_data()
        context.update(self.admin_site.each_context(request))
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        context.update(
            title=_("Import"),
            form=form,
            opts=self.model._meta,
            result=result,
            media=self.media + form.media,
            import_error_display=self.import_error_display,
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def add_success_message(self, result, request):
        messages.success(
            request,
            _("Import of %(file)s finished: %(summary)s %(things)s.")
            % {
                "file": result.file_name,
                "summary": result.summary(),
                "things": self.model._meta.verbose_name_plural,
            },
        )

    def generate_log_entries(self, result, request, file_name=""):
        """One history entry per added or changed record, and one for the import."""
        if self.get_skip_admin_log():
            return
        log_import(self.model, result, request.user, file_name or result.file_name)

    def import_action(self, request, **kwargs):
        """The upload step. A file that will not be confirmed is not kept."""
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result, form = context.get("result"), context.get("form")
        if result is not None and not result.failed and result.notes:
            messages.warning(request, notes_message(result.notes))
        if result is not None and result.failed and form is not None:
            upload = (getattr(form, "cleaned_data", None) or {}).get("import_file")
            name = getattr(upload, "tmp_storage_name", None)
            if name:
                try:
                    self.get_tmp_storage_class()(name=name).remove()
                except OSError:
                    pass
        return response


__all__ = [
    "DATASET",
    "DEPENDS_ON",
    "FULL_DATASET",
    "AttendanceResource",
    "CountryResource",
    "CsvAdminMixin",
    "CsvFileError",
    "DialogueCSV",
    "MeetingResource",
    "PledgeResource",
    "SourceResource",
    "log_import",
    "read_csv",
    "write_csv",
]
