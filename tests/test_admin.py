"""The editors' back office, as an editor (staff, in the Editors group) uses it."""

import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from dialogue.models import (
    Attendance,
    Country,
    Document,
    DocumentPoint,
    Meeting,
    MeetingSeries,
    Page,
    Person,
    Pledge,
    Source,
)
from tests.factories import (
    make_attendance,
    make_country,
    make_meeting,
    make_person,
    make_pledge,
)
from tests.text import page_text

pytestmark = pytest.mark.django_db

MODELS = (
    Source,
    Country,
    Person,
    Meeting,
    Attendance,
    Pledge,
    Document,
    DocumentPoint,
    Page,
)


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def meeting_form(**overrides):
    """The POST data of the meeting add form, with empty inlines."""
    data = {
        "title": "Fifth meeting",
        "kind": "foreign_ministers",
        "number": "",
        "status": "held",
        "start_date": "2014-07-16",
        "end_date": "",
        "city": "Bishkek",
        "host": "",
        "format": "in_person",
        "summary": "",
        "outcomes": "",
        "slug": "",
        "published": "on",
    }
    for prefix in ("attendances", "pledges", "photos"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


def errors_of(response):
    """Every error message the form page shows, as text."""
    form = response.context["adminform"].form
    found = [str(m) for messages in form.errors.values() for m in messages]
    for formset in response.context["inline_admin_formsets"]:
        for errors in formset.formset.errors:
            found += [str(m) for messages in errors.values() for m in messages]
        found += [str(m) for m in formset.formset.non_form_errors()]
    return found


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_and_form_renders_for_an_editor(editor_client, seed, model):
    obj = model.objects.first()
    response = editor_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert escape(str(model._meta.verbose_name_plural).capitalize()) in (
        response.content.decode()
    )
    response = editor_client.get(admin_url(model, "change", obj.pk))
    assert escape(str(obj)) in response.content.decode()
    response = editor_client.get(admin_url(model, "add"))
    assert f"Add {model._meta.verbose_name}" in response.content.decode()


def test_changelist_search(editor_client, seed):
    response = editor_client.get(admin_url(Meeting, "changelist"), {"q": "Tashkent"})
    page = response.content.decode()
    assert "Senior Officials&#x27; Meeting in Tashkent" in page
    assert "Meeting in Astana" not in page
    response = editor_client.get(admin_url(Attendance, "changelist"), {"q": "Gemba"})
    assert "Koichiro Gemba" in response.content.decode()
    assert "Idrisov" not in response.content.decode()


def test_changelist_shows_partial_dates_readably(editor_client, seed):
    page = editor_client.get(admin_url(Meeting, "changelist")).content.decode()
    assert "10 November 2012" in page
    assert "date unknown" in page


def test_publish_and_unpublish_actions(editor_client, seed):
    meetings = list(Meeting.objects.values_list("pk", flat=True)[:2])
    response = editor_client.post(
        admin_url(Meeting, "changelist"),
        {"action": "unpublish", "_selected_action": meetings},
        follow=True,
    )
    assert "2 meetings unpublished." in response.content.decode()
    assert Meeting.objects.filter(published=False).count() == 2
    response = editor_client.post(
        admin_url(Meeting, "changelist"),
        {"action": "publish", "_selected_action": meetings[:1]},
        follow=True,
    )
    assert "1 meeting published." in response.content.decode()
    assert Meeting.objects.filter(published=False).count() == 1


def test_editor_cannot_delete_participants(editor_client, seed):
    japan = Country.objects.get(code="JP")
    assert editor_client.get(admin_url(Country, "delete", japan.pk)).status_code == 403
    response = editor_client.get(admin_url(Country, "changelist"))
    assert "Delete selected participants" not in response.content.decode()
    assert Country.objects.filter(code="JP").exists()


def test_editor_can_delete_a_meeting(editor_client, db):
    meeting = make_meeting(title="Mistaken entry")
    response = editor_client.post(
        admin_url(Meeting, "delete", meeting.pk), {"post": "yes"}, follow=True
    )
    assert "was deleted successfully" in response.content.decode()
    assert not Meeting.objects.exists()


def test_editor_is_not_a_superuser_and_cannot_manage_users(editor_client, editor):
    assert editor.is_staff and not editor.is_superuser
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert "Meetings" in index
    assert "Users" not in index


def test_month_precision_date_saves_and_shows(editor_client, db):
    response = editor_client.post(
        admin_url(Meeting, "add"), meeting_form(start_date="2006-06"), follow=True
    )
    assert "was added successfully" in response.content.decode()
    meeting = Meeting.objects.get()
    assert (meeting.start_date, meeting.start_precision) == (
        datetime.date(2006, 6, 1),
        "month",
    )
    assert meeting.slug == "2006-06-foreign-ministers"
    page = editor_client.get(admin_url(Meeting, "changelist")).content.decode()
    assert "June 2006" in page
    form = editor_client.get(admin_url(Meeting, "change", meeting.pk)).content.decode()
    assert 'value="2006-06"' in form


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"start_date": "2006-13"},
            '"2006-13" is not a date: use YYYY-MM-DD, YYYY-MM, YYYY or leave it empty.',
        ),
        (
            {"start_date": "2014-07-16", "end_date": "2014-07-15"},
            "A meeting cannot end before it starts.",
        ),
        ({"format": "online"}, "An online meeting has no city."),
    ],
)
def test_meeting_mistakes_are_named_and_nothing_saved(
    editor_client, db, overrides, message
):
    response = editor_client.post(admin_url(Meeting, "add"), meeting_form(**overrides))
    assert response.status_code == 200
    assert message in errors_of(response)
    assert escape(message) in response.content.decode()
    assert not Meeting.objects.exists()


