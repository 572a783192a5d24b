"""The CSV widgets: what each cell reads as, and what each value is written as.

Every mapping is asserted both ways with exact values and messages, so that a
swapped, dropped or wrong mapping in ``dialogue/csv/widgets.py`` fails a test.
"""

import datetime
from decimal import Decimal

import pytest

from dialogue.csv.columns import Column, PartialDateColumn, SourcesColumn
from dialogue.csv.widgets import (
    AmountWidget,
    CountryWidget,
    DayWidget,
    DocumentWidget,
    KeyWidget,
    MeetingWidget,
    NumberWidget,
    PartialDateWidget,
    PersonWidget,
    SourcesWidget,
    TextWidget,
    TrueFalseWidget,
)
from dialogue.models import Country, Document, Meeting, Person, Pledge, Source
from dialogue.partial_dates import PartialDate, Precision


def refused(widget, cell):
    """The message a widget gives for a cell it cannot read."""
    with pytest.raises(ValueError) as error:
        widget.clean(cell)
    return str(error.value)


# --- Text and keys -------------------------------------------------------------


def test_text_is_kept_exactly_as_written():
    widget = TextWidget()
    assert widget.clean("  Two\nlines, and spaces  ") == "  Two\nlines, and spaces  "
    assert widget.clean("   ") == "   "
    assert widget.clean("") == ""
    assert widget.clean(None) == ""
    assert widget.render("  =x ") == "  =x "
    assert widget.render(None) == ""


def test_required_text_reads_a_cell_of_spaces_as_empty():
    widget = TextWidget(spaces_are_empty=True)
    assert widget.clean(" \t ") == ""
    assert widget.clean(" Title ") == " Title "


def test_keys_codes_and_choices_are_read_without_surrounding_spaces():
    widget = KeyWidget()
    assert widget.clean("  KZ ") == "KZ"
    assert widget.clean(" foreign_ministers\t") == "foreign_ministers"
    assert widget.clean("a b") == "a b"
    assert widget.clean(None) == ""
    assert widget.render("mofa-2012") == "mofa-2012"
    assert widget.render(None) == ""


# --- Dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "date", "precision", "written"),
    [
        ("2014-07-16", datetime.date(2014, 7, 16), Precision.DAY, "2014-07-16"),
        (" 2014-07 ", datetime.date(2014, 7, 1), Precision.MONTH, "2014-07"),
        ("2015", datetime.date(2015, 1, 1), Precision.YEAR, "2015"),
        ("", None, Precision.UNKNOWN, ""),
    ],
)
def test_a_partial_date_keeps_its_precision(cell, date, precision, written):
    widget = PartialDateWidget()
    value = widget.clean(cell)
    assert (value.date, value.precision) == (date, precision)
    assert widget.render(value) == written


def test_no_partial_date_is_written_as_an_empty_cell():
    assert PartialDateWidget().render(None) == ""


def test_a_partial_date_that_is_not_one_is_named():
    assert refused(PartialDateWidget(), "16/07/2014") == (
        '"16/07/2014" is not a date: use YYYY-MM-DD, YYYY-MM, YYYY or leave it empty.'
    )
    assert refused(PartialDateWidget(), "2014-02-30") == (
        '"2014-02-30" is not a date: use YYYY-MM-DD, YYYY-MM, YYYY or leave it empty.'
    )


def test_a_full_date_is_a_day_or_empty():
    widget = DayWidget()
    assert widget.clean(" 2004-08-28 ") == datetime.date(2004, 8, 28)
    assert widget.clean("") is None
    assert widget.render(datetime.date(2004, 8, 28)) == "2004-08-28"
    assert widget.render(None) == ""
    assert refused(widget, "2004-08") == (
        '"2004-08" is not a full date: use YYYY-MM-DD or leave it empty.'
    )
    assert refused(widget, " 2004 ") == (
        '"2004" is not a full date: use YYYY-MM-DD or leave it empty.'
    )


# --- Numbers -------------------------------------------------------------------


def test_a_whole_number_is_read_from_plain_digits():
    widget = NumberWidget("write 4 for the 4th meeting")
    assert widget.clean("4") == 4
    assert widget.clean(" 12 ") == 12
    assert widget.clean("007") == 7
    assert widget.clean("") is None
    assert widget.render(4) == "4"
    assert widget.render(0) == "0"
    assert widget.render(None) == ""
    for cell in ("5th", "-1", "4.0", "４"):
        assert refused(widget, cell) == (
            f'"{cell}" is not a whole number: write 4 for the 4th meeting.'
        )


def test_an_empty_number_may_stand_for_a_default():
    widget = NumberWidget("write 0 to list it first", empty=0)
    assert widget.clean("") == 0
    assert widget.clean("3") == 3


