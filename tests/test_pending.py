"""Pending drafts of live records: "Save as pending draft" keeps a published
record's changes off the public site; the preview shows them; "Publish changes"
and "Discard pending changes" end them, each as a revision."""

from django.urls import reverse
from reversion.models import Version

from dialogue.models import Attendance, Meeting, PendingChange
from tests.factories import make_country, make_meeting, make_person, make_source
from tests.test_csv_admin import text_of
from tests.test_revisions import change_url, form_of, meeting  # noqa: F401


def save_pending(client, obj, changes=()):
    data = form_of(client.get(change_url(obj)))
    for key, value in changes:
        data[key] = [value]
    data["_save_pending"] = ["Save as pending draft"]
    return client.post(change_url(obj), data)


def preview_url(obj):
    return reverse("admin:dialogue_meeting_pending_preview", args=[obj.pk])


def discard_url(obj):
    return reverse("admin:dialogue_meeting_pending_discard", args=[obj.pk])


def public_text(client, obj):
    return text_of(client.get(obj.get_absolute_url()))


def test_a_pending_draft_leaves_the_public_page_as_it_was(
    meeting,  # noqa: F811
    editor_client,
    client,
):
    response = save_pending(editor_client, meeting, [("title", "Tokyo, retitled")])
    assert response.status_code == 302
    assert response.url == change_url(meeting)

    meeting.refresh_from_db()
    assert meeting.title == "Tokyo 2012"
    pending = PendingChange.objects.get()
    assert pending.describe() == "Changed Title."
    assert pending.saved_by.username == "editor"
    # Nothing of the checked save was kept: no revision, no log of a change.
    assert not Version.objects.get_for_object(meeting).exists()

    form = editor_client.get(change_url(meeting))
    page = text_of(form)
    assert "are saved as a pending draft: visitors still see the live version" in page
    assert "Pending changes — not public yet. Saved by editor on" in page
    assert "Changed Title." in page
    assert form_of(form)["title"] == ["Tokyo, retitled"]
    assert 'name="_publish_pending"' in form.content.decode()
    assert 'name="_continue"' not in form.content.decode()

    editor_client.logout()
    visitor = public_text(client, meeting)
    assert "Tokyo 2012" in visitor
    assert "retitled" not in visitor