def test_duplicate_number_within_a_series(editor_client, db):
    ministers = MeetingSeries.objects.get(slug="foreign-ministers")
    make_meeting(kind="foreign_ministers", number=4, series=ministers)
    response = editor_client.post(
        admin_url(Meeting, "add"), meeting_form(number="4", series=ministers.pk)
    )
    assert "Another meeting of this series already has this number." in errors_of(
        response
    )
    # Left empty, the series is the kind's own.
    response = editor_client.post(admin_url(Meeting, "add"), meeting_form(number="4"))
    assert "Another meeting of this series already has this number." in errors_of(
        response
    )
    # A kind with no series of its own numbers its meetings in no series.
    make_meeting(kind="other", number=2)
    response = editor_client.post(
        admin_url(Meeting, "add"), meeting_form(kind="other", number="2")
    )
    assert (
        "Another meeting of this kind, in no series, already has this number."
        in errors_of(response)
    )
    assert Meeting.objects.count() == 2
    assert Meeting.objects.get(kind="other").series is None


def test_two_series_of_one_kind_each_have_a_2nd_meeting(editor_client, db):
    business = MeetingSeries.objects.create(
        slug="business",
        name="Business Dialogue of Japan and Central Asia",
        kind="other",
    )
    energy = MeetingSeries.objects.create(
        slug="energy", name="Economic and Energy Dialogue", kind="other"
    )
    for series in (business, energy):
        response = editor_client.post(
            admin_url(Meeting, "add"),
            meeting_form(kind="other", number="2", series=series.pk, title=""),
        )
        assert response.status_code == 302, errors_of(response)
    assert sorted(Meeting.objects.values_list("title", flat=True)) == [
        "2nd Business Dialogue of Japan and Central Asia in Bishkek",
        "2nd Economic and Energy Dialogue in Bishkek",
    ]


