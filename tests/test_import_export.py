"""CSV import and export: the format, every refusal with its exact message, all or
nothing, lossless round trips, formula safety."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError
from django.urls import reverse

from dialogue.csv.dataset import DATASET, FULL_DATASET
from dialogue.csv.files import (
    CsvFileError,
    escape_formula,
    read_csv,
    unescape_formula,
    write_csv,
)
from dialogue.csv.resources import (
    AttendanceResource,
    CountryResource,
    DocumentPointResource,
    DocumentResource,
    MeetingResource,
    PersonResource,
    PledgeResource,
    SourceResource,
)
from dialogue.models import (
    Attendance,
    Country,
    Document,
    DocumentPoint,
    Meeting,
    Page,
    Person,
    Pledge,
    Source,
)
from tests.factories import (
    make_attendance,
    make_country,
    make_meeting,
    make_person,
    make_pledge,
    make_source,
)
from tests.text import page_text

MEETING_HEADER = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,sources"
)
PLEDGE_HEADER = (
    "slug,donor,amount,currency,approximate,announced_on,meeting,purpose,sources"
)


def run(resource_class, text, dry_run=False):
    dataset = read_csv(text.encode("utf-8"))
    return resource_class().import_data(dataset, dry_run=dry_run)


def problems(result):
    return [str(problem) for problem in result.problems()]


def export_text(resource_class, extensions=False):
    return write_csv(resource_class(with_extensions=extensions).export())


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Country, Source, Meeting, Person, Attendance, Pledge)
    }


@pytest.fixture
def base(db):
    """Two countries, a source and a meeting to refer to."""
    make_country("KZ")
    make_country("JP")
    make_source(slug="mofa-2012", title="MOFA press release")
    make_meeting(slug="2012-11-10-foreign-ministers-4", number=4)


def meeting_row(**cells):
    values = {
        "slug": "2014-07-16-foreign-ministers-5",
        "kind": "foreign_ministers",
        "number": "5",
        "title": "5th Foreign Ministers' Meeting",
        "status": "held",
        "start_date": "2014-07-16",
        "end_date": "",
        "city": "Bishkek",
        "host": "KZ",
        "format": "in_person",
        "summary": "",
        "sources": "mofa-2012",
    }
    values.update(cells)
    return ",".join(values[c] for c in MEETING_HEADER.split(","))


def meetings_csv(*rows):
    return "\n".join([MEETING_HEADER, *rows]) + "\n"


# --- The format ----------------------------------------------------------------


def test_export_columns_are_the_contract(base):
    headers = {
        resource.file_name: write_csv(resource().export()).splitlines()[0]
        for resource in DATASET
    }
    assert headers == {
        "countries.csv": "\ufeffcode,name,role,joined_on,summary",
        "sources.csv": "\ufeffslug,title,publisher,url,published_on",
        "meetings.csv": "\ufeff" + MEETING_HEADER,
        "attendees.csv": "\ufeffmeeting,person,position,country,capacity",
        "pledges.csv": "\ufeff" + PLEDGE_HEADER,
    }


def test_export_dataset_adds_the_extension_columns_at_the_end(base):
    headers = {
        resource.file_name: export_text(resource, True).splitlines()[0]
        for resource in DATASET
    }
    assert headers == {
        "countries.csv": "\ufeffcode,name,role,joined_on,summary,sources,published",
        "sources.csv": "\ufeffslug,title,publisher,url,published_on,note,published",
        "meetings.csv": "\ufeff" + MEETING_HEADER + ",outcomes,series,published",
        "attendees.csv": "\ufeffmeeting,person,position,country,capacity,published",
        "pledges.csv": "\ufeff" + PLEDGE_HEADER + ",published",
    }


def test_extension_columns_are_imported_when_present(base):
    meeting = Meeting.objects.get(number=4)
    meeting.outcomes = "Japan pledged."
    meeting.save()
    Source.objects.update(note="A press release.")

    # With the column: written, and listed as a change.
    text = export_text(MeetingResource, True).replace(
        "Japan pledged.", "Japan pledged 700 million dollars."
    )
    result = run(MeetingResource, text)
    assert problems(result) == []
    assert result.rows[0].changes == [
        ("outcomes", "Japan pledged.", "Japan pledged 700 million dollars.")
    ]
    meeting.refresh_from_db()
    assert meeting.outcomes == "Japan pledged 700 million dollars."

    # Without it (the contract's columns only): left as it is.
    text = export_text(MeetingResource).replace(",Tokyo,", ",Osaka,")
    assert problems(run(MeetingResource, text)) == []
    meeting.refresh_from_db()
    assert (meeting.city, meeting.outcomes) == (
        "Osaka",
        "Japan pledged 700 million dollars.",
    )

    text = "slug,title,publisher,url,published_on,note\nnew,New,,,,Its note.\n"
    assert problems(run(SourceResource, text)) == []
    assert Source.objects.get(slug="new").note == "Its note."
    assert Source.objects.get(slug="mofa-2012").note == "A press release."

    text = (
        "code,name,role,joined_on,summary,sources\n"
        "KZ,Kazakhstan,member,,,mofa-2012;new\n"
        "JP,Japan,member,,,nowhere\n"
    )
    before = counts()
    assert problems(run(CountryResource, text)) == [
        'Line 3, column "sources": Unknown source slug "nowhere": add the source to '
        "sources.csv first, or correct the slug. Separate slugs with ;."
    ]
    assert counts() == before
    result = run(CountryResource, text.replace("nowhere", ""))
    assert result.summary() == "0 new, 1 updated, 1 unchanged"
    kazakhstan = Country.objects.get(code="KZ")
    assert sorted(kazakhstan.sources.values_list("slug", flat=True)) == [
        "mofa-2012",
        "new",
    ]
    assert export_text(CountryResource, True).splitlines()[1:] == [
        "KZ,Kazakhstan,member,,,mofa-2012;new,true",
        "JP,Japan,member,,,,true",
    ]


def test_a_misspelt_extension_column_is_named(base):
    header = MEETING_HEADER + ",outcome"
    result = run(MeetingResource, f"{header}\n{meeting_row()},Peace\n")
    assert problems(result) == [
        'Line 1: unknown column "outcome". Did you mean "outcomes"?',
        f"The header row of meetings.csv must be: {MEETING_HEADER} (optionally "
        "followed by outcomes,series,published)",
    ]
    assert not Meeting.objects.filter(number=5).exists()


def test_export_uses_natural_keys_partial_dates_and_joined_sources(db):
    kz = make_country("KZ")
    first = make_source(slug="b-source")
    second = make_source(slug="a-source")
    meeting = make_meeting(
        slug="2006-06-foreign-ministers",
        number=None,
        start_date=datetime.date(2006, 6, 1),
        start_precision="month",
        host=kz,
    )
    meeting.sources.set([first, second])
    lines = export_text(MeetingResource).splitlines()
    assert lines[1] == (
        "2006-06-foreign-ministers,foreign_ministers,,"
        f"{meeting.title},held,2006-06,,Tokyo,KZ,,,a-source;b-source"
    )


def test_new_meeting_is_imported_with_its_precision_host_and_sources(base):
    text = meetings_csv(
        meeting_row(start_date="2014-07", end_date="2015", sources="mofa-2012")
    )
    result = run(MeetingResource, text)
    assert problems(result) == []
    assert result.summary() == "1 new, 0 updated, 0 unchanged"
    meeting = Meeting.objects.get(slug="2014-07-16-foreign-ministers-5")
    assert str(meeting.start) == "July 2014"
    assert str(meeting.end) == "2015"
    assert meeting.host.code == "KZ"
    assert [s.slug for s in meeting.sources.all()] == ["mofa-2012"]


def test_empty_slug_is_made_from_date_kind_and_number(base):
    text = meetings_csv(meeting_row(slug="", number="5"))
    run(MeetingResource, text)
    meeting = Meeting.objects.get(number=5)
    assert meeting.slug == "2014-07-16-foreign-ministers-5"
    # The same rule as the admin's: a meeting saved without a slug gets the same.
    assert meeting.derive_slug() == meeting.slug


@pytest.mark.parametrize("number", ["", "5"])
def test_reimporting_a_file_with_empty_slugs_adds_nothing(base, number):
    text = meetings_csv(meeting_row(slug="", number=number, kind="other"))
    run(MeetingResource, text)
    before = counts()
    result = run(MeetingResource, text)
    assert problems(result) == []
    assert result.summary() == "0 new, 0 updated, 1 unchanged"
    assert counts() == before
    # A meeting whose made-up slug has a suffix is found too.
    slug = Meeting.objects.get(kind="other").slug
    Meeting.objects.filter(kind="other").delete()
    make_meeting(slug=slug, kind="senior_officials", number=None)
    run(MeetingResource, text)
    assert Meeting.objects.get(kind="other").slug == f"{slug}-2"
    assert run(MeetingResource, text).summary() == "0 new, 0 updated, 1 unchanged"


FOURTH = "2012-11-10-foreign-ministers-4"


def test_attendees_by_name_in_any_script_and_unnamed_by_position(base, client):
    text = (
        "meeting,person,position,country,capacity,published\n"
        "2012-11-10-foreign-ministers-4,Ерлан Абдылдаев,Minister,KZ,delegate,true\n"
        "2012-11-10-foreign-ministers-4,玄葉光一郎,Minister for Foreign Affairs,JP,"
        "delegate,true\n"
        "2012-11-10-foreign-ministers-4,,Ambassador to Japan,KZ,observer,true\n"
    )
    result = run(AttendanceResource, text)
    assert problems(result) == []
    assert result.summary() == "3 new, 0 updated, 0 unchanged"
    # The people the file names for the first time are published with their rows.
    assert sorted(Person.objects.values_list("name", "slug", "published")) == [
        ("Ерлан Абдылдаев", "ерлан-абдылдаев", True),
        ("玄葉光一郎", "玄葉光一郎", True),
    ]
    page = client.get(reverse("dialogue:meeting-detail", args=[FOURTH])).content
    assert "Ерлан Абдылдаев" in page.decode() and "玄葉光一郎" in page.decode()
    unnamed = Attendance.objects.get(person=None)
    assert (unnamed.position, unnamed.capacity) == ("Ambassador to Japan", "observer")
    # A changed capacity updates the row found by meeting+country+position.
    result = run(AttendanceResource, text.replace(",KZ,observer,", ",KZ,guest,"))
    assert result.summary() == "0 new, 1 updated, 2 unchanged"
    assert Attendance.objects.get(person=None).capacity == "guest"
    assert Attendance.objects.count() == 3


def test_names_and_large_amounts_are_shown_intact_on_public_pages(base, client):
    run(
        PledgeResource,
        f"{PLEDGE_HEADER},published\n"
        "japan-2006,JP,10000000000000,JPY,true,2006-06,"
        "2012-11-10-foreign-ministers-4,Роды и 支援,mofa-2012,true\n",
    )
    pledge = Pledge.objects.get()
    assert pledge.amount == Decimal("10000000000000")
    response = client.get(reverse("dialogue:pledge-list"))
    assert "JPY 10,000,000,000,000" in response.content.decode()
    assert "Роды и 支援" in response.content.decode()


def test_html_in_a_cell_stays_text_on_the_public_page(base, client):
    title = "<script>alert('x')</script> Summit"
    run(MeetingResource, meetings_csv(meeting_row(title=f'"{title}"')))
    meeting = Meeting.objects.get(number=5)
    Meeting.objects.filter(pk=meeting.pk).update(published=True)
    assert meeting.title == title
    page = page_text(client.get(meeting.get_absolute_url()))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert('x')&lt;/script&gt; Summit" in page


# --- All or nothing, every problem named ----------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"host": "XX"},
            'Line 3, column "host": Unknown country code "XX". Known codes: JP, KZ. '
            "Add the country to countries.csv first, or correct the code.",
        ),
        (
            {"host": "kz"},
            'Line 3, column "host": Country codes are written in capitals: "KZ".',
        ),
        (
            {"sources": "mofa-2012;no-such-source"},
            'Line 3, column "sources": Unknown source slug "no-such-source": add the '
            "source to sources.csv first, or correct the slug. Separate slugs with ;.",
        ),
        (
            {"start_date": "2014-13-45"},
            'Line 3, column "start_date": "2014-13-45" is not a date: use '
            "YYYY-MM-DD, YYYY-MM, YYYY or leave it empty.",
        ),
        (
            {"start_date": "16/07/2014"},
            'Line 3, column "start_date": "16/07/2014" is not a date: use '
            "YYYY-MM-DD, YYYY-MM, YYYY or leave it empty.",
        ),
        (
            {"kind": "summitt"},
            'Line 3, column "kind": "summitt" is not allowed here: use one of '
            "foreign_ministers, senior_officials, intellectual_dialogue, "
            "expert_meeting, business_dialogue, summit, other.",
        ),
        (
            {"format": "virtual"},
            'Line 3, column "format": "virtual" is not allowed here: use one of '
            "in_person, online, hybrid or leave it empty.",
        ),
        (
            {"number": "5th"},
            'Line 3, column "number": "5th" is not a whole number: write 4 for the '
            "4th meeting, or leave it empty if the number is not known.",
        ),
        (
            {"number": "4"},
            'Line 3, column "number": Another meeting of this series already has '
            "this number.",
        ),
        (
            {"end_date": "2014-07-01"},
            'Line 3, columns "start_date" and "end_date": A meeting cannot end '
            "before it starts.",
        ),
        (
            {"format": "online"},
            'Line 3, columns "city" and "format": An online meeting has no city.',
        ),
        (
            {"title": ""},
            'Line 3, column "title": This column cannot be empty.',
        ),
        (
            {"slug": "5th meeting"},
            'Line 3, column "slug": Enter a valid “slug” consisting of letters, '
            "numbers, underscores or hyphens.",
        ),
        (
            {"title": "   "},
            'Line 3, column "title": This column cannot be empty.',
        ),
        (
            {"title": "x" * 301},
            'Line 3, column "title": Ensure this value has at most 300 characters '
            "(it has 301).",
        ),
        (
            {"kind": ""},
            'Line 3, column "kind": This column cannot be empty.',
        ),
        (
            {"status": "done"},
            'Line 3, column "status": "done" is not allowed here: use one of held, '
            "planned, cancelled.",
        ),
        (
            {"number": "0"},
            'Line 3, column "number": Constraint “meeting_number_positive” is '
            "violated.",
        ),
    ],
)
def test_a_bad_meeting_row_is_named_and_nothing_is_saved(base, cells, expected):
    good = meeting_row(slug="first-good-row", number="6")
    before = counts()
    result = run(MeetingResource, meetings_csv(good, meeting_row(**cells)))
    assert problems(result) == [expected]
    assert counts() == before


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            'JP,"1,000,000",USD,false',
            'Line 2, column "amount": "1,000,000" contains a comma: write 700000000 '
            "or 1234.50, with no thousands separators and a point for decimals.",
        ),
        (
            "JP,700m,USD,false",
            'Line 2, column "amount": "700m" is not a plain number: write 700000000 '
            "or 1234.50 (digits only, no letters, spaces or currency signs).",
        ),
        (
            "JP,0,USD,false",
            'Line 2, column "amount": The amount must be more than zero.',
        ),
        (
            "JP,100,usd,false",
            'Line 2, column "currency": The currency must be an ISO 4217 code in '
            "capitals, e.g. USD.",
        ),
        (
            "JP,100,XYZ,false",
            'Line 2, column "currency": The currency must be an ISO 4217 code in '
            "capitals, e.g. USD.",
        ),
        (
            "JP,100,USD,maybe",
            'Line 2, column "approximate": "maybe" is not allowed here: write true '
            "or false.",
        ),
        (
            "FR,100,USD,false",
            'Line 2, column "donor": Unknown country code "FR". Known codes: JP, KZ. '
            "Add the country to countries.csv first, or correct the code.",
        ),
        (
            "JP,1234.567,USD,false",
            'Line 2, column "amount": Ensure that there are no more than 2 decimal '
            "places.",
        ),
        (
            "JP,12345678901234567,USD,false",
            'Line 2, column "amount": Ensure that there are no more than 16 digits '
            "before the decimal point.",
        ),
        (",100,USD,false", 'Line 2, column "donor": This column cannot be empty.'),
        ("JP,,USD,false", 'Line 2, column "amount": This column cannot be empty.'),
        ("JP,100,,false", 'Line 2, column "currency": This column cannot be empty.'),
    ],
)
def test_a_bad_pledge_is_named_and_nothing_is_saved(base, cells, expected):
    text = f"{PLEDGE_HEADER}\njapan-2014,{cells},2014,,,mofa-2012\n"
    result = run(PledgeResource, text)
    assert problems(result) == [expected]
    assert Pledge.objects.count() == 0


def test_a_pledge_row_needs_its_slug(base):
    # The model would make one up, but the next import could not find it again.
    text = f"{PLEDGE_HEADER}\n ,JP,100,USD,false,2014,,,\n"
    assert problems(run(PledgeResource, text)) == [
        'Line 2, column "slug": This column cannot be empty.'
    ]
    assert Pledge.objects.count() == 0


def test_every_problem_is_named_at_once_those_of_the_database_too(base):
    """A cell that cannot be read, and rows the database refuses (a number taken
    by another row of the file, a name taken by another country), all in one
    report."""
    text = meetings_csv(
        meeting_row(slug="a", number="6", start_date="someday"),
        meeting_row(slug="b", number="7"),
        meeting_row(slug="c", number="7", title="The same number"),
        meeting_row(slug="d", number="8", end_date="2014-07-01"),
    )
    before = counts()
    assert problems(run(MeetingResource, text)) == [
        'Line 2, column "start_date": "someday" is not a date: use YYYY-MM-DD, '
        "YYYY-MM, YYYY or leave it empty.",
        'Line 4, column "number": Another meeting of this series already has this '
        "number.",
        'Line 5, columns "start_date" and "end_date": A meeting cannot end before it '
        "starts.",
    ]
    text = (
        "code,name,role,joined_on,summary\n"
        "KG,Kyrgyzstan,member,,\n"
        "TJ,Kyrgyzstan,member,,\n"
    )
    assert problems(run(CountryResource, text)) == [
        'Line 3, column "name": Participant with this Name already exists.'
    ]
    assert counts() == before


def test_a_new_persons_name_is_checked_by_the_model(base):
    name = "x" * 201
    text = f"meeting,person,position,country,capacity\n{FOURTH},{name},,JP,delegate\n"
    assert problems(run(AttendanceResource, text)) == [
        'Line 2, column "person": Ensure this value has at most 200 characters (it '
        "has 201)."
    ]
    assert (Attendance.objects.count(), Person.objects.count()) == (0, 0)


def test_unknown_meeting_slug_in_attendees(base):
    text = (
        "meeting,person,position,country,capacity\n"
        "2012-11-10-foreign-ministers-4,Koichiro Gemba,Minister,JP,delegate\n"
        "2012-11-10-foreign-ministers-9,Taro Aso,Minister,JP,delegate\n"
    )
    result = run(AttendanceResource, text)
    assert problems(result) == [
        'Line 3, column "meeting": Unknown meeting slug '
        '"2012-11-10-foreign-ministers-9": no meeting has this slug. Add the meeting '
        "to meetings.csv first, or correct the slug. Did you mean "
        '"2012-11-10-foreign-ministers-4"?'
    ]
    assert (Attendance.objects.count(), Person.objects.count()) == (0, 0)


def test_unnamed_attendee_needs_a_position(base):
    text = (
        "meeting,person,position,country,capacity\n"
        "2012-11-10-foreign-ministers-4,,,KZ,delegate\n"
    )
    assert problems(run(AttendanceResource, text)) == [
        'Line 2, columns "person" and "position": An attendee whose name is not '
        "known needs a position."
    ]


def test_the_same_slug_twice_in_one_file(base):
    text = meetings_csv(
        meeting_row(number="6"), meeting_row(number="7", title="Another")
    )
    result = run(MeetingResource, text)
    assert problems(result) == [
        'Line 3, column "slug": The slug "2014-07-16-foreign-ministers-5" appears '
        "twice in this file (first on line 2)."
    ]
    assert Meeting.objects.count() == 1


def test_the_same_unchanged_row_twice_is_still_refused(base):
    make_source(slug="kept", title="Kept")
    line = "kept,Kept,Publisher,,"
    result = run(
        SourceResource, f"slug,title,publisher,url,published_on\n{line}\n{line}\n"
    )
    assert problems(result) == [
        'Line 3, column "slug": The slug "kept" appears twice in this file (first on '
        "line 2)."
    ]


def test_country_code_must_be_iso(db):
    text = (
        "code,name,role,joined_on,summary\n"
        "XX,Nowhere,member,,\n"
        "kz,Kazakhstan,member,,\n"
        "JP,Japan,partner,2004,\n"
    )
    assert problems(run(CountryResource, text)) == [
        'Line 2, column "code": The code must be an ISO 3166-1 alpha-2 code in '
        "capitals, e.g. KZ.",
        'Line 3, column "code": The code must be an ISO 3166-1 alpha-2 code in '
        "capitals, e.g. KZ.",
        'Line 4, column "role": "partner" is not allowed here: use one of member, '
        "observer, guest.",
        'Line 4, column "joined_on": "2004" is not a full date: use YYYY-MM-DD or '
        "leave it empty.",
    ]
    assert Country.objects.count() == 0


def test_line_numbers_count_lines_of_the_file(base):
    # A quoted cell over two lines, and a blank line: the error is on line 5.
    text = meetings_csv(
        meeting_row(slug="a", number="6", summary='"two\nlines"'),
        "",
        meeting_row(slug="b", number="7", host="XX"),
    )
    assert [p.line for p in run(MeetingResource, text).problems()] == [5]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "slug,kind,number,title,status,start_date,end_date,city,hots,format,"
            "summary,sources",
            [
                'Line 1: unknown column "hots". Did you mean "host"?',
                'Line 1: the column "host" is missing.',
                f"The header row of meetings.csv must be: {MEETING_HEADER} "
                "(optionally followed by outcomes,series,published)",
            ],
        ),
        (
            "slug,kind,number,title,status,start_date,end_date,city,format,summary,"
            "sources",
            [
                'Line 1: the column "host" is missing.',
                f"The header row of meetings.csv must be: {MEETING_HEADER} "
                "(optionally followed by outcomes,series,published)",
            ],
        ),
        (
            MEETING_HEADER + ",",
            [
                "Line 1: column 13 has no name. Delete that column, or give it one of "
                "the names below.",
                f"The header row of meetings.csv must be: {MEETING_HEADER} "
                "(optionally followed by outcomes,series,published)",
            ],
        ),
        (
            MEETING_HEADER.replace(",", ";"),
            [
                "The columns are separated by semicolons or tabs: this import needs "
                "commas. Save the file as “CSV UTF-8 (comma delimited)”. The header "
                f"row must be: {MEETING_HEADER}"
            ],
        ),
    ],
)
def test_missing_or_misspelled_header(base, header, expected):
    before = counts()
    cells = header.count(",") + 1
    row = meeting_row().replace(",", ";") if ";" in header else ",".join("x" * cells)
    result = run(MeetingResource, f"{header}\n{row}\n")
    assert problems(result) == expected
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            "code,name,role,joined_on,summary\nTR,Türkiye,guest,,\n".encode("latin-1"),
            "The file is not UTF-8 text (the byte 0xFC at position 38 cannot be "
            "read). In Excel choose “CSV UTF-8 (comma delimited)” when saving; in "
            "LibreOffice choose the character set “Unicode (UTF-8)”.",
        ),
        (b"", "The file is empty."),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            "This is a spreadsheet workbook (Excel or LibreOffice), not a CSV file. "
            "Open it and save it as “CSV UTF-8 (comma delimited)”, then upload that "
            "file.",
        ),
        (b"\xef\xbb\xbf \r\n", "The file is empty."),
        (
            b"code\x00name",
            "This is not a CSV file: it contains binary data. Save the spreadsheet as "
            "CSV (comma-separated values) and upload that file.",
        ),
        (
            b'code,name\n"KZ,Kazakhstan\n',
            'Line 2, column "code": a double quote opens this value and is never '
            "closed, so the rest of the file would be read into it. End the value "
            'with a double quote, and write a double quote inside a value as two ("").',
        ),
        (
            b"code,name,role\nKZ,Kazakhstan,member,extra\n",
            "Line 2 has 4 cells but the header has 3 columns. Check for a comma inside "
            "a value that is not in double quotes.",
        ),
    ],
)
def test_unreadable_files_are_refused(data, expected):
    with pytest.raises(CsvFileError) as error:
        read_csv(data)
    assert str(error.value) == expected


def test_a_page_body_over_128_kb_goes_out_and_back_in_whole(db):
    # The csv module's own limit is 128 KB a cell; a page's body has none.
    from dialogue.csv.resources import PageResource
    from dialogue.models import Page
    from tests.factories import make_page

    body = "A long page. " * 20_000  # 260,000 characters
    page = make_page(body=body)
    exported = write_csv(PageResource().export(queryset=Page.objects.all()))
    Page.objects.filter(pk=page.pk).update(body="Cut short.")
    result = PageResource().import_data(read_csv(exported.encode("utf-8")))
    assert not result.has_errors() and not result.has_validation_errors()
    page.refresh_from_db()
    assert page.body == body


def test_a_cell_longer_than_the_csv_limit_is_named_by_its_line(settings):
    # Only text passed in directly (no upload cap applies) can reach the limit.
    import csv

    settings.CSV_IMPORT_MAX_BYTES = 500
    limit = csv.field_size_limit()
    csv.field_size_limit(1000)
    try:
        with pytest.raises(CsvFileError) as error:
            read_csv("slug,body\nabout,short\nlong," + "x" * 2000 + "\n")
    finally:
        csv.field_size_limit(limit)
    assert str(error.value) == (
        "A cell that starts on line 3 is longer than 1,000 characters, the longest a "
        "cell may be. Check for a double quote that opens a value and is never closed."
    )


def test_files_over_the_cap_are_refused(settings):
    settings.CSV_IMPORT_MAX_BYTES = 1024
    with pytest.raises(CsvFileError) as error:
        read_csv(b"x" * 1025)
    assert str(error.value) == (
        "The file is 1.0\xa0KB; the largest file accepted is 1.0\xa0KB. Split it into "
        "smaller files."
    )


def test_default_cap_is_five_megabytes():
    from dialogue.csv.files import max_upload_bytes

    assert max_upload_bytes() == 5 * 1024 * 1024


def test_a_database_error_halfway_leaves_nothing_saved(base):
    """A row the checks let through but the database refuses: everything before
    it in the same import is rolled back, and the report says why."""
    text = meetings_csv(
        meeting_row(slug="fine-1", number="6"),
        meeting_row(slug="fine-2", number="7"),
    )
    before = counts()
    original = Meeting.objects.bulk_create

    def bulk_create_then_fail(objs, **kwargs):
        original(objs[:1], **kwargs)  # the first row reaches the database...
        raise IntegrityError("CHECK constraint failed: meeting_online_has_no_city")

    with mock.patch.object(Meeting.objects, "bulk_create", bulk_create_then_fail):
        result = run(MeetingResource, text)
    assert problems(result) == [
        'Line 2, columns "city" and "format": An online meeting has no city.',
        'Line 3, columns "city" and "format": An online meeting has no city.',
    ]
    assert counts() == before  # ...and is gone again


def test_a_database_error_in_the_sources_table_rolls_back_the_meetings(base):
    text = meetings_csv(meeting_row(slug="fine-1", number="6"))
    through = Meeting.sources.through
    with mock.patch.object(
        through.objects, "bulk_create", side_effect=IntegrityError("disk says no")
    ):
        result = run(MeetingResource, text)
    assert problems(result) == [
        "The database refused the changes, so nothing was saved: disk says no. Check "
        "the rows against docs/csv-format.md and try again."
    ]
    assert not Meeting.objects.filter(slug="fine-1").exists()


@pytest.fixture
def refusing_trigger(db):
    """A real database error: a trigger refusing links to one source."""
    from django.db import connection

    refused = make_source(slug="refused", title="Refused")
    table = Meeting.sources.through._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_link() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.source_id = {refused.pk} THEN "
                "RAISE EXCEPTION 'refused by the test trigger'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_link BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_link()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_link BEFORE INSERT ON {table} "
                f"WHEN NEW.source_id = {refused.pk} BEGIN "
                "SELECT RAISE(ABORT, 'refused by the test trigger'); END"
            )
    return refused


def test_a_real_database_error_after_rows_were_written(base, refusing_trigger):
    """The meetings are inserted, then the database refuses one source link:
    the inserted meetings are rolled back with it."""
    text = meetings_csv(
        meeting_row(slug="fine-1", number="6"),
        meeting_row(slug="fine-2", number="7", sources="mofa-2012;refused"),
    )
    before = counts()
    result = run(MeetingResource, text)
    [message] = problems(result)
    assert message.startswith(
        "The database refused the changes, so nothing was saved: refused by the "
        "test trigger"
    )
    assert counts() == before
    assert not Meeting.objects.filter(slug__startswith="fine-").exists()


def test_dry_run_saves_nothing_but_reports_what_would_change(base):
    result = run(MeetingResource, meetings_csv(meeting_row()), dry_run=True)
    assert result.summary() == "1 new, 0 updated, 0 unchanged"
    assert [(row.line, str(row.status), row.key) for row in result.rows] == [
        (2, "new", "2014-07-16-foreign-ministers-5")
    ]
    assert not Meeting.objects.filter(number=5).exists()


def test_update_lists_the_changed_columns(base):
    run(MeetingResource, meetings_csv(meeting_row()))
    result = run(MeetingResource, meetings_csv(meeting_row(city="Tokyo", sources="")))
    assert result.summary() == "0 new, 1 updated, 0 unchanged"
    assert result.rows[0].changes == [
        ("city", "Bishkek", "Tokyo"),
        ("sources", "mofa-2012", ""),
    ]
    meeting = Meeting.objects.get(number=5)
    assert (meeting.city, meeting.sources.count()) == ("Tokyo", 0)


def test_import_leaves_fields_outside_the_format_alone(base):
    meeting = Meeting.objects.get(number=4)
    meeting.outcomes = "Japan pledged."
    meeting.published = False
    meeting.save()
    exported = export_text(MeetingResource).replace("Meeting ", "Renamed meeting ")
    run(MeetingResource, exported)
    meeting.refresh_from_db()
    assert (meeting.title.startswith("Renamed"), meeting.outcomes) == (
        True,
        "Japan pledged.",
    )
    assert meeting.published is False


# --- Round trips ---------------------------------------------------------------


def test_reimporting_an_export_changes_nothing(seed):
    before = {model: list(model.objects.values()) for model in (Meeting, Pledge)}
    for resource in DATASET:
        result = run(resource, export_text(resource))
        assert result.failed is False
        assert result.totals["new"] == result.totals["update"] == 0
        assert result.totals["skip"] == resource().get_queryset().count()
    assert {model: list(model.objects.values()) for model in (Meeting, Pledge)} == (
        before
    )


def test_export_import_export_is_identical_in_an_empty_database(seed):
    first = {resource.file_name: export_text(resource) for resource in DATASET}
    for model in (Document, Pledge, Attendance, Meeting, Person, Country, Source):
        model.objects.all().delete()
    for resource in DATASET:
        result = run(resource, first[resource.file_name])
        assert problems(result) == []
    second = {resource.file_name: export_text(resource) for resource in DATASET}
    assert second == first


FORMULAS = [
    "-5 °C",
    "=SUM(A1)",
    "+81 3",
    "@here",
    "\tindented",
    "\rreturn",
    "'=x",
    "''",
]


def test_formula_cells_are_neutralised_and_restored_exactly(db):
    for value in FORMULAS:
        assert unescape_formula(escape_formula(value)) == value
    assert [escape_formula(v) for v in FORMULAS[:6]] == [
        "'-5 °C",
        "'=SUM(A1)",
        "'+81 3",
        "'@here",
        "'\tindented",
        "'\rreturn",
    ]
    assert escape_formula("'Tis") == "'Tis"
    for i, value in enumerate(FORMULAS):
        make_source(slug=f"formula-{i}", title=value, publisher=value)
    exported = export_text(SourceResource)
    assert "\n=" not in exported and ",=" not in exported and ",-" not in exported
    Source.objects.all().delete()
    run(SourceResource, exported)
    assert sorted(Source.objects.values_list("title", flat=True)) == sorted(FORMULAS)
    assert export_text(SourceResource) == exported


def test_export_is_in_a_constant_number_of_queries(db, django_assert_num_queries):
    kz = make_country("KZ")
    source = make_source()
    for n in range(30):
        meeting = make_meeting(slug=f"m-{n}", number=n + 1, host=kz)
        meeting.sources.add(source)
        make_attendance(meeting, kz, make_person(f"Person {n}"))
        make_pledge(kz, meeting=meeting)
    for resource, queries in (
        (MeetingResource, 2),
        (AttendanceResource, 1),
        (PledgeResource, 2),
    ):
        with django_assert_num_queries(queries):
            assert len(resource().export()) == 30


# --- People, documents, their points and pages (admin only) -----------------------


@pytest.mark.parametrize("extensions", [False, True], ids=["contract", "extensions"])
def test_every_kind_round_trips_through_an_empty_database(seed, extensions):
    first = {
        resource.file_name: export_text(resource, extensions)
        for resource in FULL_DATASET
    }
    flag = ",published" if extensions else ""
    assert first["document_points.csv"].splitlines()[0] == (
        "\ufeffdocument,number,heading,text,is_quotation" + flag
    )
    assert first["pages.csv"].splitlines()[0] == (
        "\ufeffslug,title,summary,body,menu_order,sources" + flag
    )
    for resource in FULL_DATASET:
        result = run(resource, first[resource.file_name])
        assert result.totals["skip"] == result.total_rows, resource.file_name
    for model in (DocumentPoint, Document, Page, Pledge, Attendance, Meeting):
        model.objects.all().delete()
    for model in (Person, Country, Source):
        model.objects.all().delete()
    for resource in FULL_DATASET:
        assert problems(run(resource, first[resource.file_name])) == []
    second = {
        resource.file_name: export_text(resource, extensions)
        for resource in FULL_DATASET
    }
    assert second == first
    assert DocumentPoint.objects.filter(is_quotation=True).exists()


def test_document_points_are_checked(db):
    from tests.factories import make_document

    make_document(slug="joint-statement-2004")
    text = (
        "document,number,heading,text,is_quotation\n"
        "joint-statement-2004,1,Aims,Peace,false\n"
        "joint-statement-2004,01,Aims,Peace again,false\n"
        "joint-statement-2005,2,Aims,Stability,false\n"
        "joint-statement-2004,two,Aims,Stability,false\n"
        "joint-statement-2004,3,,,yes\n"
    )
    assert problems(run(DocumentPointResource, text)) == [
        'Line 3, column "number": Point 1 of "joint-statement-2004" appears twice in '
        "this file (first on line 2).",
        'Line 4, column "document": Unknown document slug "joint-statement-2005": no '
        "document has this slug. Add the document first, or correct the slug. Did "
        'you mean "joint-statement-2004"?',
        'Line 5, column "number": "two" is not a whole number: write 1 for the first '
        "point.",
        'Line 6, column "text": This column cannot be empty.',
        'Line 6, column "is_quotation": "yes" is not allowed here: write true or '
        "false.",
    ]
    assert DocumentPoint.objects.count() == 0


def test_people_may_have_slugs_in_any_script(db):
    text = "slug,name,other_names\n玄葉光一郎,Koichiro Gemba,玄葉光一郎\n"
    assert problems(run(PersonResource, text)) == []
    assert Person.objects.get(slug="玄葉光一郎").name == "Koichiro Gemba"


def test_a_document_author_named_for_the_first_time_is_created(db):
    text = (
        "slug,title,kind,date,meeting,author,author_role,summary,sources\n"
        "aso-2006,Corridor of Peace,speech,2006-06,,Taro Aso,Foreign Minister,,\n"
    )
    assert problems(run(DocumentResource, text)) == []
    document = Document.objects.get(slug="aso-2006")
    assert (document.author.slug, str(document.dated)) == ("taro-aso", "June 2006")


def test_a_document_author_changed_to_a_new_name_is_created(db):
    from tests.factories import make_document

    aso = make_person("Taro Aso")
    make_document(slug="aso-2006", title="Corridor of Peace", author=aso)
    exported = export_text(DocumentResource)
    assert ",Taro Aso," in exported
    result = run(DocumentResource, exported.replace(",Taro Aso,", ",Taro Kono,"))
    assert problems(result) == []
    assert result.summary() == "0 new, 1 updated, 0 unchanged"
    assert result.rows[0].changes == [("author", "Taro Aso", "Taro Kono")]
    assert [str(note) for note in result.notes] == [
        'Line 2, column "author": new person "Taro Kono".'
    ]
    document = Document.objects.get(slug="aso-2006")
    assert (document.author.name, document.author.slug) == ("Taro Kono", "taro-kono")
    assert sorted(Person.objects.values_list("name", flat=True)) == [
        "Taro Aso",
        "Taro Kono",
    ]


ATTENDEES_HEADER = "meeting,person,position,country,capacity"


def test_people_named_for_the_first_time_are_noted_with_a_hint(base, monkeypatch):
    make_person("Koichiro Gemba", other_names="玄葉光一郎\nГемба")
    make_meeting(slug="2014-07-16-foreign-ministers-5", number=5)
    minister = "Minister for Foreign Affairs,JP,delegate"
    text = "\n".join(
        [
            ATTENDEES_HEADER,
            f"2012-11-10-foreign-ministers-4,Koichiro Genba,{minister}",
            f"2012-11-10-foreign-ministers-4,Taro Aso,{minister}",
            f"2012-11-10-foreign-ministers-4,ＫＯＩＣＨＩＲＯ ＧＥＭＢＡ,{minister}",
            f"2012-11-10-foreign-ministers-4,玄葉光一郎,{minister}",
            f"2014-07-16-foreign-ministers-5,Taro Aso,{minister}",
            f"2014-07-16-foreign-ministers-5,Koichiro Gemba,{minister}",
        ]
    )
    before = counts()
    result = run(AttendanceResource, text, dry_run=True)
    assert problems(result) == []
    notes = [str(note) for note in result.notes]
    assert notes == [
        'Line 2, column "person": new person "Koichiro Genba". Did you mean '
        '"Koichiro Gemba"?',
        'Line 3, column "person": new person "Taro Aso".',
        'Line 4, column "person": new person "ＫＯＩＣＨＩＲＯ ＧＥＭＢＡ". Did you '
        'mean "Koichiro Gemba"?',
        'Line 5, column "person": new person "玄葉光一郎". Did you mean "Koichiro '
        'Gemba"?',
    ]
    assert counts() == before  # a dry run: nothing saved

    # A note is not a problem: the import goes ahead and creates the four people.
    result = run(AttendanceResource, text)
    assert [str(note) for note in result.notes] == notes
    assert result.summary() == "6 new, 0 updated, 0 unchanged"
    assert counts() == {**before, "Person": 5, "Attendance": 6}
    assert Person.objects.get(name="Koichiro Genba").slug == "koichiro-genba"

    # Imported again: nobody is new.
    assert run(AttendanceResource, text).notes == []

    # Past the budget for similarity, only case and Unicode forms are matched.
    monkeypatch.setattr(AttendanceResource, "HINT_BUDGET", 0)
    text = text.replace("Genba", "Gembah").replace("ＧＥＭＢＡ", "ＧＥＭＢＡＨ")
    text = text.replace("Koichiro Gemba,", "KOICHIRO GEMBA,")
    assert [str(note) for note in run(AttendanceResource, text).notes] == [
        'Line 2, column "person": new person "Koichiro Gembah".',
        'Line 4, column "person": new person "ＫＯＩＣＨＩＲＯ ＧＥＭＢＡＨ".',
        'Line 7, column "person": new person "KOICHIRO GEMBA". Did you mean '
        '"Koichiro Gemba"?',
    ]


def test_a_value_refused_once_is_refused_on_every_line(base):
    """Values a field has accepted are not checked again in the same file; values
    it has refused are, on every line that gives them."""
    long_title = "x" * 301
    text = meetings_csv(
        meeting_row(slug="a", number="6", kind="summit"),
        meeting_row(slug="b", number="7", kind="summit", title=long_title),
        meeting_row(slug="c", number="8", kind="summitt", title=long_title),
        meeting_row(slug="d", number="9", kind="summitt"),
    )
    expected_title = (
        'column "title": Ensure this value has at most 300 characters (it has 301).'
    )
    expected_kind = (
        'column "kind": "summitt" is not allowed here: use one of foreign_ministers, '
        "senior_officials, intellectual_dialogue, expert_meeting, business_dialogue, "
        "summit, other."
    )
    assert problems(run(MeetingResource, text)) == [
        f"Line 3, {expected_title}",
        f"Line 4, {expected_kind}",
        f"Line 4, {expected_title}",
        f"Line 5, {expected_kind}",
    ]


@pytest.mark.parametrize("in_list_limit", [1000, 0], ids=["in-list", "whole-table"])
def test_records_are_found_by_key_however_they_are_loaded(
    base, monkeypatch, in_list_limit
):
    from dialogue.csv.base import KeyLoader

    monkeypatch.setattr(KeyLoader, "IN_LIST_LIMIT", in_list_limit)
    run(MeetingResource, meetings_csv(meeting_row()))
    text = meetings_csv(
        meeting_row(city="Tokyo"), meeting_row(slug="new", number="6", title="New")
    )
    result = run(MeetingResource, text)
    assert result.summary() == "1 new, 1 updated, 0 unchanged"
    assert result.rows[0].changes == [("city", "Bishkek", "Tokyo")]
    assert Meeting.objects.get(number=5).city == "Tokyo"
