"""Long lists come a page at a time; a detail page shows the latest rows and links
to the whole list."""

import datetime

import pytest
from django.urls import reverse

from dialogue.models import Attendance, Meeting, Person
from dialogue.selectors import PREVIEW_ROWS
from dialogue.views import PAGE_SIZE
from tests.factories import (
    make_attendance,
    make_country,
    make_meeting,
    make_person,
    make_pledge,
)

pytestmark = pytest.mark.django_db


def text_of(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def make_meetings(count, **fields):
    """``count`` meetings, one a week from 2005, titled "Meeting 1", "Meeting 2"..."""
    start = datetime.date(2005, 1, 3)
    return Meeting.objects.bulk_create(
        Meeting(
            published=True,
            status="held",
            slug=f"meeting-{i}",
            kind="senior_officials",
            number=i,
            title=f"Meeting {i}",
            start_date=start + datetime.timedelta(weeks=i),
            start_precision="day",
            city="Tokyo",
            **fields,
        )
        for i in range(1, count + 1)
    )


def test_the_timeline_comes_a_page_at_a_time(client):
    make_meetings(PAGE_SIZE + 5)
    url = reverse("dialogue:meeting-list")
    first = text_of(client.get(url))
    assert f"{PAGE_SIZE + 5} meetings" in first
    assert f"Showing 1–{PAGE_SIZE} of {PAGE_SIZE + 5}." in first
    assert ">Meeting 1<" in first and f">Meeting {PAGE_SIZE}<" in first
    assert f">Meeting {PAGE_SIZE + 1}<" not in first
    assert '<a href="?page=2" rel="next">Next' in first

    second = text_of(client.get(url, {"page": 2}))
    assert f"Showing {PAGE_SIZE + 1}–{PAGE_SIZE + 5} of {PAGE_SIZE + 5}." in second
    assert f">Meeting {PAGE_SIZE + 5}<" in second and ">Meeting 1<" not in second
    assert '<a href="?page=1" rel="prev">Previous' in second
    assert "<title>Timeline of meetings, page 2 ·" in second


def test_a_page_that_does_not_exist_is_not_found(client):
    make_meetings(3)
    url = reverse("dialogue:meeting-list")
    for page in ("2", "0", "last-but-one"):
        response = client.get(url, {"page": page})
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()


def test_page_links_keep_the_filter(client):
    make_meetings(PAGE_SIZE + 1)
    page = text_of(client.get(reverse("dialogue:meeting-list"), {"year": 2005}))
    # 52 or 53 meetings in 2005: one page, no links.
    assert 'class="pagination"' not in page
    page = text_of(
        client.get(reverse("dialogue:meeting-list"), {"kind": "senior_officials"})
    )
    assert '<a href="?kind=senior_officials&amp;page=2" rel="next">' in page


def test_a_participant_shows_its_latest_meetings_and_links_to_all(client):
    japan = make_country("JP")
    make_country("KZ")
    meetings = make_meetings(PREVIEW_ROWS + 2)
    for meeting in meetings:
        make_attendance(meeting, japan, position="Ambassador")
    make_meeting(title="A meeting without Japan")

    page = text_of(client.get(japan.get_absolute_url()))
    assert f"The latest {PREVIEW_ROWS} of {PREVIEW_ROWS + 2}." in page
    assert f">Meeting {PREVIEW_ROWS + 2}<" in page and ">Meeting 2<" not in page
    all_url = reverse("dialogue:meeting-list") + "?participant=jp"
    assert (
        f'<a href="{all_url}">All {PREVIEW_ROWS + 2} meetings attended by Japan</a>'
        in page
    )

    timeline = text_of(client.get(all_url))
    assert f"{PREVIEW_ROWS + 2} meetings · attended by Japan" in timeline
    assert "<title>Meetings attended by Japan ·" in timeline
    assert ">Meeting 1<" in timeline and "A meeting without Japan" not in timeline


def test_an_unknown_participant_filter_is_explained(client):
    make_meetings(2)
    page = text_of(client.get(reverse("dialogue:meeting-list"), {"participant": "xx"}))
    assert (
        "The participant “xx” is not one of the list: showing meetings of every "
        "participant."
    ) in page
    assert "2 meetings" in page


def test_a_participants_people_show_their_latest_appearance(client):
    japan = make_country("JP")
    gemba = make_person()
    meetings = make_meetings(6)
    for meeting in meetings:
        make_attendance(meeting, japan, gemba, position=f"Minister at {meeting.title}")
    Meeting.objects.filter(pk=meetings[-1].pk).update(published=False)
    page = text_of(client.get(japan.get_absolute_url()))
    latest = meetings[4]
    assert (
        f'Koichiro Gemba</a>: Minister at Meeting 5 at <a href="'
        f'{latest.get_absolute_url()}">Meeting 5</a>; <a href="'
        f'{gemba.get_absolute_url()}">5 meetings in all</a></li>'
    ) in page
    assert "Minister at Meeting 4 at" not in page
    assert "Meeting 6" not in page  # a draft


def test_a_participants_people_come_a_page_at_a_time_by_name(client):
    japan = make_country("JP")
    [meeting] = make_meetings(1)
    people = Person.objects.bulk_create(
        Person(name=f"Person {i:03d}", slug=f"person-{i:03d}", published=True)
        for i in range(PAGE_SIZE + 1, 0, -1)
    )
    Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            country=japan,
            person=person,
            position="Envoy",
            published=True,
        )
        for person in people
    )
    url = japan.get_absolute_url()
    first = text_of(client.get(url))
    assert ">Person 001</a>: Envoy at" in first
    assert f">Person {PAGE_SIZE:03d}</a>" in first
    assert f">Person {PAGE_SIZE + 1:03d}</a>" not in first
    second = text_of(client.get(url, {"page": 2}))
    assert f">Person {PAGE_SIZE + 1:03d}</a>: Envoy at" in second
    assert ">Person 001</a>" not in second
    beyond = client.get(url, {"page": 3})
    assert beyond.status_code == 404
    assert "<h1>Page not found</h1>" in beyond.content.decode()


