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


def test_a_documents_points_share_one_footnote(client, seed):
    page = page_text(
        client.get(reverse("dialogue:document-detail", args=["joint-statement-2004"]))
    )
    assert page.count('<a href="#ref-1"') == 1
    assert (
        '<p class="sources-line">Sources for this document:<sup class="cite">'
        '<a href="#ref-1"' in page
    )
    # Every reference is still listed at the foot of the page.
    assert 'id="ref-1"' in page
    assert "<li>Cooperation in the international arena</li>" in page


def series_links(page):
    nav = page_text(page).split('<nav class="series-nav"')[1].split("</nav>")[0]
    return re.findall(
        r'rel="(prev|next)"><span class="meta">([^<]+)</span> ([^<]+)</a>', nav
    )


def test_a_meeting_page_leads_to_the_previous_and_next_of_its_kind(client, seed):
    page = client.get(
        reverse("dialogue:meeting-detail", args=["2006-06-05-foreign-ministers"])
    )
    assert series_links(page) == [
        (
            "prev",
            "Previous Foreign Ministers' Meeting, 28 August 2004",
            "Foreign Ministers' Meeting in Astana: the Dialogue is declared",
        ),
        (
            "next",
            "Next Foreign Ministers' Meeting, 10 November 2012",
            "4th Foreign Ministers' Meeting in Tokyo",
        ),
    ]
    # The first of its kind has only a next; undated meetings come last.
    first = client.get(
        reverse("dialogue:meeting-detail", args=["2004-08-28-foreign-ministers-1"])
    )
    assert [link[0] for link in series_links(first)] == ["next"]
    second_intellectual = client.get(
        reverse("dialogue:meeting-detail", args=["undated-intellectual-dialogue-2"])
    )
    assert series_links(second_intellectual) == [
        (
            "prev",
            "Previous Intellectual Dialogue, date unknown",
            "First Intellectual Dialogue in Tokyo",
        ),
    ]
    # A meeting alone of its kind has no such links.
    alone = client.get(
        reverse("dialogue:meeting-detail", args=["2005-03-04-senior-officials"])
    )
    assert 'class="series-nav"' not in page_text(alone)


def test_series_links_skip_drafts_and_order_a_shared_date_by_number(client, db):
    day = datetime.date(2010, 5, 1)
    third = make_meeting(number=3, start_date=day, title="Third")
    make_meeting(number=4, start_date=day, title="Fourth draft", published=False)
    make_meeting(number=5, start_date=day, title="Fifth")
    make_meeting(number=2, start_date=datetime.date(2009, 1, 1), title="Second")
    make_meeting(kind="summit", start_date=day, title="A summit")
    links = series_links(client.get(third.get_absolute_url()))
    assert [(rel, title) for rel, _, title in links] == [
        ("prev", "Second"),
        ("next", "Fifth"),
    ]
