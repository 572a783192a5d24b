"""What a record's own rules give a visitor: the address it gets when an editor
leaves its slug empty, and the date it last changed (the sitemap's lastmod)."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue.models import Meeting, Pledge
from tests.factories import make_country, make_meeting, make_person, make_pledge
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