def test_a_persons_meetings_come_a_page_at_a_time(client):
    japan, gemba = make_country("JP"), make_person()
    meetings = make_meetings(PAGE_SIZE + 1)
    Attendance.objects.bulk_create(
        Attendance(
            meeting=m, country=japan, person=gemba, position="Minister", published=True
        )
        for m in meetings
    )
    url = gemba.get_absolute_url()
    first = text_of(client.get(url))
    assert f"Showing 1–{PAGE_SIZE} of {PAGE_SIZE + 1}." in first
    assert f">Meeting {PAGE_SIZE + 1}<" not in first
    second = text_of(client.get(url, {"page": 2}))
    assert f">Meeting {PAGE_SIZE + 1}<" in second and ">Meeting 1<" not in second


def test_pledges_of_one_donor(client):
    japan, kazakhstan = make_country("JP"), make_country("KZ")
    make_pledge(japan, purpose="Roads")
    make_pledge(kazakhstan, purpose="Water")
    page = text_of(client.get(reverse("dialogue:pledge-list"), {"donor": "jp"}))
    assert "Pledges by Japan" in page
    assert "1 pledge ·" in page
    assert "Roads" in page and "Water" not in page
    page = text_of(client.get(reverse("dialogue:pledge-list"), {"donor": "JP"}))
    assert "Pledges by Japan" in page and "Water" not in page
    # A code not in the list is left out, and said so: every pledge is shown.
    page = text_of(client.get(reverse("dialogue:pledge-list"), {"donor": "xx"}))
    assert "The donor “xx” is not one of the list: it is left out." in page
    assert "All pledges" in page
    assert "Roads" in page and "Water" in page
