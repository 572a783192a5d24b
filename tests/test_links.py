"""Each link on a page points at its own record and says that record's name.

A country's address has its code (``/participants/jp/``) and its label the name
(``Japan``): the expected addresses are made with ``reverse()`` from the code, not
with the model's own ``get_absolute_url()``, so that a model or template that put
the name in the address, or the code in the label, fails here.
"""

import datetime

import pytest
from django.urls import reverse

from tests.factories import (
    make_attendance,
    make_country,
    make_meeting,
    make_person,
    make_pledge,
)
from tests.text import page_text

pytestmark = pytest.mark.django_db


def participant(code):
    return reverse("dialogue:participant-detail", args=[code])


def meeting_url(slug):
    return reverse("dialogue:meeting-detail", args=[slug])


def person_url(slug):
    return reverse("dialogue:person-detail", args=[slug])


def test_a_meeting_page_links_each_pledges_donor_and_attendees_country(client):
    japan, kazakhstan = make_country("JP"), make_country("KZ")
    meeting = make_meeting(title="Fourth Meeting", slug="fourth")
    make_attendance(meeting, japan, make_person("Koichiro Gemba"))
    make_attendance(meeting, kazakhstan, position="Ambassador to Japan")
    make_pledge(japan, meeting=meeting, purpose="roads")
    page = page_text(client.get(meeting_url("fourth")))
    assert (
        "USD 700,000,000</data> (700 million) from "
        f'<a href="{participant("jp")}">Japan</a>, announced 10 November 2012, '
        "for: roads</li>" in page
    )
    assert (
        f'<th scope="row"><a href="{person_url("koichiro-gemba")}">Koichiro Gemba'
        "</a></th>\n"
        '              <td data-label="Position">Minister for Foreign Affairs</td>\n'
        f'              <td data-label="Country"><a href="{participant("jp")}">'
        "Japan</a></td>" in page
    )
    assert (
        '<th scope="row"><span class="unknown">Name not recorded</span></th>\n'
        '              <td data-label="Position">Ambassador to Japan</td>\n'
        f'              <td data-label="Country"><a href="{participant("kz")}">'
        "Kazakhstan</a></td>" in page
    )


def test_the_pledges_page_links_each_donor_and_its_meeting(client):
    japan = make_country("JP")
    make_meeting(title="Fourth Meeting", slug="fourth")
    make_pledge(
        japan,
        slug="jp-roads",
        meeting=make_meeting(title="Fourth Meeting 2", slug="fourth-2"),
    )
    page = page_text(client.get(reverse("dialogue:pledge-list")))
    assert (
        '<tr id="pledge-jp-roads">\n'
        f'          <th scope="row"><a href="{participant("jp")}">Japan</a></th>'
        in page
    )
    assert (
        '<td data-label="Announced">10 November 2012, '
        f'<a href="{meeting_url("fourth-2")}">Fourth Meeting 2</a></td>' in page
    )
    # The chart's row of a donor leads to its pledges.
    assert (
        '<th scope="row"><a href="/pledges/?donor=jp#all-heading">Japan</a></th>'
        in page
    )


def test_a_donors_pledges_page_is_named_for_the_donor(client):
    japan = make_country("JP")
    make_pledge(make_country("KZ"), amount=5)
    make_pledge(japan)
    page = page_text(client.get(reverse("dialogue:pledge-list"), {"donor": "jp"}))
    assert '<h2 id="all-heading">Pledges by Japan</h2>' in page
    assert '<p class="count" role="status">1 pledge · ' in page
    assert "USD 5</td>" not in page


def test_a_persons_page_links_the_country_each_time_they_came_for(client):
    gemba = make_person("Koichiro Gemba")
    make_attendance(
        make_meeting(title="Fourth Meeting", slug="fourth"),
        make_country("JP"),
        gemba,
        capacity="observer",
    )
    page = page_text(client.get(person_url("koichiro-gemba")))
    assert (
        f'<a class="meeting-title" href="{meeting_url("fourth")}">Fourth Meeting</a>'
        in page
    )
    assert f'for <a href="{participant("jp")}">Japan</a> (observer)</span>' in page


def test_a_participants_page_links_its_people_meetings_and_all_its_pledges(client):
    japan = make_country("JP")
    meeting = make_meeting(title="Fourth Meeting", slug="fourth")
    make_attendance(meeting, japan, make_person("Koichiro Gemba"))
    for day in range(1, 12):
        make_pledge(japan, announced_on=datetime.date(2012, 11, day), meeting=meeting)
    page = page_text(client.get(participant("jp")))
    assert "<h1>Japan</h1>" in page
    assert (
        f'<li><a href="{person_url("koichiro-gemba")}">Koichiro Gemba</a>: '
        "Minister for Foreign Affairs at "
        f'<a href="{meeting_url("fourth")}">Fourth Meeting</a></li>' in page
    )
    # Its own pledges name no donor (the page is the donor's) but their meeting.
    assert (
        "(700 million), announced 11 November 2012 at "
        f'<a href="{meeting_url("fourth")}">Fourth Meeting</a></li>' in page
    )
    assert " from <a" not in page
    assert "<p>The latest 10 of 11.</p>" in page
    pledges = reverse("dialogue:pledge-list")
    assert (
        f'<a href="{pledges}?donor=jp#all-heading">All 11 pledges by Japan</a>' in page
    )
