"""What each list on a page holds, in which order, and the numbers it shows.

Each selector (dialogue/selectors.py) is checked through the page that shows it:
the rows a visitor reads, in the order they read them, with ties between equal
dates or titles broken as the selector says, and undated records last.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dialogue.models import Meeting, Person
from tests.factories import (
    make_attendance,
    make_country,
    make_document,
    make_meeting,
    make_page,
    make_person,
    make_pledge,
    make_source,
)
from tests.text import chart_rows, page_text

pytestmark = pytest.mark.django_db

UNDATED = {"start_date": None, "start_precision": "unknown"}


def day(year, month=1, date=1):
    return datetime.date(year, month, date)


def section(page, heading_id):
    """The HTML of the section headed ``<h2 id="heading_id">``."""
    return page.split(f'<h2 id="{heading_id}">', 1)[1].split("</section>", 1)[0]


def between(page, start, end):
    return page.split(start, 1)[1].split(end, 1)[0]


def link_labels(html, css_class=None):
    """The labels of the links in ``html`` (of one class when given), in order."""
    attribute = f' class="{css_class}"' if css_class else ""
    return re.findall(rf'<a{attribute} href="[^"]+">([^<]+)</a>', html)


def test_the_participants_table_counts_each_meeting_once_whoever_came(client):
    kazakhstan = make_country("KZ")
    first, second = make_meeting(), make_meeting()
    make_attendance(first, kazakhstan, make_person("Erlan Idrissov"))
    make_attendance(first, kazakhstan, make_person("Kairat Umarov"))
    make_attendance(first, kazakhstan, position="Ambassador to Japan")
    make_attendance(second, kazakhstan, make_person("Kairat Abdrakhmanov"))
    make_attendance(make_meeting(published=False), kazakhstan)
    page = page_text(client.get(reverse("dialogue:participant-list")))
    assert (
        f'<a href="{reverse("dialogue:participant-detail", args=["kz"])}">'
        "Kazakhstan</a></th>\n        <td>Member</td>\n        <td>—</td>\n"
        '        <td class="num">2</td>' in page
    )


def test_sources_are_listed_by_title_then_by_address(client):
    make_source(slug="same-b", title="Same title", publisher="Second")
    make_source(slug="beta", title="Beta report")
    make_source(slug="same-a", title="Same title", publisher="First")
    make_source(slug="z-alpha", title="Alpha report")
    page = page_text(client.get(reverse("dialogue:source-list")))
    listing = between(page, '<ol class="sources">', "</ol>")
    assert re.findall(r'<li><a href="([^"]+)">', listing) == [
        reverse("dialogue:source-detail", args=[slug])
        for slug in ("z-alpha", "beta", "same-a", "same-b")
    ]


def test_documents_are_listed_by_date_undated_last_then_title_then_address(client):
    make_document(slug="undated", title="Aardvark", date=None, date_precision="unknown")
    make_document(slug="late", title="Action plan", date=day(2006, 6, 5))
    make_document(slug="same-b", title="Statement", date=day(2004, 8, 28))
    make_document(slug="same-a", title="Statement", date=day(2004, 8, 28))
    make_document(slug="speech", title="Opening speech", date=day(2004, 8, 28))
    page = page_text(client.get(reverse("dialogue:document-list")))
    listing = between(page, '<ul class="cards">', "</ul>")
    assert re.findall(r'<li><a href="([^"]+)">', listing) == [
        reverse("dialogue:document-detail", args=[slug])
        for slug in ("speech", "same-a", "same-b", "late", "undated")
    ]


def test_a_persons_meetings_run_oldest_first_then_by_kind_and_number(client):
    japan, gemba = make_country("JP"), make_person("Koichiro Gemba")
    meetings = [
        make_meeting(title="Undated talks", **UNDATED),
        make_meeting(title="Summit", kind="summit", start_date=day(2012)),
        make_meeting(title="Fifth FMM", number=5, start_date=day(2012)),
        make_meeting(title="Fourth FMM", number=4, start_date=day(2012)),
        make_meeting(title="First FMM", number=1, start_date=day(2004)),
    ]
    for meeting in meetings:
        make_attendance(meeting, japan, gemba)
    page = page_text(client.get(reverse("dialogue:person-detail", args=[gemba.slug])))
    assert link_labels(section(page, "appearances-heading"), "meeting-title") == [
        "First FMM",
        "Fourth FMM",
        "Fifth FMM",
        "Summit",
        "Undated talks",
    ]


def test_a_participants_meetings_run_latest_first_then_by_kind_and_number(client):
    japan = make_country("JP")
    meetings = [
        make_meeting(title="Undated talks", **UNDATED),
        make_meeting(title="First FMM", number=1, start_date=day(2004)),
        make_meeting(title="Fourth FMM", number=4, start_date=day(2012)),
        make_meeting(title="Summit", kind="summit", start_date=day(2012)),
        make_meeting(title="Fifth FMM", number=5, start_date=day(2012)),
    ]
    for meeting in meetings:
        make_attendance(meeting, japan)
    page = page_text(client.get(reverse("dialogue:participant-detail", args=["jp"])))
    assert link_labels(section(page, "meetings-heading"), "meeting-title") == [
        "Summit",
        "Fifth FMM",
        "Fourth FMM",
        "First FMM",
        "Undated talks",
    ]


def test_a_participants_pledges_run_latest_first_undated_last_then_by_address(
    client,
):
    japan = make_country("JP")
    for slug, announced, amount in (
        ("undated", None, 1),
        ("b-same-day", day(2012, 11, 10), 2),
        ("old", day(2004), 3),
        ("a-same-day", day(2012, 11, 10), 4),
    ):
        make_pledge(
            japan,
            slug=slug,
            amount=amount,
            announced_on=announced,
            announced_precision="day" if announced else "unknown",
        )
    page = page_text(client.get(reverse("dialogue:participant-detail", args=["jp"])))
    assert re.findall(r"<data value=\"(\d+)", section(page, "pledges-heading")) == [
        "4",
        "2",
        "3",
        "1",
    ]


def test_a_participants_people_each_appear_once_with_their_latest_meeting(client):
    kazakhstan, japan = make_country("KZ"), make_country("JP")
    idrissov = make_person("Erlan Idrissov", slug="idrissov")
    # Two people of one name, told apart by their addresses.
    umarov_b = make_person("Kairat Umarov", slug="umarov-b")
    umarov_a = make_person("Kairat Umarov", slug="umarov-a")
    # An editor's slug that does not sort like the name.
    abdrakhmanov = make_person("Kairat Abdrakhmanov", slug="z-abdrakhmanov")
    first = make_meeting(title="First FMM", start_date=day(2004))
    fourth = make_meeting(title="Fourth FMM", start_date=day(2012))
    fifth = make_meeting(title="Fifth FMM", start_date=day(2014))
    undated = make_meeting(title="Undated talks", **UNDATED)
    make_attendance(first, kazakhstan, idrissov, position="Minister")
    make_attendance(fifth, kazakhstan, idrissov, position="Adviser")
    make_attendance(undated, kazakhstan, idrissov, position="Guest of honour")
    make_attendance(fourth, kazakhstan, idrissov, position="Ambassador")
    make_attendance(fourth, kazakhstan, umarov_b, position="Deputy")
    make_attendance(first, kazakhstan, umarov_a, position="Envoy")
    make_attendance(fourth, kazakhstan, abdrakhmanov, position="Minister")
    # Not for Kazakhstan: neither shown nor counted here.
    make_attendance(fourth, japan, make_person("Koichiro Gemba"))
    make_attendance(fifth, japan, abdrakhmanov, position="Observer")

    page = page_text(client.get(reverse("dialogue:participant-detail", args=["kz"])))
    people = re.findall(r"<li>(.*?)</li>", section(page, "people-heading"))
    person = {
        p.slug: reverse("dialogue:person-detail", args=[p.slug])
        for p in (idrissov, umarov_a, umarov_b, abdrakhmanov)
    }
    meeting = {m.title: m.get_absolute_url() for m in (first, fourth, fifth)}
    assert people == [
        f'<a href="{person["idrissov"]}">Erlan Idrissov</a>: Adviser '
        f'at <a href="{meeting["Fifth FMM"]}">Fifth FMM</a>; '
        f'<a href="{person["idrissov"]}">4 meetings in all</a>',
        f'<a href="{person["z-abdrakhmanov"]}">Kairat Abdrakhmanov</a>: Minister '
        f'at <a href="{meeting["Fourth FMM"]}">Fourth FMM</a>',
        f'<a href="{person["umarov-a"]}">Kairat Umarov</a>: Envoy '
        f'at <a href="{meeting["First FMM"]}">First FMM</a>',
        f'<a href="{person["umarov-b"]}">Kairat Umarov</a>: Deputy '
        f'at <a href="{meeting["Fourth FMM"]}">Fourth FMM</a>',
    ]


def test_the_home_page_names_the_first_dated_meeting_and_the_latest_five(client):
    make_meeting(title="Undated talks", city="Bishkek", **UNDATED)
    make_meeting(title="Talks 2006", city="Tokyo", start_date=day(2006, 6, 5))
    make_meeting(title="Talks 2004", city="Astana", start_date=day(2004, 8, 28))
    make_meeting(title="Talks 2012", start_date=day(2012, 11, 10))
    make_meeting(title="Talks 2005", start_date=day(2005, 3, 4))
    make_meeting(title="Talks 2010", start_date=day(2010, 8, 7))
    make_meeting(title="Talks 2014", start_date=day(2014, 7, 16))
    make_meeting(title="Draft talks 2003", published=False, start_date=day(2003))
    page = page_text(client.get(reverse("dialogue:home")))
    assert "Japan opened the Dialogue on 28 August 2004 in Astana with" in page
    assert link_labels(section(page, "latest-heading"), "meeting-title") == [
        "Talks 2014",
        "Talks 2012",
        "Talks 2010",
        "Talks 2006",
        "Talks 2005",
    ]


def test_the_home_page_leads_with_the_about_pages_summary(client):
    make_page(slug="history", title="History", summary="Not the lead.")
    make_page(slug="about", title="About", summary="A forum of six countries.")
    page = page_text(client.get(reverse("dialogue:home")))
    assert '<p class="lead">A forum of six countries.</p>' in page
    about = reverse("dialogue:page-detail", args=["about"])
    assert f'<a class="button" href="{about}">Read more about the Dialogue</a>' in page


def test_pledge_totals_per_donor_run_by_currency_then_largest_first(client):
    japan, kazakhstan = make_country("JP"), make_country("KZ")
    uzbekistan = make_country("UZ")
    make_pledge(japan, amount=50_000_000)
    make_pledge(kazakhstan, amount=20_000_000)
    make_pledge(kazakhstan, amount=30_000_000)
    make_pledge(japan, amount=10, currency="EUR")
    make_pledge(uzbekistan, amount=900_000_000)
    page = client.get(reverse("dialogue:pledge-list"))
    assert chart_rows(page) == [
        ("Japan", "EUR 10 (10)", "1", 100.0),
        ("USD, all donors", "USD 1,000,000,000 (1 billion)", "4", None),
        ("Uzbekistan", "USD 900,000,000 (900 million)", "1", 100.0),
        ("Japan", "USD 50,000,000 (50 million)", "1", 5.6),
        ("Kazakhstan", "USD 50,000,000 (50 million)", "2", 5.6),
    ]


def test_the_timeline_runs_by_date_then_kind_number_and_address_undated_last(client):
    tokyo = day(2012, 11, 10)
    make_meeting(title="Undated talks", slug="undated", **UNDATED)
    make_meeting(title="Summit", slug="summit", kind="summit", start_date=tokyo)
    make_meeting(title="Talks B", slug="b-talks", kind="other", start_date=tokyo)
    make_meeting(title="Talks A", slug="a-talks", kind="other", start_date=tokyo)
    make_meeting(title="Fifth FMM", slug="a-fmm-5", number=5, start_date=tokyo)
    make_meeting(title="Fourth FMM", slug="b-fmm-4", number=4, start_date=tokyo)
    make_meeting(title="First FMM", slug="fmm-1", number=1, start_date=day(2004))
    page = page_text(client.get(reverse("dialogue:meeting-list")))
    timeline = between(page, '<div class="timeline">', '<nav class="pagination"')
    assert re.findall(r'<h2 id="year-(\w+)">', timeline) == ["2004", "2012", "unknown"]
    assert link_labels(timeline, "meeting-title") == [
        "First FMM",
        "Fourth FMM",
        "Fifth FMM",
        "Talks A",
        "Talks B",
        "Summit",
        "Undated talks",
    ]


def test_the_timeline_names_each_numbered_meeting_by_its_ordinal(client):
    numbers = [1, 2, 3, 4, 11, 12, 13, 20, 21, 22, 23, 101, 111, 112, 121]
    for number in numbers:
        make_meeting(kind="senior_officials", number=number, city="")
    page = page_text(client.get(reverse("dialogue:meeting-list")))
    assert re.findall(r"(\d+\w\w) Senior Officials' Meeting</span>", page) == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "20th",
        "21st",
        "22nd",
        "23rd",
        "101st",
        "111th",
        "112th",
        "121st",
    ]


def queries(client, url):
    """How many queries the page runs, once the per-process caches are warm."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


