"""Drafts are safe by default: nothing an editor or a file adds goes public before
someone says so, and a record of a draft stays hidden whatever its own flag."""

import datetime
import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dialogue.csv.files import read_csv
from dialogue.csv.resources import AttendanceResource, MeetingResource
from dialogue.models import Attendance, Meeting, Person, Pledge, Source
from tests.factories import (
    make_attendance,
    make_country,
    make_meeting,
    make_person,
    make_pledge,
    make_source,
)
from tests.test_admin import admin_url, errors_of, meeting_form
from tests.text import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor():
    """Not signed in (``client`` is the editor's, once ``editor_client`` is used)."""
    return Client()


MEETING_HEADER = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,sources"
)


def run(resource_class, text):
    return resource_class().import_data(read_csv(text.encode()), dry_run=False)


def problems(result):
    return [str(problem) for problem in result.problems()]


def future(days=400):
    return timezone.localdate() + datetime.timedelta(days=days)


# --- New records start as drafts ---------------------------------------------------


def test_a_meeting_added_in_the_admin_is_a_planned_draft(editor_client, visitor):
    page = page_text(editor_client.get(admin_url(Meeting, "add")))
    assert 'name="published"' in page
    assert 'name="published" checked' not in page
    assert '<option value="planned" selected>' in page

    data = meeting_form(title="Ninth Foreign Ministers' Meeting", status="planned")
    del data["published"]  # the box left as the form offers it
    editor_client.post(admin_url(Meeting, "add"), data)
    meeting = Meeting.objects.get(title="Ninth Foreign Ministers' Meeting")
    assert (meeting.published, meeting.status) == (False, "planned")
    assert "Ninth Foreign" not in page_text(
        visitor.get(reverse("dialogue:meeting-list"))
    )
    assert visitor.get(meeting.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("model", [Person, Source, Pledge, Attendance])
def test_every_kind_of_record_starts_as_a_draft(model):
    assert model._meta.get_field("published").default is False


def test_an_attendee_added_in_the_meetings_inline_is_a_draft(editor_client, visitor):
    japan = make_country("JP")
    gemba = make_person("Koichiro Gemba")
    meeting = make_meeting(slug="fourth")
    data = meeting_form(
        title=meeting.title,
        slug=meeting.slug,
        **{
            "attendances-TOTAL_FORMS": "1",
            "attendances-0-person": str(gemba.pk),
            "attendances-0-position": "Minister for Foreign Affairs",
            "attendances-0-country": str(japan.pk),
            "attendances-0-capacity": "delegate",
        },
    )
    response = editor_client.post(admin_url(Meeting, "change", meeting.pk), data)
    assert response.status_code == 302, errors_of(response)
    attendance = Attendance.objects.get(meeting=meeting)
    assert attendance.published is False
    page = page_text(visitor.get(meeting.get_absolute_url()))
    assert "Koichiro Gemba" not in page


def test_the_pledge_inline_carries_purpose_and_sources(editor_client):
    meeting = make_meeting()
    page = page_text(editor_client.get(admin_url(Meeting, "change", meeting.pk)))
    assert 'name="pledges-__prefix__-purpose"' in page
    assert 'name="pledges-__prefix__-sources"' in page


def test_a_pledge_added_with_its_purpose_and_source_in_the_inline(editor_client):
    japan = make_country("JP")
    source = make_source(slug="mofa")
    meeting = make_meeting(slug="fourth")
    data = meeting_form(
        title=meeting.title,
        slug=meeting.slug,
        **{
            "pledges-TOTAL_FORMS": "1",
            "pledges-0-donor": str(japan.pk),
            "pledges-0-amount": "700000000",
            "pledges-0-currency": "USD",
            "pledges-0-announced_on": "2012-11-10",
            "pledges-0-purpose": "Regional cooperation",
            "pledges-0-sources": [str(source.pk)],
            "pledges-0-slug": "",
        },
    )
    response = editor_client.post(admin_url(Meeting, "change", meeting.pk), data)
    assert response.status_code == 302, errors_of(response)
    pledge = Pledge.objects.get(meeting=meeting)
    assert pledge.purpose == "Regional cooperation"
    assert list(pledge.sources.all()) == [source]
    assert pledge.published is False


# --- A record of a draft is never public ---------------------------------------


def test_a_pledge_at_a_draft_meeting_is_hidden_everywhere(visitor, editor_client):
    japan = make_country("JP")
    draft = make_meeting(slug="draft", title="Ninth meeting", published=False)
    make_pledge(japan, slug="at-the-draft", meeting=draft, amount=123_456_789)
    shown = make_meeting(slug="shown", title="Fourth meeting")
    make_pledge(japan, slug="at-the-public-one", meeting=shown, amount=987_654_321)

    pledges = page_text(visitor.get(reverse("dialogue:pledge-list")))
    assert "987,654,321" in pledges and "123,456,789" not in pledges
    country = page_text(visitor.get(japan.get_absolute_url()))
    assert "987,654,321" in country and "123,456,789" not in country
    csv = visitor.get(reverse("dialogue:dataset-csv", args=["pledges"]))
    assert b"at-the-public-one" in csv.getvalue()
    assert b"at-the-draft" not in csv.getvalue()
    dataset = visitor.get(reverse("dialogue:dataset-json")).getvalue()
    assert b"at-the-public-one" in dataset and b"at-the-draft" not in dataset
    # The draft meeting's own preview, for staff, shows it with its pledge.
    preview = page_text(editor_client.get(draft.get_absolute_url()))
    assert "123,456,789" in preview


def test_a_pledge_at_no_meeting_can_be_public(client):
    make_pledge(make_country("JP"), slug="standing", amount=55_000_000)
    assert "55,000,000" in page_text(client.get(reverse("dialogue:pledge-list")))


def test_an_attendee_of_a_draft_meeting_is_hidden_from_the_persons_page(client):
    japan = make_country("JP")
    gemba = make_person("Koichiro Gemba")
    make_attendance(make_meeting(title="Public meeting"), japan, gemba)
    make_attendance(make_meeting(title="Secret meeting", published=False), japan, gemba)
    page = page_text(client.get(gemba.get_absolute_url()))
    assert "Public meeting" in page and "Secret meeting" not in page


# --- A future meeting is not "held" ------------------------------------------------


def test_the_admin_refuses_a_future_meeting_saved_as_held(editor_client):
    start = future()
    response = editor_client.post(
        admin_url(Meeting, "add"),
        meeting_form(status="held", start_date=start.isoformat()),
    )
    assert errors_of(response) == [
        f"A meeting starting on {start.day} {start:%B %Y}, in the future, cannot be "
        "“held”: choose “planned” until it has taken place."
    ]
    assert not Meeting.objects.exists()


def test_a_future_meeting_known_to_the_year_is_refused_as_held_too(editor_client):
    year = timezone.localdate().year + 2
    response = editor_client.post(
        admin_url(Meeting, "add"),
        meeting_form(status="held", start_date=str(year)),
    )
    assert errors_of(response) == [
        f"A meeting starting on {year}, in the future, cannot be “held”: choose "
        "“planned” until it has taken place."
    ]
    response = editor_client.post(
        admin_url(Meeting, "add"),
        meeting_form(status="planned", start_date=str(year)),
    )
    assert response.status_code == 302
    assert Meeting.objects.get().status == "planned"


def test_an_import_refuses_a_future_meeting_as_held_by_line_and_column(db):
    start = future()
    text = (
        f"{MEETING_HEADER}\n"
        "2004-08-28-fm-1,foreign_ministers,1,First,held,2004-08-28,,Astana,,,,\n"
        f"next-fm,foreign_ministers,9,Ninth,held,{start.isoformat()},,Tokyo,,,,\n"
    )
    result = run(MeetingResource, text)
    assert problems(result) == [
        f'Line 3, column "status": A meeting starting on {start.day} '
        f"{start:%B %Y}, in the future, cannot be “held”: choose “planned” until "
        "it has taken place."
    ]
    assert not Meeting.objects.exists()


# --- Imports: drafts unless the file says published ---------------------------------


def test_an_import_without_a_published_column_adds_drafts_and_keeps_flags(client):
    make_country("JP")
    kept = make_meeting(slug="kept", title="Kept public", number=3)
    text = (
        f"{MEETING_HEADER}\n"
        "kept,foreign_ministers,3,Kept public,held,2012-11-10,,Tokyo,JP,,,\n"
        "added,foreign_ministers,4,Added,held,2014-07-16,,Tokyo,JP,,,\n"
    )
    assert problems(run(MeetingResource, text.replace("Kept public", "Renamed"))) == []
    assert Meeting.objects.get(slug="added").published is False
    kept.refresh_from_db()
    assert (kept.title, kept.published) == ("Renamed", True)
    page = page_text(client.get(reverse("dialogue:meeting-list")))
    assert "Renamed" in page and "Added" not in page


def test_an_import_with_a_published_column_sets_the_flag(client):
    japan = make_country("JP")
    meeting = make_meeting(slug="fourth")
    text = (
        "meeting,person,position,country,capacity,published\n"
        "fourth,Koichiro Gemba,Minister,JP,delegate,true\n"
        "fourth,Ерлан Идрисов,Minister,JP,delegate,false\n"
        "fourth,Someone,Minister,JP,delegate,maybe\n"
    )
    assert problems(run(AttendanceResource, text)) == [
        'Line 4, column "published": "maybe" is not allowed here: write true or false.'
    ]
    result = run(AttendanceResource, text.replace(",maybe", ",false"))
    assert problems(result) == []
    assert dict(Person.objects.values_list("name", "published")) == {
        "Koichiro Gemba": True,
        "Ерлан Идрисов": False,
        "Someone": False,
    }
    page = page_text(client.get(meeting.get_absolute_url()))
    assert "Koichiro Gemba" in page and "Идрисов" not in page
    assert Attendance.objects.filter(country=japan, published=True).count() == 1


def test_staff_preview_a_draft_meeting_with_its_attendees(visitor, editor_client):
    draft = make_meeting(slug="draft", published=False)
    make_attendance(draft, make_country("JP"), make_person("Koichiro Gemba"))
    assert "Koichiro Gemba" in page_text(editor_client.get(draft.get_absolute_url()))
    assert visitor.get(draft.get_absolute_url()).status_code == 404


def test_view_on_site_opens_the_page_on_the_editors_own_host(editor_client):
    draft = make_meeting(slug="ninth", published=False)
    page = page_text(editor_client.get(admin_url(Meeting, "change", draft.pk)))
    assert (
        '<a href="/meetings/ninth/" class="viewsitelink" target="_blank" '
        'rel="noopener">Preview draft</a>'
    ) in page
    assert "example.com" not in page
    preview = page_text(editor_client.get("/meetings/ninth/"))
    assert "Draft — not public." in preview


def test_every_record_of_the_seed_says_it_is_published():
    """The seed is the public site: a record added to it without ``published``
    would load as a draft and vanish from the pages. (A meeting series has no
    flag: it is shown through its public meetings.)"""
    seed = Path(__file__).resolve().parent.parent / "fixtures" / "seed.json"
    unpublished = [
        (record["model"], record["fields"].get("slug") or record.get("pk"))
        for record in json.loads(seed.read_text(encoding="utf-8"))
        if record["fields"].get("published") is not True
        and record["model"] != "dialogue.meetingseries"
    ]
    assert unpublished == []


def test_a_pledges_currency_is_chosen_from_the_iso_4217_list(editor_client):
    page = page_text(editor_client.get(admin_url(Pledge, "add")))
    assert '<option value="JPY">JPY — Yen</option>' in page
    assert '<option value="USD">USD — US Dollar</option>' in page
    japan = make_country("JP")
    response = editor_client.post(
        admin_url(Pledge, "add"),
        {
            "donor": japan.pk,
            "amount": "1000",
            "currency": "usd",
            "announced_on": "2012",
            "slug": "",
        },
    )
    assert errors_of(response) == [
        "The currency must be an ISO 4217 code in capitals, e.g. USD."
    ]
    assert not Pledge.objects.exists()


# --- Staff see drafts on the lists, marked --------------------------------------------


def test_staff_see_draft_meetings_and_pledges_marked_on_the_lists(
    visitor, editor_client
):
    japan = make_country("JP")
    make_meeting(title="Fourth meeting")
    draft = make_meeting(title="Ninth meeting", published=False)
    make_pledge(japan, amount=111_000_000)
    make_pledge(japan, amount=222_000_000, meeting=draft)  # hidden with its meeting

    timeline = reverse("dialogue:meeting-list")
    staff = page_text(editor_client.get(timeline))
    assert "Fourth meeting" in staff and "Ninth meeting" in staff
    assert staff.count('class="badge badge-draft">Draft</strong>') == 1
    public = page_text(visitor.get(timeline))
    assert "Fourth meeting" in public and "Ninth meeting" not in public
    assert "badge-draft" not in public

    pledges = reverse("dialogue:pledge-list")
    staff = page_text(editor_client.get(pledges))
    assert "111,000,000" in staff and "222,000,000" in staff
    assert staff.count('class="badge badge-draft">Draft</strong>') == 1
    public = page_text(visitor.get(pledges))
    assert "111,000,000" in public and "222,000,000" not in public


def test_staff_see_a_countrys_draft_meetings_and_pledges_marked(visitor, editor_client):
    japan = make_country("JP")
    shown = make_meeting(title="Fourth meeting", host=japan)
    draft = make_meeting(title="Ninth meeting", host=japan, published=False)
    make_attendance(shown, japan)
    make_attendance(draft, japan)
    make_pledge(japan, amount=111_000_000)
    make_pledge(japan, amount=222_000_000, published=False)

    staff = page_text(editor_client.get(japan.get_absolute_url()))
    assert staff.count("Ninth meeting") == 2  # attended and hosted
    assert staff.count('class="badge badge-draft">Draft</strong>') == 3
    assert "111,000,000" in staff and "222,000,000" in staff
    public = page_text(visitor.get(japan.get_absolute_url()))
    assert "Ninth meeting" not in public and "222,000,000" not in public
    assert "badge-draft" not in public
