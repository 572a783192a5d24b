"""The file as a whole: size, encoding, CSV syntax, spreadsheet formula safety."""

import csv
import io
import re

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from import_export.formats.base_formats import CSV

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def max_upload_bytes():
    """The largest CSV file accepted, in bytes (``CSV_IMPORT_MAX_BYTES``)."""
    return getattr(settings, "CSV_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


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


#: What the admin's import and the command line both say of a file with a header
#: and no rows (the admin then shows no preview; the command imports the other
#: files).
NO_ROWS = "The file has no rows below the header: nothing to import."

#: A cell followed by a comma: quoted (``""`` inside for a quote) or not.
_CELL_AND_COMMA = re.compile(r'"(?:[^"]|"")*"(?=,)|[^,"\r\n]*(?=,)')
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CsvFileError(
                f"The file is not UTF-8 text (the byte 0x{data[exc.start]:02X} at "
                f"position {exc.start + 1} cannot be read). In Excel choose "
                "“CSV UTF-8 (comma delimited)” when saving; in LibreOffice choose the "
                "character set “Unicode (UTF-8)”."
            ) from None
    else:
        text = data
    # Every byte-order mark at the start, not only the first: a file saved again
    # by a program that adds its own mark has two, and the admin and the command
    # line read it alike. Only the header follows, whose names are fixed.
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CsvFileError("The file is empty.")
    # The csv module refuses a cell over 128 KB, while a prose page's body has no
    # limit: any cell of a file within the cap is read (the limit is per process).
    if csv.field_size_limit() < max_upload_bytes():
        csv.field_size_limit(max_upload_bytes())
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, strict=True)
    dataset = tablib.Dataset()
    line_numbers = []
    problems = []
    header = None
    try:
        while True:
            start = reader.line_num + 1
            offset = stream.tell()
            try:
                cells = next(reader)
            except StopIteration:
                break
            if header is None:
                if any("\x00" in cell for cell in cells):
                    raise CsvFileError(
                        "This is not a CSV file: it contains binary data. Save the "
                        "spreadsheet as CSV (comma-separated values) and upload that "
                        "file."
                    )
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
            problems.extend(
                f'Line {start}, column "{header[index]}": the value contains a NUL '
                "character (code 0), which cannot be stored. Remove it from the cell."
                for index, cell in enumerate(cells)
                if "\x00" in cell
            )
            dataset.append([unescape_formula(cell) for cell in cells])
            line_numbers.append(start)
    except csv.Error as exc:
        if str(exc).startswith("field larger than field limit"):
            raise CsvFileError(
                f"A cell that starts on line {start} is longer than "
                f"{csv.field_size_limit():,} characters, the longest a cell may be. "
                "Check for a double quote that opens a value and is never closed."
            ) from None
        if str(exc) == "unexpected end of data":
            raise CsvFileError(unclosed_quote(text, offset, start, header)) from None
        raise CsvFileError(
            f"This is not a well-formed CSV file: {exc} (line {reader.line_num})."
        ) from None
    if problems:
        raise CsvFileError(*problems)
    dataset.line_numbers = line_numbers
    return dataset


def unclosed_quote(text, offset, line, header):
    """Where a value whose double quote is never closed opens: the record starting
    at ``offset`` of ``text``, on ``line``, ends with it.

    The csv module only says that the file ended inside a quoted value; a person
    needs the line and column where the quote opened (correctness rule).
    """
    position, column = offset, 0
    while match := _CELL_AND_COMMA.match(text, position):
        position, column = match.end() + 1, column + 1
    line += len(_LINE_BREAK.findall(text, offset, position))
    where = f"Line {line}"
    if header is not None and column < len(header):
        where += f', column "{header[column]}"'
    return (
        f"{where}: a double quote opens this value and is never closed, so the rest "
        "of the file would be read into it. End the value with a double quote, and "
        'write a double quote inside a value as two ("").'
    )


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
    """django-import-export's CSV format with this project's reading and writing.

    The library's own reads with tablib (correctness rule): no line of the file
    for a row, a quote or a cell count gone wrong read silently, and its formula
    escaping (``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``) only strips a leading
    ``=``, which an import cannot undo.
    """

    def get_title(self):
        return "csv"

    def create_dataset(self, in_stream, **kwargs):
        return read_csv(in_stream)

    def export_data(self, dataset, **kwargs):
        return write_csv(dataset)

    def get_content_type(self):
        return "text/csv; charset=utf-8"