#: Countries for the rows added: the first call adds one, the second three more.
CODES = {1: ["KZ"], 3: ["UZ", "TM", "KG"]}


def add_document_list_rows(n):
    for i in range(n):
        author = make_person(f"Speaker {n}-{i}")
        make_document(author=author).sources.add(make_source())
    return reverse("dialogue:document-list")


def add_person_page_rows(n):
    gemba = Person.objects.get_or_create(
        name="Koichiro Gemba", slug="gemba", defaults={"published": True}
    )[0]
    for code in CODES[n]:
        meeting = make_meeting()
        meeting.sources.add(make_source())
        make_attendance(meeting, make_country(code), gemba)
        make_document(author=gemba).sources.add(make_source())
    return reverse("dialogue:person-detail", args=["gemba"])


def add_meeting_page_rows(n):
    meeting = Meeting.objects.filter(slug="talks").first() or make_meeting(slug="talks")
    for code in CODES[n]:
        country = make_country(code)
        make_attendance(meeting, country, make_person(f"Delegate {code}"))
        make_document(meeting=meeting).sources.add(make_source())
        make_pledge(country, meeting=meeting).sources.add(make_source())
    return reverse("dialogue:meeting-detail", args=["talks"])


@pytest.mark.parametrize(
    "add_rows",
    [add_document_list_rows, add_person_page_rows, add_meeting_page_rows],
    ids=["document-list", "person-detail", "meeting-detail"],
)
def test_a_pages_queries_do_not_grow_with_its_rows(client, add_rows):
    one = queries(client, add_rows(1))
    assert queries(client, add_rows(3)) == one
