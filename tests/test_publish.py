"""Publishing a draft with what it needs ("Publish…"), and "Save and preview"."""

import datetime

from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from dialogue.models import Meeting
from tests.factories import (
    make_attendance,
    make_country,
    make_meeting,
    make_person,
    make_pledge,
    make_source,
)
from tests.test_csv_admin import text_of
from tests.test_revisions import change_url, form_of


def publish_url(obj):
    return reverse(f"admin:dialogue_{obj._meta.model_name}_publish", args=[obj.pk])


def draft_meeting(**kwargs):
    """A draft meeting as an editor enters it: drafts all round, a new source and
    a new person among them, and a published participant."""
    kazakhstan = make_country("KZ")
    source = make_source(title="Joint press release", published=False)
    meeting = make_meeting(
        title="9th Foreign Ministers' Meeting", number=9, published=False, **kwargs
    )
    meeting.sources.add(source)
    make_attendance(
        meeting,
        kazakhstan,
        make_person("Murat Nurtleu", published=False),
        published=False,
    )
    pledge = make_pledge(
        make_country("JP"), meeting=meeting, slug="japan-9", published=False
    )
    pledge.sources.add(source)
    return meeting


def test_publish_lists_the_drafts_it_publishes(db, editor_client):
    meeting = draft_meeting()
    page = text_of(editor_client.get(publish_url(meeting)))
    assert "Publishing puts these drafts on the public site together:" in page
    assert "Meeting: 9th Foreign Ministers' Meeting (10 November 2012)" in page
    assert "Attendee: Murat Nurtleu (KZ) at 9th Foreign Ministers' Meeting" in page
    assert "Pledge: Japan: USD 700,000,000" in page
    assert "Source: Joint press release (a draft it links to)" in page
    assert "Person: Murat Nurtleu (a draft it links to)" in page
    # Published records are not listed.
    assert "Kazakhstan" not in page.split("together:")[1].split("Publish Cancel")[0]
    # Nothing changed by looking.
    assert not Meeting.objects.get(pk=meeting.pk).published


def test_publish_puts_everything_on_the_site_at_once(db, editor_client, editor):
    meeting = draft_meeting()
    visitor = Client()
    assert visitor.get(meeting.get_absolute_url()).status_code == 404

    response = editor_client.post(publish_url(meeting), follow=True)
    page = text_of(response)
    assert response.redirect_chain[-1][0] == meeting.get_absolute_url()
    assert (
        "Published 1 meeting, 1 attendee and 1 pledge and the drafts it links to: "
        "Joint press release and Murat Nurtleu." in page
    )
    assert "Draft — not public" not in page

    meeting_page = text_of(visitor.get(meeting.get_absolute_url()))
    assert "9th Foreign Ministers' Meeting" in meeting_page
    assert "Murat Nurtleu" in meeting_page
    assert "Joint press release" in meeting_page
    assert "9th Foreign Ministers' Meeting" in text_of(visitor.get("/pledges/"))
    assert "Joint press release" in text_of(visitor.get("/sources/"))

    latest = Version.objects.get_for_object(meeting).first()
    assert latest.revision.get_comment() == "Published with “Publish…”."
    assert latest.revision.user == editor
    assert {v.content_type.model for v in latest.revision.version_set.all()} == {
        "meeting",
        "attendance",
        "pledge",
    }


def test_publish_keeps_a_scheduled_time(db, editor_client):
    later = timezone.now() + datetime.timedelta(days=1)
    meeting = draft_meeting(publish_at=later)
    page = text_of(editor_client.get(publish_url(meeting)))
    assert "(scheduled: goes public on" in page
    editor_client.post(publish_url(meeting))
    meeting.refresh_from_db()
    assert meeting.published and meeting.publish_at == later
    assert Client().get(meeting.get_absolute_url()).status_code == 404


def test_nothing_to_publish_is_said(db, editor_client):
    meeting = make_meeting()
    assert "Nothing here is a draft" in text_of(editor_client.get(publish_url(meeting)))
    response = editor_client.post(publish_url(meeting), follow=True)
    assert "Nothing here is a draft." in text_of(response)


