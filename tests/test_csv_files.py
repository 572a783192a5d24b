"""The file as a whole, read alike by the admin's import and the command line:
byte-order marks, a file with no rows, a quote never closed, a NUL character."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dialogue.models import Meeting
from tests.test_csv_uploads import text_of, upload

HEADER = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,sources"
)
ROW = "new-meeting,foreign_ministers,7,Seventh,held,2016-07-16,,Bishkek,,,,"


def command(tmp_path, data):
    """``import_dataset`` of a folder holding ``data`` as meetings.csv: what it
    printed, and its error."""
    (tmp_path / "meetings.csv").write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_dataset", str(tmp_path), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue() + err.getvalue(), str(error)
    return out.getvalue() + err.getvalue(), None


def admin(client, data):
    """The admin's import page after uploading ``data`` as meetings.csv."""
    return text_of(upload(client, data))


def test_two_byte_order_marks_are_read_alike(db, steward_client, tmp_path):
    data = "\ufeff\ufeff" + f"{HEADER}\r\n{ROW}\r\n"
    assert "meetings.csv: 1 new, 0 updated, 0 unchanged." in admin(
        steward_client, data.encode()
    )
    printed, error = command(tmp_path, data.encode())
    assert error is None, printed
    assert "meetings.csv: 1 rows: 1 new, 0 updated, 0 unchanged" in printed
    assert Meeting.objects.get().title == "Seventh"


NO_ROWS = "The file has no rows below the header: nothing to import."


def test_a_header_only_file_says_the_same_in_the_admin_and_the_command(
    db, steward_client, tmp_path
):
    data = f"\ufeff{HEADER}\r\n".encode()
    page = admin(steward_client, data)
    assert NO_ROWS in page
    assert "Confirm import" not in page
    printed, error = command(tmp_path, data)
    assert f"meetings.csv: {NO_ROWS}" in printed
    assert "0 rows" not in printed


def test_a_header_only_file_with_a_wrong_header_names_the_column(
    db, steward_client, tmp_path
):
    data = HEADER.replace("title", "titel").encode() + b"\r\n"
    expected = 'Line 1: unknown column "titel". Did you mean "title"?'
    assert expected in admin(steward_client, data)
    printed, error = command(tmp_path, data)
    assert expected in printed
    assert error == "Nothing was imported: 3 problems to fix first."


UNCLOSED = (
    f"{HEADER}\r\n"
    f"{ROW}\r\n"
    'second,foreign_ministers,8,"Never closed,held,2017,,,,,,\r\n'
    "third,foreign_ministers,9,Ninth,held,2018,,,,,,\r\n"
    "fourth,foreign_ministers,10,Tenth,held,2019,,,,,,\r\n"
)
UNCLOSED_MESSAGE = (
    'Line 3, column "title": a double quote opens this value and is never '
    "closed, so the rest of the file would be read into it. End the value with a "
    'double quote, and write a double quote inside a value as two ("").'
)


def test_an_unclosed_quote_is_named_where_it_opens(db, steward_client, tmp_path):
    assert UNCLOSED_MESSAGE in admin(steward_client, UNCLOSED.encode())
    printed, error = command(tmp_path, UNCLOSED.encode())
    assert UNCLOSED_MESSAGE in printed
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("before", "line", "column"),
    [
        ("", 2, "slug"),
        ('x,foreign_ministers,1,"A\r\nB",held,2004,,"C\rD",,,', 4, "summary"),
        ("x,foreign_ministers,1,T,held,2004,,,,,", 2, "summary"),
    ],
)
def test_an_unclosed_quote_after_other_cells_and_line_breaks(before, line, column):
    from dialogue.csv.files import CsvFileError, read_csv

    if before:
        data = f'{HEADER}\r\n{before}"never closed\r\nmore\r\n'
    else:
        data = f'{HEADER}\r\n"never closed\r\nmore\r\n'
    with pytest.raises(CsvFileError) as error:
        read_csv(data.encode())
    assert str(error.value).startswith(f'Line {line}, column "{column}": a double')


NUL_MESSAGE = (
    'Line 3, column "summary": the value contains a NUL character (code 0), which '
    "cannot be stored. Remove it from the cell."
)


def test_a_nul_character_is_named_by_line_and_column(db, steward_client, tmp_path):
    """PostgreSQL refuses NUL in text and SQLite would keep it: both databases
    refuse it alike, before anything is written."""
    data = (
        f"{HEADER}\r\n{ROW}\r\n"
        "second,foreign_ministers,8,Eighth,held,2017,,,,,a\x00b,\r\n"
    ).encode()
    page = admin(steward_client, data)
    assert NUL_MESSAGE in page
    assert "Confirm import" not in page
    printed, error = command(tmp_path, data)
    assert NUL_MESSAGE in printed
    assert error == "Nothing was imported: 1 problem to fix first."
    assert not Meeting.objects.exists()