def test_a_series_files_its_meetings_under_its_kind(editor_client, db):
    ministers = MeetingSeries.objects.get(slug="foreign-ministers")
    response = editor_client.post(
        admin_url(Meeting, "add"), meeting_form(kind="summit", series=ministers.pk)
    )
    assert (
        "The series “Foreign Ministers' Meeting” is filed under “Foreign Ministers' "
        "Meeting”: choose that kind, or another series." in errors_of(response)
    )
    assert not Meeting.objects.exists()


def pledge_form(donor, **overrides):
    data = {
        "slug": "a-pledge",
        "donor": donor.pk,
        "amount": "1000",
        "currency": "USD",
        "announced_on": "2012-11",
        "purpose": "",
        "published": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"currency": "usd"},
            "The currency must be an ISO 4217 code in capitals, e.g. USD.",
        ),
        (
            {"currency": "XYZ"},
            "The currency must be an ISO 4217 code in capitals, e.g. USD.",
        ),
        ({"amount": "-5"}, "The amount must be more than zero."),
    ],
)
def test_pledge_mistakes_are_named_and_nothing_saved(
    editor_client, db, overrides, message
):
    japan = make_country("JP")
    response = editor_client.post(
        admin_url(Pledge, "add"), pledge_form(japan, **overrides)
    )
    assert message in errors_of(response)
    assert not Pledge.objects.exists()


def test_pledge_with_month_date_and_a_large_yen_amount(editor_client, db):
    japan = make_country("JP")
    response = editor_client.post(
        admin_url(Pledge, "add"),
        pledge_form(japan, amount="3000000000000", currency="JPY"),
        follow=True,
    )
    assert "was added successfully" in response.content.decode()
    pledge = Pledge.objects.get()
    assert str(pledge.announced) == "November 2012"
    page = editor_client.get(admin_url(Pledge, "changelist")).content.decode()
    assert "JPY 3,000,000,000,000.00" in page


def test_an_editor_adds_a_pledge_without_typing_a_slug(editor_client, db):
    japan = make_country("JP")
    form = editor_client.get(admin_url(Pledge, "add")).content.decode()
    assert (
        "Left empty, it is made from the donor, date, currency and amount, "
        "e.g. jp-2012-11-10-usd-700000000." in form
    )
    for _ in range(2):
        response = editor_client.post(
            admin_url(Pledge, "add"), pledge_form(japan, slug=""), follow=True
        )
        assert "was added successfully" in response.content.decode()
    page = editor_client.get(admin_url(Pledge, "changelist")).content.decode()
    assert ">jp-2012-11-usd-1000</a>" in page
    assert ">jp-2012-11-usd-1000-2</a>" in page


def test_pledges_added_in_a_meeting_get_their_own_slugs(editor_client, db):
    japan = make_country("JP")
    rows = {"pledges-TOTAL_FORMS": "2"}
    for index, amount in enumerate(("5", "5")):
        rows.update(
            {
                f"pledges-{index}-slug": "",
                f"pledges-{index}-donor": japan.pk,
                f"pledges-{index}-amount": amount,
                f"pledges-{index}-currency": "USD",
                f"pledges-{index}-announced_on": "2014-07-16",
                f"pledges-{index}-published": "on",
            }
        )
    response = editor_client.post(admin_url(Meeting, "add"), meeting_form(**rows))
    assert response.status_code == 302, errors_of(response)
    meeting = Meeting.objects.get()
    assert sorted(meeting.pledges.values_list("slug", flat=True)) == [
        "jp-2014-07-16-usd-5",
        "jp-2014-07-16-usd-5-2",
    ]


def test_country_code_must_be_iso(editor_client, db):
    response = editor_client.post(
        admin_url(Country, "add"),
        {"code": "XX", "name": "Nowhere", "role": "member", "published": "on"},
    )
    assert (
        "The code must be an ISO 3166-1 alpha-2 code in capitals, e.g. KZ."
        in errors_of(response)
    )
    assert not Country.objects.exists()


