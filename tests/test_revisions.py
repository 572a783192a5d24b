"""Revisions: every admin save and bulk action is recorded with its user, time and
comment, with the record's children and source links; the history page compares
any two versions field by field in words; reverting restores the record and its
children and is itself a revision."""

from html.parser import HTMLParser

import pytest
import reversion
from django.urls import reverse
from reversion.models import Version

from dialogue.models import Attendance, Meeting
from dialogue.revisions import BASELINE_COMMENT
from tests.factories import (
    make_attendance,
    make_country,
    make_document,
    make_meeting,
    make_person,
    make_pledge,
    make_point,
    make_source,
)
from tests.test_csv_admin import text_of


class FormFields(HTMLParser):
    """The fields a browser would send for the page's main form."""

    def __init__(self):
        super().__init__()
        self.data = {}
        self.in_form = False
        self.select = None
        self.textarea = None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self.in_form = "id" in attrs and attrs["id"].endswith("_form")
        if not self.in_form or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(attrs["name"], attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self.add(attrs["name"], attrs.get("value", ""))
        elif tag == "select":
            self.select = attrs["name"]
            self.data.setdefault(self.select, [])
        elif tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value", ""))
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.add(self.textarea, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.in_form = False

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data.removeprefix("\n")


def form_of(response):
    parser = FormFields()
    parser.feed(response.content.decode())
    return {key: values for key, values in parser.data.items() if values}


def post_form(client, url, changes=(), **fields):
    data = form_of(client.get(url))
    data.update({key: [value] for key, value in fields.items()})
    for key, value in changes:
        data[key] = [value]
    return client.post(url, data)


@pytest.fixture
def meeting(db):
    kazakhstan = make_country("KZ")
    source = make_source(slug="mofa-2012", title="MOFA 2012")
    meeting = make_meeting(title="Tokyo 2012", number=4)
    meeting.sources.add(source)
    make_attendance(meeting, kazakhstan, make_person("Erlan Idrissov"))
    make_pledge(make_country("JP"), meeting=meeting, slug="japan-2012")
    return meeting


def change_url(obj):
    return reverse(f"admin:dialogue_{obj._meta.model_name}_change", args=[obj.pk])


def history_url(obj):
    return reverse(f"admin:dialogue_{obj._meta.model_name}_history", args=[obj.pk])


def test_an_admin_save_records_who_when_why_and_the_children(
    meeting, editor_client, editor
):
    response = post_form(editor_client, change_url(meeting), title="Tokyo, 2012")
    assert response.status_code == 302

    versions = list(Version.objects.get_for_object(meeting))
    assert len(versions) == 2  # the state before, and the save
    latest, baseline = versions
    assert baseline.revision.get_comment() == BASELINE_COMMENT
    assert baseline.field_dict["title"] == "Tokyo 2012"
    assert latest.revision.user == editor
    assert latest.revision.get_comment() == "Changed Title."
    assert latest.field_dict["title"] == "Tokyo, 2012"
    assert latest.field_dict["sources"] == [meeting.sources.get().pk]
    saved = {
        v.content_type.model: v.object_repr for v in latest.revision.version_set.all()
    }
    assert saved == {
        "meeting": "Tokyo, 2012 (10 November 2012)",
        "attendance": "Erlan Idrissov (KZ) at Tokyo, 2012",
        "pledge": "Japan: USD 700,000,000",
    }


def test_a_document_save_records_its_points(db, editor_client):
    document = make_document(title="Joint statement")
    make_point(document, 1, "First point.")
    post_form(editor_client, change_url(document), title="Joint Statement")
    latest = Version.objects.get_for_object(document).first()
    assert {v.content_type.model for v in latest.revision.version_set.all()} == {
        "document",
        "documentpoint",
    }


def test_the_publish_action_records_a_revision_a_record(db, editor_client, editor):
    drafts = [make_source(published=False), make_source(published=False)]
    response = editor_client.post(
        reverse("admin:dialogue_source_changelist"),
        {
            "action": "publish",
            "index": "0",
            "select_across": "0",
            "_selected_action": [str(s.pk) for s in drafts],
        },
        follow=True,
    )
    assert "2 sources published." in text_of(response)
    for source in drafts:
        latest, baseline = Version.objects.get_for_object(source)
        assert latest.revision.get_comment() == "Published with “Publish selected”."
        assert latest.revision.user == editor
        assert latest.field_dict["published"] is True
        assert baseline.field_dict["published"] is False
        assert latest.revision.version_set.count() == 1


def edit_title_and_attendees(client, meeting):
    """Retitle the meeting, remove its attendee and add another."""
    attendance = meeting.attendances.get()
    uzbekistan = make_country("UZ")
    post_form(
        client,
        change_url(meeting),
        [
            ("title", "Tokyo meeting, retitled"),
            ("attendances-0-DELETE", "on"),
            ("attendances-1-country", str(uzbekistan.pk)),
            ("attendances-1-position", "Ambassador to Japan"),
            ("attendances-1-capacity", "delegate"),
            ("attendances-1-meeting", str(meeting.pk)),
        ],
    )
    assert not Attendance.objects.filter(pk=attendance.pk).exists()


def test_the_history_compares_two_versions_in_words(meeting, editor_client):
    edit_title_and_attendees(editor_client, meeting)
    history = editor_client.get(history_url(meeting))
    page = text_of(history)
    assert "2 versions" in page
    assert BASELINE_COMMENT in page
    assert (
        "editor Changed Title. Added attendee “Ambassador to Japan (UZ) at Tokyo "
        "meeting, retitled”. Deleted attendee “Erlan Idrissov (KZ) at Tokyo meeting, "
        "retitled”." in page
    )
    latest, baseline = Version.objects.get_for_object(meeting)

    compare = editor_client.get(
        history_url(meeting) + "compare/",
        {"version_id1": baseline.pk, "version_id2": latest.pk},
    )
    words = text_of(compare)
    assert "Changes, field by field" in words
    assert "Title Tokyo 2012 Tokyo meeting, retitled" in words
    assert "Attendees removed: Erlan Idrissov (KZ) at Tokyo 2012" in words
    assert "added: Ambassador to Japan (UZ) at Tokyo meeting, retitled" in words
    # Only what changed, and none of the columns editors never see.
    assert "City" not in words
    assert "Host country" not in words  # none before, none after
    assert "search text" not in words.lower()
    assert "last changed" not in words.lower()


def test_reverting_restores_the_record_and_its_children_as_a_new_revision(
    meeting, editor_client, editor
):
    edit_title_and_attendees(editor_client, meeting)
    latest, baseline = Version.objects.get_for_object(meeting)
    revert_url = reverse(
        "admin:dialogue_meeting_revision", args=[meeting.pk, baseline.pk]
    )
    form = editor_client.get(revert_url)
    assert "Save to restore it" in text_of(form)
    # Showing the form changes nothing.
    assert Meeting.objects.get(pk=meeting.pk).title == "Tokyo meeting, retitled"

    response = post_form(editor_client, revert_url)
    assert response.status_code == 302

    meeting.refresh_from_db()
    assert meeting.title == "Tokyo 2012"
    assert [a.display_name for a in meeting.attendances.all()] == ["Erlan Idrissov"]
    assert [p.slug for p in meeting.pledges.all()] == ["japan-2012"]
    assert [s.slug for s in meeting.sources.all()] == ["mofa-2012"]
    newest = Version.objects.get_for_object(meeting).first()
    assert newest.pk not in (latest.pk, baseline.pk)
    assert newest.revision.user == editor
    assert newest.revision.get_comment().startswith(
        "Reverted to previous version, saved on"
    )


def test_a_revert_that_cannot_be_saved_changes_nothing(meeting, editor_client):
    edit_title_and_attendees(editor_client, meeting)
    _latest, baseline = Version.objects.get_for_object(meeting)
    revert_url = reverse(
        "admin:dialogue_meeting_revision", args=[meeting.pk, baseline.pk]
    )
    response = post_form(editor_client, revert_url, kind="")
    assert response.status_code == 200
    assert "This field is required." in text_of(response)
    meeting.refresh_from_db()
    assert meeting.title == "Tokyo meeting, retitled"
    assert [a.position for a in meeting.attendances.all()] == ["Ambassador to Japan"]


def test_staff_who_may_not_see_a_kind_may_not_compare_its_versions(meeting, client):
    from django.contrib.auth.models import User

    post = User.objects.create_user("outsider", password="pw", is_staff=True)
    client.force_login(post)
    with reversion.create_revision():
        meeting.save()
    [version] = Version.objects.get_for_object(meeting)
    response = client.get(
        history_url(meeting) + "compare/",
        {"version_id1": version.pk, "version_id2": version.pk},
    )
    assert response.status_code == 403
    assert "Tokyo 2012" not in response.content.decode()


def test_reverting_one_record_leaves_those_saved_with_it(db, editor_client):
    drafts = [make_source(published=False), make_source(published=False)]
    editor_client.post(
        reverse("admin:dialogue_source_changelist"),
        {
            "action": "publish",
            "index": "0",
            "select_across": "0",
            "_selected_action": [str(s.pk) for s in drafts],
        },
    )
    first, second = drafts
    _latest, baseline = Version.objects.get_for_object(first)
    # Both drafts' earlier state was recorded at once, in one revision.
    assert baseline.revision.version_set.count() == 2
    revert_url = reverse("admin:dialogue_source_revision", args=[first.pk, baseline.pk])
    assert post_form(editor_client, revert_url).status_code == 302

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.published, second.published) == (False, True)


def test_a_version_is_reverted_only_from_its_own_record(meeting, editor_client):
    source = meeting.sources.get()
    with reversion.create_revision():
        source.save()
    [version] = Version.objects.get_for_object(source)
    response = editor_client.get(
        reverse("admin:dialogue_meeting_revision", args=[version.object_id, version.pk])
    )
    assert response.status_code == 404