def test_an_amount_is_read_as_written_and_written_without_trailing_zeros():
    widget = AmountWidget()
    assert widget.clean("700000000") == Decimal("700000000")
    assert str(widget.clean(" 1234.50 ")) == "1234.50"
    assert str(widget.clean("1.234")) == "1.234"  # too precise: the model says so
    assert widget.clean("") is None
    assert widget.render(Decimal("700000000.00")) == "700000000"
    assert widget.render(Decimal("1234.50")) == "1234.5"
    assert widget.render(Decimal("0.05")) == "0.05"
    assert widget.render(None) == ""


def test_an_amount_with_separators_letters_or_signs_is_refused():
    widget = AmountWidget()
    assert refused(widget, "1,000,000") == (
        '"1,000,000" contains a comma: write 700000000 or 1234.50, with no '
        "thousands separators and a point for decimals."
    )
    for cell in ("700m", "$100", "-5", "1 000", "1.2.3", ".5"):
        assert refused(widget, cell) == (
            f'"{cell}" is not a plain number: write 700000000 or 1234.50 (digits '
            "only, no letters, spaces or currency signs)."
        )


def test_true_and_false_in_any_case_and_nothing_else():
    widget = TrueFalseWidget()
    assert widget.clean("true") is True
    assert widget.clean(" TRUE ") is True
    assert widget.clean("False") is False
    assert widget.render(True) == "true"
    assert widget.render(False) == "false"
    assert refused(widget, "yes") == '"yes" is not allowed here: write true or false.'
    assert refused(widget, "1") == '"1" is not allowed here: write true or false.'
    for cell in (" ", ""):
        assert refused(widget, cell) == (
            "An empty cell is not allowed here: write true or false."
        )


# --- Records of other files -----------------------------------------------------


def test_a_country_is_found_by_its_code():
    kazakhstan, japan = Country(code="KZ"), Country(code="JP")
    widget = CountryWidget()
    widget.load({"KZ": kazakhstan, "JP": japan})
    assert widget.clean("KZ") is kazakhstan
    assert widget.clean(" JP ") is japan
    assert widget.clean("") is None
    assert widget.render(japan) == "JP"
    assert widget.render(None) == ""
    assert refused(widget, "kz") == 'Country codes are written in capitals: "KZ".'
    assert refused(widget, "XX") == (
        'Unknown country code "XX". Known codes: JP, KZ. Add the country to '
        "countries.csv first, or correct the code."
    )


def test_no_country_known_yet_is_said_so():
    widget = CountryWidget()
    assert refused(widget, "KZ") == (
        'Unknown country code "KZ". Known codes: none yet. Add the country to '
        "countries.csv first, or correct the code."
    )


def test_a_meeting_is_found_by_its_slug_with_a_hint_when_misspelt():
    fourth = Meeting(slug="2012-11-10-foreign-ministers-4")
    widget = MeetingWidget()
    widget.load({fourth.slug: fourth})
    assert widget.clean(" 2012-11-10-foreign-ministers-4 ") is fourth
    assert widget.clean("") is None
    assert widget.render(fourth) == "2012-11-10-foreign-ministers-4"
    assert widget.render(None) == ""
    assert refused(widget, "2012-11-10-foreign-ministers-5") == (
        'Unknown meeting slug "2012-11-10-foreign-ministers-5": no meeting has this '
        "slug. Add the meeting to meetings.csv first, or correct the slug. Did you "
        'mean "2012-11-10-foreign-ministers-4"?'
    )
    # Not close enough for a hint.
    assert refused(widget, "2012-11-10-senior-4") == (
        'Unknown meeting slug "2012-11-10-senior-4": no meeting has this slug. Add '
        "the meeting to meetings.csv first, or correct the slug."
    )


def test_hints_are_looked_for_among_5000_keys_at_most():
    widget = MeetingWidget()
    slugs = [f"meeting-{n}" for n in range(4999)] + ["tokyo-2012"]
    widget.load(dict.fromkeys(slugs))
    assert refused(widget, "tokyo-2013").endswith(' Did you mean "tokyo-2012"?')
    widget.load(dict.fromkeys([*slugs, "one-too-many"]))
    assert refused(widget, "tokyo-2013").endswith(" or correct the slug.")


def test_a_document_is_found_by_its_slug():
    statement = Document(slug="joint-statement-2004")
    widget = DocumentWidget()
    widget.load({statement.slug: statement})
    assert widget.clean("joint-statement-2004") is statement
    assert widget.clean("") is None
    assert widget.render(statement) == "joint-statement-2004"
    assert refused(widget, "joint-statement-2005") == (
        'Unknown document slug "joint-statement-2005": no document has this slug. '
        'Add the document first, or correct the slug. Did you mean "joint-statement-'
        '2004"?'
    )


