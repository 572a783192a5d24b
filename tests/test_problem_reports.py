"""A file of many bad rows: its report lists the first 100 problems in full and
counts the others by kind, in the admin and on the command line."""

from tests.test_commands import run, write
from tests.test_csv_admin import HEADER, base, text_of, upload  # noqa: F401

BAD_ROW = (
    "2014-07-16-foreign-ministers-{n},foreign_ministers,{n},Meeting {n},held,"
    "2014-07-16,,Bishkek,{host},in_person,,mofa-2012"
)


def bad_file(rows):
    """``rows`` rows, each with an unknown host; every third also a bad status."""
    lines = []
    for n in range(5, 5 + rows):
        line = BAD_ROW.format(n=n, host=f"X{n % 10}")
        if n % 3 == 0:
            line = line.replace(",held,", ",finished,")
        lines.append(line)
    return HEADER + "\n" + "\n".join(lines) + "\n"


def test_the_admin_lists_100_problems_then_counts_the_rest(base, steward_client):  # noqa: F811
    page = text_of(upload(steward_client, bad_file(300)))
    assert "Nothing was imported: 400 problems to fix" in page
    assert 'Line 2, column "host": Unknown country code "X5".' in page
    listed = page.split("The first 100 are listed above.")[0]
    assert listed.count("Line ") == 100
    # 300 unknown hosts and 100 bad statuses, less the 100 listed (lines 2–76).
    assert '225 × column "host": Unknown country code "…".' in page
    assert '75 × column "status": "…" is not allowed here' in page
    assert "Line 301" not in page


def test_a_short_report_is_listed_whole(base, steward_client):  # noqa: F811
    page = text_of(upload(steward_client, bad_file(3)))
    assert "Nothing was imported: 4 problems to fix" in page
    assert "The others, by kind" not in page


def test_the_command_line_bounds_its_report_too(base, tmp_path):  # noqa: F811
    write(tmp_path, "meetings.csv", bad_file(300))
    _out, err, error = run("import_dataset", str(tmp_path))
    assert error is not None
    lines = err.splitlines()
    assert "meetings.csv: 400 problems" in lines[0]
    assert sum(line.startswith("  Line ") for line in lines) == 100
    assert "  … and 300 more:" in lines
    assert '  225 × column "host": Unknown country code "…". Known codes: KZ.' in err