def test_publishing_needs_the_change_permission(db, client):
    meeting = draft_meeting()
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_meeting"))
    client.force_login(viewer)
    assert client.post(publish_url(meeting)).status_code == 403
    assert not Meeting.objects.get(pk=meeting.pk).published
    # Nor does the draft's banner offer it.
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Draft — not public." in page
    assert publish_url(meeting) not in page


def test_a_drafts_form_and_page_lead_to_publish(db, editor_client):
    meeting = draft_meeting()
    form = editor_client.get(change_url(meeting)).content.decode()
    assert f'href="{publish_url(meeting)}"' in form
    page = editor_client.get(meeting.get_absolute_url()).content.decode()
    assert f'<a href="{change_url(meeting)}">Edit</a>' in page
    assert f'<a href="{publish_url(meeting)}">Publish…</a>' in page
    live = make_meeting(title="Held meeting")
    assert publish_url(live) not in editor_client.get(change_url(live)).content.decode()
    assert "Edit" not in text_of(Client().get(live.get_absolute_url()))


def test_save_and_preview_opens_the_page_with_the_message(db, editor_client):
    meeting = make_meeting(title="Draft meeting", published=False)
    data = form_of(editor_client.get(change_url(meeting)))
    data["title"] = ["Draft meeting, retitled"]
    data["_save_preview"] = ["Save and preview"]
    response = editor_client.post(change_url(meeting), data, follow=True)
    assert response.redirect_chain[-1][0] == meeting.get_absolute_url()
    page = text_of(response)
    assert "was saved. This is its page as visitors will see it." in page
    assert "Draft — not public." in page
    assert "Draft meeting, retitled" in page


def test_save_and_preview_on_a_new_record(db, editor_client):
    data = form_of(editor_client.get(reverse("admin:dialogue_source_add")))
    data.update(
        title=["Press release"],
        slug=["press-release"],
        publisher=["MOFA"],
        url=["https://www.mofa.go.jp/"],
        _save_preview=["Save and preview"],
    )
    response = editor_client.post(
        reverse("admin:dialogue_source_add"), data, follow=True
    )
    assert response.redirect_chain[-1][0] == "/sources/press-release/"
    assert "Draft — not public." in text_of(response)


def test_a_meeting_left_untitled_is_named_by_number_kind_and_city(db, editor_client):
    data = form_of(editor_client.get(reverse("admin:dialogue_meeting_add")))
    data.update(kind=["foreign_ministers"], number=["9"], city=["Astana"], title=[""])
    response = editor_client.post(reverse("admin:dialogue_meeting_add"), data)
    assert response.status_code == 302
    meeting = Meeting.objects.get(number=9)
    assert meeting.title == "9th Foreign Ministers' Meeting in Astana"
    assert not meeting.published and meeting.status == "planned"


def test_staff_preview_a_draft_with_its_draft_rows_marked(db, editor_client):
    meeting = draft_meeting()
    page = text_of(editor_client.get(meeting.get_absolute_url()))
    assert "Draft Murat Nurtleu" in page
    assert "Draft USD 700,000,000" in page
    # Published rows of a public meeting carry no mark; visitors see no draft.
    editor_client.post(publish_url(meeting))
    page = text_of(editor_client.get(meeting.get_absolute_url()))
    assert "Murat Nurtleu" in page and "Draft" not in page
    late = make_attendance(
        meeting, make_country("UZ"), make_person("Bakhtiyor Saidov"), published=False
    )
    assert "Draft Bakhtiyor Saidov" in text_of(
        editor_client.get(meeting.get_absolute_url())
    )
    assert late.person.name not in text_of(Client().get(meeting.get_absolute_url()))


def test_publish_reads_a_meetings_rows_in_a_few_queries(db, editor_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page = text_of(editor_client.get(publish_url(meeting)))
        return len(captured.captured_queries), page

    meeting = draft_meeting()
    queries()  # the session, the user and the content types, read once
    few, _page = queries()
    for n, code in enumerate(("TJ", "KG", "TM", "UZ", "AF")):
        make_attendance(
            meeting,
            make_country(code, published=False),
            make_person(f"Delegate {n}", published=False),
            published=False,
        )
    more, page = queries()
    assert "Person: Delegate 4 (a draft it links to)" in page
    assert more == few