def test_the_preview_shows_the_pending_version_under_a_banner(
    meeting,  # noqa: F811
    editor_client,
):
    uzbekistan = make_country("UZ")
    save_pending(
        editor_client,
        meeting,
        [
            ("title", "Tokyo, retitled"),
            ("attendances-1-country", str(uzbekistan.pk)),
            ("attendances-1-position", "Ambassador to Japan"),
            ("attendances-1-capacity", "delegate"),
            ("attendances-1-meeting", str(meeting.pk)),
            ("attendances-1-published", "on"),
        ],
    )
    assert "Added attendee" in PendingChange.objects.get().describe()

    preview = editor_client.get(preview_url(meeting))
    assert preview.status_code == 200
    page = text_of(preview)
    assert "Pending changes — not public yet." in page
    assert "Tokyo, retitled" in page
    assert "Ambassador to Japan" in page
    assert "no-store" in preview["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in preview.content.decode()

    # The preview kept nothing.
    meeting.refresh_from_db()
    assert meeting.title == "Tokyo 2012"
    assert meeting.attendances.count() == 1
    live = public_text(editor_client, meeting)
    assert "Ambassador to Japan" not in live
    assert "Pending changes" not in live


def test_publish_changes_makes_them_public_as_a_revision(
    meeting,  # noqa: F811
    editor_client,
    client,
):
    save_pending(editor_client, meeting, [("title", "Tokyo, retitled")])
    data = form_of(editor_client.get(change_url(meeting)))
    data["_publish_pending"] = ["Publish changes"]
    response = editor_client.post(change_url(meeting), data, follow=True)
    assert "was changed successfully" in text_of(response)

    meeting.refresh_from_db()
    assert meeting.title == "Tokyo, retitled"
    assert not PendingChange.objects.exists()
    latest = Version.objects.get_for_object(meeting).first()
    comment = latest.revision.get_comment()
    assert comment.startswith("Published the pending changes saved by editor on ")
    assert comment.endswith("Changed Title.")
    assert latest.field_dict["title"] == "Tokyo, retitled"
    assert "Tokyo, retitled" in public_text(client, meeting)


def test_discarding_keeps_the_live_version_and_is_a_revision(
    meeting,  # noqa: F811
    editor_client,
):
    save_pending(editor_client, meeting, [("title", "Tokyo, retitled")])
    response = editor_client.post(discard_url(meeting), follow=True)
    assert "The pending changes were discarded" in text_of(response)
    assert not PendingChange.objects.exists()
    meeting.refresh_from_db()
    assert meeting.title == "Tokyo 2012"
    latest = Version.objects.get_for_object(meeting).first()
    assert latest.revision.get_comment().startswith(
        "Discarded the pending changes saved by editor on "
    )
    assert latest.revision.get_comment().endswith("(Changed Title.)")
    assert latest.field_dict["title"] == "Tokyo 2012"
    assert form_of(editor_client.get(change_url(meeting)))["title"] == ["Tokyo 2012"]
    # Discarding is a POST.
    assert editor_client.get(discard_url(meeting)).status_code == 405


def test_a_pending_draft_that_does_not_validate_keeps_nothing(
    meeting,  # noqa: F811
    editor_client,
):
    response = save_pending(editor_client, meeting, [("kind", "")])
    assert response.status_code == 200
    assert "This field is required." in text_of(response)
    assert not PendingChange.objects.exists()


def test_a_pending_draft_is_checked_against_the_database(db, editor_client):
    taken = make_meeting(number=1, slug="first")
    live = make_meeting(number=2, slug="second")
    response = save_pending(editor_client, live, [("number", str(taken.number))])
    assert response.status_code == 200
    assert "already" in text_of(response)  # the unique (kind, number) rule
    assert not PendingChange.objects.exists()


def test_no_change_keeps_no_pending_draft(meeting, editor_client):  # noqa: F811
    response = save_pending(editor_client, meeting)
    assert response.status_code == 302
    assert not PendingChange.objects.exists()
    page = text_of(editor_client.get(change_url(meeting)))
    assert "Nothing differs from the live version: no pending changes kept." in page


def test_only_published_records_offer_a_pending_draft(db, editor_client):
    draft = make_meeting(published=False)
    page = editor_client.get(change_url(draft)).content.decode()
    assert 'name="_save_pending"' not in page
    live = make_meeting()
    page = editor_client.get(change_url(live)).content.decode()
    assert 'name="_save_pending"' in page


def test_a_later_change_to_the_live_record_is_pointed_out(
    meeting,  # noqa: F811
    editor_client,
):
    save_pending(editor_client, meeting, [("title", "Tokyo, retitled")])
    Meeting.objects.get(pk=meeting.pk).save()  # someone else's save
    page = text_of(editor_client.get(change_url(meeting)))
    assert "The live record has changed since these pending changes were saved" in (
        page
    )


def test_pending_changes_need_the_change_permission(meeting, client):  # noqa: F811
    from django.contrib.auth.models import Permission, User

    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_meeting"))
    client.force_login(viewer)
    assert client.get(preview_url(meeting)).status_code == 403
    assert client.post(discard_url(meeting)).status_code == 403
    page = client.get(change_url(meeting)).content.decode()
    assert "Tokyo 2012" in page
    assert 'name="_save_pending"' not in page


def test_the_admin_home_lists_pending_changes(meeting, editor_client):  # noqa: F811
    save_pending(editor_client, meeting, [("title", "Tokyo, retitled")])
    page = text_of(editor_client.get(reverse("admin:index")))
    assert (
        "Pending changes Tokyo 2012 (10 November 2012) (meeting): Changed Title. "
        "Saved by editor on "
    ) in page


def test_other_kinds_have_pending_drafts_too(db, editor_client, client):
    source = make_source(title="MOFA press release")
    save_pending(editor_client, source, [("title", "MOFA press release, 2012")])
    source.refresh_from_db()
    assert source.title == "MOFA press release"
    assert PendingChange.objects.get().describe() == "Changed Title."
    person = make_person("Koichiro Gemba")
    save_pending(editor_client, person, [("name", "Gemba Koichiro")])
    assert PendingChange.objects.count() == 2
    assert Attendance.objects.count() == 0
