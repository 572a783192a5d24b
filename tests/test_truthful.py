"""Pages say only what is true: a host took part in its own meeting, and the home
page tells what is still to come apart from what was held."""

import datetime
import re

import pytest
from django.urls import reverse

from dialogue.models import Meeting
from tests.factories import make_attendance, make_country, make_meeting
from tests.text import page_text

pytestmark = pytest.mark.django_db


def participants_row(page, name):
    """The participants table's row of one country, as its cells' text."""
    row = re.search(rf"<tr>\s*<th[^>]*><a [^>]*>{name}</a></th>(.*?)</tr>", page, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in row[1].split("</td>")][:-1]


def test_japan_counts_the_meetings_it_hosted_in_the_seed(client, seed):
    page = page_text(client.get(reverse("dialogue:participant-list")))
    # Three with an attendance of Japan's, plus the 2006 meeting and the two
    # intellectual dialogues in Tokyo, which the seed names only as Japan's.
    assert participants_row(page, "Japan") == ["Member", "28 August 2004", "6"]
    assert participants_row(page, "Kazakhstan")[-1] == "3"

    page = page_text(client.get(reverse("dialogue:participant-detail", args=["jp"])))
    attended = page.split('id="meetings-heading"')[1].split("Meetings hosted")[0]
    assert "Foreign Ministers' Meeting in Tokyo" in attended
    assert "5 June 2006" in attended

    timeline = page_text(
        client.get(reverse("dialogue:meeting-list"), {"participant": "jp"})
    )
    assert "6 meetings · attended by Japan" in timeline
    assert "5 June 2006" in timeline


def test_a_meeting_hosted_and_attended_counts_once_and_drafts_not_at_all(client, db):
    japan = make_country("JP", role="member")
    kazakhstan = make_country("KZ")
    hosted_and_attended = make_meeting(host=japan, city="Tokyo")
    make_attendance(hosted_and_attended, japan)
    make_attendance(hosted_and_attended, kazakhstan)
    make_meeting(host=japan, city="Tokyo", title="Hosted only")
    make_meeting(host=japan, title="Hosted draft", published=False)
    draft_attended = make_meeting(title="Attended draft", published=False)
    make_attendance(draft_attended, japan)

    page = page_text(client.get(reverse("dialogue:participant-list")))
    assert participants_row(page, "Japan")[-1] == "2"
    assert participants_row(page, "Kazakhstan")[-1] == "1"

    page = page_text(client.get(reverse("dialogue:participant-detail", args=["jp"])))
    assert "Hosted only" in page
    assert "draft" not in page.lower()


def test_home_page_shows_upcoming_meetings_apart_from_the_latest(client, seed):
    page = page_text(client.get(reverse("dialogue:home")))
    assert "Upcoming" not in page

    make_meeting(
        title="Second Summit in Tokyo",
        kind="summit",
        status=Meeting.Status.PLANNED,
        start_date=datetime.date(2027, 1, 1),
        start_precision="year",
    )
    make_meeting(
        title="Undated plan",
        status=Meeting.Status.PLANNED,
        start_date=None,
        start_precision="unknown",
    )
    page = page_text(client.get(reverse("dialogue:home")))
    upcoming = page.split('<h2 id="upcoming-heading">Upcoming</h2>')[1]
    upcoming, latest = upcoming.split('<h2 id="latest-heading">Latest meetings</h2>')
    assert upcoming.index("Second Summit in Tokyo") < upcoming.index("Undated plan")
    assert "Planned" in upcoming
    assert "Second Summit in Tokyo" not in latest
    assert "4th Foreign Ministers' Meeting in Tokyo" in latest