def test_sources_are_read_sorted_once_each_and_written_joined():
    first, second = Source(pk=1, slug="b-source"), Source(pk=2, slug="a-source")
    widget = SourcesWidget()
    widget.load({"b-source": first, "a-source": second}, links={7: [1, 2]})
    assert widget.clean("b-source;a-source") == (second, first)
    assert widget.clean(" a-source ; a-source ;") == (second,)
    assert widget.clean("") == ()
    assert widget.sources_of(7) == (second, first)
    assert widget.sources_of(8) == ()
    assert widget.render((second, first)) == "a-source;b-source"
    assert widget.render(()) == ""
    assert widget.render(None) == ""
    assert refused(widget, "a-source;nowhere") == (
        'Unknown source slug "nowhere": add the source to sources.csv first, or '
        "correct the slug. Separate slugs with ;."
    )
    assert refused(widget, "x;a-source;y") == (
        'Unknown source slugs "x", "y": add the source to sources.csv first, or '
        "correct the slug. Separate slugs with ;."
    )
    widget.load({"b-source": first})  # no links given: none
    assert widget.sources_of(7) == ()


# --- People --------------------------------------------------------------------


@pytest.fixture
def people():
    gemba = Person(
        pk=1, name="Koichiro Gemba", slug="koichiro-gemba", other_names="玄葉光一郎"
    )
    widget = PersonWidget()
    widget.load([gemba, Person(pk=2, name="Taro Aso (1940)", slug="taro-aso")])
    return widget, gemba


def test_a_known_person_is_found_by_name(people):
    widget, gemba = people
    assert widget.clean(" Koichiro Gemba ") is gemba
    assert widget.clean("") is None
    assert widget.render(gemba) == "Koichiro Gemba"
    assert widget.render(None) == ""


def test_a_new_name_becomes_one_new_person_with_the_models_slug(people):
    widget, _gemba = people
    person = widget.clean("Ерлан Абдылдаев")
    assert (person.pk, person.name, person.slug) == (
        None,
        "Ерлан Абдылдаев",
        "ерлан-абдылдаев",
    )
    assert widget.clean("Ерлан Абдылдаев") is person
    # "taro-aso" is taken: the model's suffix.
    assert widget.clean("Taro Aso").slug == "taro-aso-2"
    assert widget.clean("Taro  Aso").slug == "taro-aso-3"


def test_a_new_name_the_model_refuses_is_named(people):
    widget, _gemba = people
    assert refused(widget, "x" * 201) == (
        "Ensure this value has at most 200 characters (it has 201)."
    )


def test_a_name_shared_by_two_people_is_refused():
    widget = PersonWidget()
    widget.load(
        [
            Person(name="Taro Aso", slug="taro-aso-2"),
            Person(name="Taro Aso", slug="taro-aso"),
        ]
    )
    assert refused(widget, "Taro Aso") == (
        '2 people are called "Taro Aso" (slugs taro-aso, taro-aso-2), so the file '
        "cannot say which one is meant. Make their names distinct in the admin first."
    )


def test_a_new_name_close_to_a_known_one_gets_a_hint(people):
    widget, _gemba = people
    assert widget.suggestion("Koichiro Genba") == "Koichiro Gemba"
    assert widget.suggestion("KOICHIRO GEMBA", close=False) == "Koichiro Gemba"
    assert widget.suggestion("ＫＯＩＣＨＩＲＯ ＧＥＭＢＡ", close=False) == (
        "Koichiro Gemba"
    )
    assert widget.suggestion("玄葉光一郎", close=False) == "Koichiro Gemba"
    assert widget.suggestion("Koichiro Genba", close=False) is None
    assert widget.suggestion("Koichiro") is None  # not close enough
    assert widget.suggestion("Nursultan Nazarbayev") is None


# --- Columns -------------------------------------------------------------------


def test_a_partial_date_column_writes_the_date_and_its_precision():
    column = PartialDateColumn("announced_on", "announced_on", "announced_precision")
    pledge = Pledge()
    column.assign(pledge, column.parse({"announced_on": "2006-06"}))
    assert (pledge.announced_on, pledge.announced_precision) == (
        datetime.date(2006, 6, 1),
        Precision.MONTH,
    )
    assert column.current(pledge) == PartialDate(datetime.date(2006, 6, 1), "month")
    assert column.export(pledge) == "2006-06"
    assert column.model_fields() == ["announced_on", "announced_precision"]


def test_a_column_reads_its_own_cell_into_its_own_attribute():
    column = Column("city", TextWidget())
    meeting = Meeting(city="Tokyo", title="Tokyo")
    column.assign(meeting, column.parse({"title": "Astana", "city": "Bishkek"}))
    assert (meeting.city, meeting.title) == ("Bishkek", "Tokyo")
    assert column.export(meeting) == "Bishkek"


def test_the_sources_column_compares_with_the_links_of_the_record():
    column = SourcesColumn()
    source = Source(pk=3, slug="mofa-2012")
    column.widget.load({"mofa-2012": source}, links={5: [3]})
    assert column.current(Meeting(pk=5)) == (source,)
    assert column.current(Meeting(pk=6)) == ()
    assert column.current(Meeting()) == ()
    meeting = Meeting(pk=6)
    column.assign(meeting, column.parse({"sources": "mofa-2012"}))
    assert column.current(meeting) == (source,)
    assert column.export(meeting) == "mofa-2012"
