"""Scheduled publishing: a record goes public, and leaves, at set moments, by the
clock alone (no write, no worker), and the page cache follows the clock too."""

import datetime
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialogue.models import Meeting, next_scheduled_change
from tests.factories import make_attendance, make_country, make_meeting, make_person
from tests.test_admin import admin_url, errors_of, meeting_form
from tests.test_cache import shared_cache  # noqa: F401 (a fixture)
from tests.text import page_text

pytestmark = pytest.mark.django_db

MEETINGS = reverse("dialogue:meeting-list")


@pytest.fixture
def visitor():
    return Client()


def moment(**delta):
    return timezone.now() + datetime.timedelta(**delta)


def public_everywhere(client, title):
    """Where a visitor finds the meeting titled ``title`` (by its address)."""
    meeting = Meeting.objects.get(title=title)
    pages = {
        "timeline": MEETINGS,
        "sitemap": reverse("dialogue:sitemap"),
        "feed": reverse("dialogue:meeting-feed"),
        "search": reverse("dialogue:search") + "?q=" + title.split()[0],
        "open data": reverse("dialogue:dataset-csv", args=["meetings"]),
    }
    found = {
        name
        for name, url in pages.items()
        if f"/{meeting.slug}/" in page_text(client.get(url))
        or f"\n{meeting.slug}," in page_text(client.get(url))
    }
    if client.get(meeting.get_absolute_url()).status_code == 200:
        found.add("page")
    return found


EVERYWHERE = {"timeline", "sitemap", "feed", "search", "open data", "page"}


def test_a_meeting_scheduled_for_later_is_nowhere_until_then(visitor):
    make_meeting(
        slug="later", title="Scheduledmeeting in Tokyo", publish_at=moment(days=1)
    )
    make_meeting(
        slug="sooner", title="Publicmeeting in Astana", publish_at=moment(days=-1)
    )
    assert public_everywhere(visitor, "Scheduledmeeting in Tokyo") == set()
    assert public_everywhere(visitor, "Publicmeeting in Astana") == EVERYWHERE


def test_a_meeting_past_its_unpublish_time_is_nowhere(visitor):
    make_meeting(
        slug="expired", title="Expiredmeeting in Tokyo", unpublish_at=moment(minutes=-1)
    )
    make_meeting(
        slug="lasting", title="Lastingmeeting in Astana", unpublish_at=moment(days=1)
    )
    assert public_everywhere(visitor, "Expiredmeeting in Tokyo") == set()
    assert public_everywhere(visitor, "Lastingmeeting in Astana") == EVERYWHERE


def test_a_draft_with_a_past_publish_time_stays_a_draft(visitor):
    make_meeting(title="Draftmeeting", published=False, publish_at=moment(days=-1))
    assert public_everywhere(visitor, "Draftmeeting") == set()


def test_the_attendees_of_a_scheduled_meeting_wait_with_it(visitor):
    gemba = make_person("Koichiro Gemba")
    japan = make_country("JP")
    make_attendance(make_meeting(title="Open meeting"), japan, gemba)
    make_attendance(
        make_meeting(title="Later meeting", publish_at=moment(days=1)), japan, gemba
    )
    page = page_text(visitor.get(gemba.get_absolute_url()))
    assert "Open meeting" in page and "Later meeting" not in page


def test_a_scheduled_host_is_not_named_on_the_meetings_page(visitor):
    kazakhstan = make_country("KZ", publish_at=moment(days=1))
    meeting = make_meeting(title="Meeting in Astana", city="Astana", host=kazakhstan)
    page = page_text(visitor.get(meeting.get_absolute_url()))
    assert "Astana" in page and "Kazakhstan" not in page


def test_staff_preview_a_scheduled_meeting_with_its_time(editor_client):
    when = moment(days=3).replace(hour=9, minute=30, second=0, microsecond=0)
    meeting = make_meeting(title="Ninth meeting", publish_at=when)
    page = page_text(editor_client.get(meeting.get_absolute_url()))
    local = timezone.localtime(when)
    assert (
        "<strong>Scheduled — not public yet.</strong> It goes public on "
        f"{local.day} {local:%B %Y, %H:%M} {local:%Z}."
    ) in page
    staff_list = page_text(editor_client.get(MEETINGS))
    assert "Ninth meeting" in staff_list and "badge-draft" in staff_list


def test_the_admin_refuses_an_unpublish_time_before_the_publish_time(editor_client):
    response = editor_client.post(
        admin_url(Meeting, "add"),
        meeting_form(
            publish_at_0="2030-01-02",
            publish_at_1="10:00",
            unpublish_at_0="2030-01-01",
            unpublish_at_1="10:00",
        ),
    )
    assert errors_of(response) == [
        "The record would leave the public site before it goes public: choose an "
        "unpublish time after the publish time."
    ]
    assert not Meeting.objects.exists()


def test_the_admin_schedules_a_meeting(editor_client, visitor):
    editor_client.post(
        admin_url(Meeting, "add"),
        meeting_form(
            title="Tenth meeting", publish_at_0="2099-01-01", publish_at_1="10:00"
        ),
    )
    meeting = Meeting.objects.get(title="Tenth meeting")
    assert meeting.publish_at.year == 2099
    assert visitor.get(meeting.get_absolute_url()).status_code == 404
    # An open end is shown empty, and saving the form again leaves it open.
    form = page_text(editor_client.get(admin_url(Meeting, "change", meeting.pk)))
    assert 'name="publish_at_0" value="01/01/2099"' in form
    assert 'name="unpublish_at_0"' in form and "9999" not in form
    assert "1970" not in page_text(editor_client.get(admin_url(Meeting, "add")))


def test_the_next_scheduled_change_is_the_first_moment_ahead():
    now = timezone.now()
    assert next_scheduled_change(now) is None
    make_meeting(publish_at=now + datetime.timedelta(hours=5))
    make_country("KZ", unpublish_at=now + datetime.timedelta(hours=2))
    make_person("Someone", publish_at=now - datetime.timedelta(hours=1))
    assert next_scheduled_change(now) == now + datetime.timedelta(hours=2)


# Committed writes: pages are cached only outside a transaction.
@pytest.mark.django_db(transaction=True)
def test_a_page_cached_before_a_scheduled_publish_does_not_outlive_it(
    shared_cache,  # noqa: F811 (the fixture imported above)
    visitor,
):
    make_meeting(title="Fourth meeting")
    make_meeting(title="Ninth meeting", publish_at=moment(seconds=2))
    first = visitor.get(MEETINGS)
    assert "Ninth meeting" not in page_text(first)
    # Served from the cache while the moment is ahead: no query.
    with CaptureQueriesContext(connection) as captured:
        assert visitor.get(MEETINGS).content == first.content
    assert captured.captured_queries == []
    time.sleep(2.5)
    # No write happened: the clock alone makes the meeting public.
    assert "Ninth meeting" in page_text(visitor.get(MEETINGS))