def test_attendees_added_through_the_meeting_inline(editor_client, db):
    turkmenistan = make_country("TM", role="observer")
    japan = make_country("JP")
    gemba = make_person()
    data = meeting_form(
        **{
            "attendances-TOTAL_FORMS": "2",
            "attendances-0-person": gemba.pk,
            "attendances-0-position": "Minister for Foreign Affairs",
            "attendances-0-country": japan.pk,
            "attendances-0-capacity": "delegate",
            "attendances-0-published": "on",
            "attendances-1-person": "",
            "attendances-1-position": "Ambassador of Turkmenistan",
            "attendances-1-country": turkmenistan.pk,
            "attendances-1-capacity": "observer",
            "attendances-1-published": "on",
        }
    )
    response = editor_client.post(admin_url(Meeting, "add"), data, follow=True)
    assert "was added successfully" in response.content.decode()
    shown = sorted(str(a.display_name) for a in Attendance.objects.all())
    assert shown == [
        "Ambassador of Turkmenistan (name not recorded)",
        "Koichiro Gemba",
    ]


def attendance_row(index, country, person=None, position=""):
    """One row of the meeting form's attendee inline."""
    return {
        f"attendances-{index}-person": person.pk if person else "",
        f"attendances-{index}-position": position,
        f"attendances-{index}-country": country.pk,
        f"attendances-{index}-capacity": "delegate",
        f"attendances-{index}-published": "on",
    }


def test_a_person_listed_twice_in_a_new_meeting_is_refused(editor_client, db):
    japan, gemba = make_country("JP"), make_person()
    data = meeting_form(
        **{"attendances-TOTAL_FORMS": "2"},
        **attendance_row(0, japan, gemba),
        **attendance_row(1, japan, gemba, "Minister"),
    )
    response = editor_client.post(admin_url(Meeting, "add"), data)
    assert response.status_code == 200
    assert "This person is already listed here." in errors_of(response)
    assert escape("This person is already listed here.") in response.content.decode()
    assert not Meeting.objects.exists()
    assert not Attendance.objects.exists()


def test_a_person_already_listed_is_not_added_again(editor_client, db):
    japan, gemba = make_country("JP"), make_person()
    meeting = make_meeting(title="Fifth meeting", city="Bishkek")
    listed = make_attendance(meeting, japan, gemba)
    data = meeting_form(
        start_date="2012-11-10",
        slug=meeting.slug,
        **{
            "attendances-TOTAL_FORMS": "2",
            "attendances-INITIAL_FORMS": "1",
            "attendances-0-id": listed.pk,
            "attendances-0-meeting": meeting.pk,
            "attendances-1-meeting": meeting.pk,
        },
        **attendance_row(0, japan, gemba, listed.position),
        **attendance_row(1, japan, gemba, "Ambassador"),
    )
    response = editor_client.post(admin_url(Meeting, "change", meeting.pk), data)
    assert response.status_code == 200
    assert "This person is already listed here." in errors_of(response)
    assert list(Attendance.objects.all()) == [listed]


def test_two_unnamed_attendees_with_one_position_are_refused(editor_client, db):
    japan = make_country("JP")
    data = meeting_form(
        **{"attendances-TOTAL_FORMS": "2"},
        **attendance_row(0, japan, position="Ambassador to Japan"),
        **attendance_row(1, japan, position="Ambassador to Japan"),
    )
    response = editor_client.post(admin_url(Meeting, "add"), data)
    assert response.status_code == 200
    assert (
        "An unnamed attendee with this position and country is already listed here."
        in errors_of(response)
    )
    assert not Meeting.objects.exists()


def test_an_unnamed_attendee_needs_a_position(editor_client, db):
    japan = make_country("JP")
    data = meeting_form(
        **{"attendances-TOTAL_FORMS": "1"}, **attendance_row(0, japan, position="")
    )
    response = editor_client.post(admin_url(Meeting, "add"), data)
    assert "An attendee whose name is not known needs a position." in errors_of(
        response
    )
    assert not Meeting.objects.exists()


