"""What a record's own rules give a visitor: the address it gets when an editor
leaves its slug empty, the date it last changed (the sitemap's lastmod), and the
row a fixture's record is loaded into (its natural key)."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue.models import Attendance, Meeting, Pledge
from tests.factories import (
    make_attendance,
    make_country,
    make_meeting,
    make_person,
    make_pledge,
)
from tests.text import page_text

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_pledges_alike_get_the_next_free_address_in_turn(client):
    japan = make_country("JP")
    for _ in range(3):
        make_pledge(japan, slug="")
    page = page_text(client.get(reverse("dialogue:pledge-list")))
    assert re.findall(r'<tr id="pledge-([^"]+)">', page) == [
        "jp-2012-11-10-usd-700000000",
        "jp-2012-11-10-usd-700000000-2",
        "jp-2012-11-10-usd-700000000-3",
    ]


def test_a_pledge_whose_slug_is_emptied_gets_its_own_address_back():
    pledge = make_pledge(make_country("JP"), slug="")
    pledge.slug = ""
    pledge.save()
    assert Pledge.objects.get().get_absolute_url() == (
        reverse("dialogue:pledge-list") + "#pledge-jp-2012-11-10-usd-700000000"
    )


def test_a_meeting_whose_slug_is_emptied_gets_its_own_address_back():
    meeting = make_meeting(number=4, slug="")
    meeting.slug = ""
    meeting.save()
    assert Meeting.objects.get().get_absolute_url() == reverse(
        "dialogue:meeting-detail", args=["2012-11-10-foreign-ministers-4"]
    )


def test_a_long_name_gives_an_address_of_at_most_120_characters(client):
    name = " ".join(["Abdulazizkhan"] * 10)  # 139 characters
    person = make_person(name)
    # The first 110, leaving room for a suffix ("-2") within 120.
    slug = "abdulazizkhan-" * 7 + "abdulazizkha"
    assert person.get_absolute_url() == reverse("dialogue:person-detail", args=[slug])
    page = page_text(client.get(person.get_absolute_url()))
    assert f"<h1>{name}</h1>" in page


def test_publishing_from_the_admin_list_dates_the_record_in_the_sitemap(
    editor_client,
):
    meeting = make_meeting(slug="talks", published=False)
    long_ago = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=long_ago)
    response = editor_client.post(
        reverse("admin:dialogue_meeting_changelist"),
        {"action": "publish", "_selected_action": [meeting.pk]},
        follow=True,
    )
    assert "1 meeting published." in response.content.decode()
    sitemap = ET.fromstring(Client().get(reverse("dialogue:sitemap")).content)
    lastmods = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in sitemap.iter(f"{SITEMAP}url")
    }
    talks = "http://testserver" + reverse("dialogue:meeting-detail", args=["talks"])
    assert lastmods[talks] == f"{timezone.now():%Y-%m-%d}"


def test_meetings_alike_get_the_next_free_address_in_turn():
    slugs = [make_meeting(kind="other", slug="").slug for _ in range(3)]
    assert slugs == ["2012-11-10-other", "2012-11-10-other-2", "2012-11-10-other-3"]


def attendees(client, meeting):
    """The attendees table of the meeting's page."""
    page = page_text(client.get(meeting.get_absolute_url()))
    return page.split('<h2 id="attendees-heading">', 1)[1].split("</section>", 1)[0]


def test_attendees_loaded_from_a_fixture_each_stay_at_their_own_meeting(
    client, tmp_path
):
    """loaddata finds each attendee of a file by its natural key (meeting and
    person, or meeting, country and position when unnamed): a key that matched
    another meeting's row, or another unnamed row, would move it there."""
    japan, kazakhstan = make_country("JP"), make_country("KZ")
    first = make_meeting(title="First talks", slug="first")
    second = make_meeting(title="Second talks", slug="second")
    gemba = make_person("Koichiro Gemba")
    for meeting in (first, second):
        make_attendance(meeting, japan, gemba, position=f"Minister at {meeting}")
        make_attendance(meeting, kazakhstan, position="Ambassador to Japan")
    make_attendance(first, kazakhstan, position="Deputy Minister")
    idrissov = make_person("Erlan Idrissov")
    make_attendance(first, kazakhstan, idrissov, position="Deputy Minister")
    fixture = tmp_path / "attendees.json"
    call_command(
        "dumpdata",
        "dialogue.attendance",
        natural_foreign=True,
        natural_primary=True,
        output=fixture,
    )
    before = {meeting: attendees(client, meeting) for meeting in (first, second)}
    Attendance.objects.all().delete()
    call_command("loaddata", fixture, verbosity=0)
    call_command("loaddata", fixture, verbosity=0)  # again: nothing changes
    assert Attendance.objects.count() == 6
    for meeting, table in before.items():
        assert attendees(client, meeting) == table
    rows = re.findall(r'<td data-label="Position">([^<]+)</td>', before[first])
    assert sorted(rows) == [
        "Ambassador to Japan",
        "Deputy Minister",
        "Deputy Minister",
        "Minister at First talks (10 November 2012)",
    ]
