import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from dialogue.markup import render_markdown
from dialogue.models import Attendance, Country, Meeting, Person, Pledge
from dialogue.partial_dates import PartialDate, format_range
from tests.factories import (
    make_attendance,
    make_country,
    make_document,
    make_meeting,
    make_page,
    make_person,
    make_pledge,
    make_point,
    make_source,
)

pytestmark = pytest.mark.django_db


def refused_by_database(create):
    """The database itself refuses the row (no form or model validation ran).

    A check constraint gives IntegrityError; a value longer than its column gives
    DataError on PostgreSQL and reaches the check constraint on SQLite.
    """
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        create()


class TestConstraints:
    @pytest.mark.parametrize("currency", ["usd", "XYZ", "US$", "", "DOLLARS"])
    def test_bad_currency_is_refused(self, currency):
        japan = make_country("JP")
        refused_by_database(lambda: make_pledge(japan, currency=currency))
        assert Pledge.objects.count() == 0

    @pytest.mark.parametrize("amount", ["-5", "0"])
    def test_amount_must_be_positive(self, amount):
        japan = make_country("JP")
        refused_by_database(lambda: make_pledge(japan, amount=Decimal(amount)))
        assert Pledge.objects.count() == 0

    def test_amount_holds_three_trillion_yen_exactly(self):
        pledge = make_pledge(
            make_country("JP"), amount=Decimal("3000000000000"), currency="JPY"
        )
        pledge.refresh_from_db()
        assert pledge.amount == Decimal("3000000000000.00")
        assert str(pledge) == "Japan: JPY 3,000,000,000,000"

    def test_end_before_start_is_refused(self):
        refused_by_database(
            lambda: make_meeting(
                start_date=datetime.date(2012, 11, 10),
                end_date=datetime.date(2012, 11, 9),
                end_precision="day",
            )
        )
        assert Meeting.objects.count() == 0

    def test_online_meeting_cannot_have_a_city(self):
        refused_by_database(lambda: make_meeting(format="online", city="Tokyo"))
        make_meeting(format="online", city="")
        assert Meeting.objects.get().place == "online"

    @pytest.mark.parametrize("code", ["XX", "kz", "K", "KAZ"])
    def test_country_code_must_be_iso_3166(self, code):
        refused_by_database(lambda: make_country(code, name="Somewhere"))
        assert Country.objects.count() == 0

    def test_role_must_be_a_known_choice(self):
        refused_by_database(lambda: make_country("KZ", role="partner"))

    def test_date_and_precision_must_agree(self):
        refused_by_database(
            lambda: make_meeting(start_date=None, start_precision="day")
        )
        refused_by_database(
            lambda: make_meeting(
                start_date=datetime.date(2005, 1, 1), start_precision="unknown"
            )
        )

    def test_number_unique_within_kind_but_cancelled_may_repeat(self):
        make_meeting(kind="summit", number=1)
        refused_by_database(lambda: make_meeting(kind="summit", number=1))
        make_meeting(kind="summit", number=1, status="cancelled")
        make_meeting(kind="foreign_ministers", number=1)
        assert Meeting.objects.filter(number=1).count() == 3

    def test_person_attends_a_meeting_once(self):
        meeting, japan = make_meeting(), make_country("JP")
        gemba = make_person()
        make_attendance(meeting, japan, gemba)
        refused_by_database(lambda: make_attendance(meeting, japan, gemba))

    def test_unnamed_attendee_needs_a_position(self):
        meeting, turkmenistan = make_meeting(), make_country("TM")
        refused_by_database(lambda: make_attendance(meeting, turkmenistan, position=""))
        make_attendance(meeting, turkmenistan, position="Ambassador to Japan")
        assert str(Attendance.objects.get().display_name) == (
            "Ambassador to Japan (name not recorded)"
        )

    def test_model_validation_gives_readable_messages(self):
        meeting = Meeting(
            kind="summit",
            title="Summit",
            start_date=datetime.date(2024, 5, 2),
            end_date=datetime.date(2024, 5, 1),
            end_precision="day",
            format="online",
            city="Astana",
        )
        with pytest.raises(ValidationError) as error:
            meeting.full_clean()
        messages = error.value.messages
        assert "A meeting cannot end before it starts." in messages
        assert "An online meeting has no city." in messages


class TestPartialDates:
    @pytest.mark.parametrize(
        ("text", "shown", "precision"),
        [
            ("2004-08-28", "28 August 2004", "day"),
            ("2006-06", "June 2006", "month"),
            ("2005", "2005", "year"),
            ("", "date unknown", "unknown"),
        ],
    )
    def test_parse_and_show_only_what_is_known(self, text, shown, precision):
        date = PartialDate.parse(text)
        assert str(date) == shown
        assert date.precision == precision
        assert date.isoformat() == text

    @pytest.mark.parametrize("text", ["2006-13", "2006-02-30", "June 2006", "06/2006"])
    def test_malformed_dates_are_named(self, text):
        with pytest.raises(ValueError) as error:
            PartialDate.parse(text)
        assert str(error.value) == (
            f'"{text}" is not a date: use YYYY-MM-DD, YYYY-MM, YYYY or leave it empty.'
        )

    def test_ranges(self):
        day = PartialDate.parse
        assert format_range(day("2006-06-05"), day("2006-06-06")) == "5–6 June 2006"
        assert format_range(day("2006-05-31"), day("2006-06-01")) == (
            "31 May – 1 June 2006"
        )
        assert format_range(day("2006-06"), day("")) == "June 2006"
        assert format_range(day("2005"), day("2006")) == "2005 – 2006"

    def test_meeting_stores_month_precision(self):
        meeting = make_meeting(
            start_date=datetime.date(2006, 6, 1), start_precision="month"
        )
        meeting.refresh_from_db()
        assert meeting.dates == "June 2006"
        assert meeting.start.last_day == datetime.date(2006, 6, 30)


