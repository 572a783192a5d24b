"""The Atom feed of meetings."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.factories import make_meeting

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def feed(client):
    response = client.get(reverse("dialogue:meeting-feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def test_feed_lists_published_meetings_with_their_facts(client, seed):
    root = feed(client)
    assert root.findtext(f"{ATOM}title") == (
        "Central Asia plus Japan Dialogue: meetings"
    )
    entries = {e.findtext(f"{ATOM}title"): e for e in root.iter(f"{ATOM}entry")}
    assert len(entries) == 6
    fourth = entries["4th Foreign Ministers' Meeting in Tokyo"]
    assert fourth.find(f"{ATOM}link").get("href") == (
        "http://testserver"
        + reverse("dialogue:meeting-detail", args=["2012-11-10-foreign-ministers-4"])
    )
    summary = fourth.findtext(f"{ATOM}summary")
    assert summary.startswith(
        "4th Foreign Ministers&#x27; Meeting · 10 November 2012 · Tokyo, Japan."
    )
    assert fourth.find(f"{ATOM}category").get("term") == "Foreign Ministers' Meeting"


def test_feed_leaves_out_drafts_and_marks_cancelled(client, db):
    make_meeting(title="Draft meeting", published=False)
    make_meeting(title="Called off", status="cancelled")
    titles = [e.findtext(f"{ATOM}title") for e in feed(client).iter(f"{ATOM}entry")]
    assert titles == ["Called off (cancelled)"]


def test_feed_escapes_markup_in_titles(client, db):
    make_meeting(title="<b>Bold</b> & co", summary="<script>x</script>")
    entry = next(feed(client).iter(f"{ATOM}entry"))
    assert entry.findtext(f"{ATOM}title") == "<b>Bold</b> & co"  # plain text
    assert "&lt;script&gt;x&lt;/script&gt;" in entry.findtext(f"{ATOM}summary")


def test_every_page_advertises_the_feed(client, db):
    page = client.get(reverse("dialogue:home")).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Meetings (Atom feed)"'
        f' href="{reverse("dialogue:meeting-feed")}">' in page
    )