def test_inline_pledge_with_bad_currency_saves_nothing(editor_client, db):
    japan = make_country("JP")
    data = meeting_form(
        **{
            "pledges-TOTAL_FORMS": "1",
            "pledges-0-slug": "p",
            "pledges-0-donor": japan.pk,
            "pledges-0-amount": "5",
            "pledges-0-currency": "usd",
            "pledges-0-announced_on": "",
            "pledges-0-published": "on",
        }
    )
    response = editor_client.post(admin_url(Meeting, "add"), data)
    assert "The currency must be an ISO 4217 code in capitals, e.g. USD." in (
        errors_of(response)
    )
    assert not Meeting.objects.exists()
    assert not Pledge.objects.exists()


def test_view_on_site_links_to_the_public_page(editor_client, db):
    meeting = make_meeting()
    page = editor_client.get(admin_url(Meeting, "change", meeting.pk)).content.decode()
    assert f'<a href="{meeting.get_absolute_url()}" class="viewsitelink"' in page
    assert "Preview on site</a>" in page
    pledge = make_pledge(make_country("JP"))
    assert pledge.get_absolute_url().endswith(f"#pledge-{pledge.slug}")


def test_changelist_place_tells_editors_when_the_host_is_a_draft(editor_client, db):
    make_meeting(title="In Ulaanbaatar", city="Ulaanbaatar", host=make_country("MN"))
    make_meeting(
        title="In Tashkent",
        kind="summit",
        city="Tashkent",
        host=make_country("UZ", published=False),
    )
    page = editor_client.get(admin_url(Meeting, "changelist")).content.decode()
    assert '<td class="field-place">Ulaanbaatar, MN</td>' in page
    assert '<td class="field-place">Tashkent (host Uzbekistan is a draft)</td>' in page


def test_the_fields_an_editor_might_misread_say_what_they_hold(editor_client):
    page = page_text(editor_client.get(admin_url(Meeting, "add")))
    assert (
        "What the meeting was and what was discussed, in a few sentences, as the "
        "sources say."
    ) in page
    assert "What it decided or produced (agreements, documents, pledges)" in page
    for model in (Source, Page, Person, Document):
        help_text = str(model._meta.get_field("slug").help_text)
        assert "Changing it changes the address" in help_text, model.__name__


def test_the_admin_home_lists_drafts_scheduled_records_and_everyones_changes(
    editor_client, django_user_model
):
    make_meeting(title="Ninth meeting", published=False)
    make_meeting(title="Tenth meeting", published=False)
    when = timezone.now() + datetime.timedelta(days=2)
    scheduled = make_meeting(title="Eleventh meeting", publish_at=when)
    other = django_user_model.objects.create_user("colleague", is_staff=True)
    LogEntry.objects.log_actions(
        other.pk, [scheduled], CHANGE, change_message="Changed title."
    )
    page = page_text(editor_client.get(reverse("admin:index")))
    assert "Central Asia plus Japan Dialogue — editors" in page
    assert (
        f'<a href="{admin_url(Meeting, "changelist")}?published__exact=0">'
        "2 meetings</a> not published"
    ) in page
    local = timezone.localtime(when)
    assert (
        f'<a href="{admin_url(Meeting, "change", scheduled.pk)}">{scheduled}</a> '
        f"(meeting) goes public on {local.day} {local:%B %Y, %H:%M} {local:%Z}"
    ) in page
    assert "colleague changed meeting <a href=" in page
    assert "No drafts." not in page


def test_a_filtered_list_does_not_count_the_whole_table(editor_client, db):
    for number in range(1, 4):
        make_meeting(number=number, title=f"Meeting {number}")
    make_meeting(title="A draft", published=False)
    url = admin_url(Meeting, "changelist")
    page = editor_client.get(url, {"published__exact": "0"}).content.decode()
    assert "1 meeting" in page
    assert "Show all" in page
    assert "total)" not in page