class TestMeeting:
    def test_slug_is_derived_from_date_kind_and_number(self):
        first = make_meeting(kind="foreign_ministers", number=4)
        again = make_meeting(kind="foreign_ministers", number=None)
        undated = make_meeting(
            kind="intellectual_dialogue", start_date=None, start_precision="unknown"
        )
        assert first.slug == "2012-11-10-foreign-ministers-4"
        assert again.slug == "2012-11-10-foreign-ministers"
        assert undated.slug == "undated-intellectual-dialogue"

    def test_derived_slug_never_collides(self):
        make_meeting(kind="other")
        second = make_meeting(kind="other")
        assert second.slug == "2012-11-10-other-2"

    def test_kind_name_says_the_ordinal(self):
        assert make_meeting(number=4).kind_name == "4th Foreign Ministers' Meeting"
        assert make_meeting(kind="summit", number=11).kind_name == "11th Summit"
        assert make_meeting(kind="summit", number=22).kind_name == "22nd Summit"


class TestPledge:
    def test_slug_is_derived_from_donor_date_currency_and_amount(self):
        japan = make_country("JP")
        pledge = make_pledge(japan, slug="")
        again = make_pledge(japan, slug="")
        cents = make_pledge(
            japan,
            slug="",
            amount=Decimal("1234.50"),
            currency="EUR",
            announced_on=datetime.date(2013, 1, 1),
            announced_precision="year",
        )
        undated = make_pledge(
            japan, slug="", announced_on=None, announced_precision="unknown"
        )
        assert pledge.slug == "jp-2012-11-10-usd-700000000"
        assert again.slug == "jp-2012-11-10-usd-700000000-2"
        assert cents.slug == "jp-2013-eur-1234-50"
        assert undated.slug == "jp-undated-usd-700000000"

    def test_a_given_slug_is_kept(self):
        assert make_pledge(make_country("JP"), slug="my-pledge").slug == "my-pledge"


class TestNamesInAnyScript:
    @pytest.mark.parametrize("name", ["Коитиро Гэмба", "玄葉光一郎", "Erlan Abdyldaev"])
    def test_person_slug_keeps_the_script(self, name):
        person = make_person(name=name)
        assert Person.objects.get_by_natural_key(person.slug).name == name


class TestNaturalKeys:
    def test_every_model_round_trips_its_natural_key(self):
        japan = make_country("JP")
        meeting = make_meeting()
        person = make_person()
        source = make_source()
        document = make_document()
        objects = [
            japan,
            meeting,
            person,
            source,
            document,
            make_point(document),
            make_pledge(japan),
            make_page(),
            make_attendance(meeting, japan, person),
            make_attendance(meeting, japan, position="Ambassador"),
        ]
        for obj in objects:
            manager = type(obj).objects
            assert manager.get_by_natural_key(*obj.natural_key()) == obj


class TestMarkdown:
    def test_script_and_event_handlers_never_survive(self):
        html = render_markdown(
            "Hello <script>alert('x')</script> <img src=x onerror=alert(1)>\n\n"
            "[click](javascript:alert(1)) **bold**"
        )
        assert "<script" not in html
        assert "alert('x')" not in html
        assert "onerror" not in html
        assert "javascript:" not in html
        assert "<strong>bold</strong>" in html


def test_a_persons_slug_is_made_from_the_name_and_kept_unique():
    first = Person.objects.create(name="Ерлан Абдылдаев")
    second = Person.objects.create(name="Ерлан  Абдылдаев")
    assert (first.slug, second.slug) == ("ерлан-абдылдаев", "ерлан-абдылдаев-2")
    assert Person.objects.create(name="!!!").slug == "person"
    # An import holds every slug in use and asks the database nothing.
    assert Person(name="Taro Aso").derive_slug(taken={"taro-aso"}) == "taro-aso-2"


def test_a_meetings_slug_is_derived_from_the_slugs_in_use_when_given(
    django_assert_num_queries,
):
    meeting = Meeting(kind="foreign_ministers", number=4, title="Tokyo")
    meeting.start_date = datetime.date(2012, 11, 10)
    with django_assert_num_queries(0):
        assert meeting.derive_slug(taken=set()) == "2012-11-10-foreign-ministers-4"
        assert meeting.derive_slug(taken={"2012-11-10-foreign-ministers-4"}) == (
            "2012-11-10-foreign-ministers-4-2"
        )
    make_meeting(slug="2012-11-10-foreign-ministers-4", number=None)
    assert meeting.derive_slug() == "2012-11-10-foreign-ministers-4-2"
