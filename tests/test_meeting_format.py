"""A meeting's format (in person, online, hybrid) is recorded only when a source
says it: empty means not recorded, and every place that shows or takes a format
says so."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from dialogue.models import Meeting
from tests.factories import make_country, make_meeting
from tests.text import page_text

pytestmark = pytest.mark.django_db

MEETING_HEADER = (
    "slug,kind,number,title,status,start_date,end_date,city,host,format,summary,sources"
)


def meeting_page(client, slug):
    return page_text(client.get(reverse("dialogue:meeting-detail", args=[slug])))


def test_no_seed_meeting_claims_a_format_the_article_does_not_give(client, seed):
    # The article says where and when each meeting was, never how it was held.
    for meeting in Meeting.objects.all():
        page = meeting_page(client, meeting.slug)
        assert "<dt>Format</dt><dd>Not recorded</dd>" in page, meeting.slug
        assert "In person" not in page


def test_a_recorded_format_is_shown(client, db):
    make_meeting(slug="hybrid", format="hybrid")
    assert "<dt>Format</dt><dd>Hybrid</dd>" in meeting_page(client, "hybrid")


def test_an_unknown_format_has_no_attendance_mode_in_structured_data(client, seed):
    page = meeting_page(client, "2012-11-10-foreign-ministers-4")
    assert "https://schema.org/EventScheduled" in page
    assert "eventAttendanceMode" not in page


def test_the_admin_offers_not_recorded_and_saves_it(admin_client):
    page = page_text(admin_client.get(reverse("admin:dialogue_meeting_add")))
    assert '<option value="" selected>not recorded</option>' in page
    assert "---------" not in page.split('name="format"')[1].split("</select>")[0]
    data = {
        "title": "Fifth meeting",
        "kind": "foreign_ministers",
        "status": "held",
        "start_date": "2014-07-16",
        "city": "Bishkek",
        "format": "",
        "published": "on",
    }
    for prefix in ("attendances", "pledges", "photos"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(reverse("admin:dialogue_meeting_add"), data)
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="Fifth meeting")
    assert meeting.format == ""
    change = page_text(
        admin_client.get(reverse("admin:dialogue_meeting_change", args=[meeting.pk]))
    )
    assert '<option value="" selected>not recorded</option>' in change


def test_the_admin_filters_meetings_whose_format_is_not_recorded(admin_client):
    make_meeting(title="Held online", format="online", city="")
    make_meeting(title="No source says", format="")
    url = reverse("admin:dialogue_meeting_changelist")
    page = page_text(admin_client.get(url))
    assert '<a href="?format=none">not recorded</a>' in page
    page = page_text(admin_client.get(url, {"format": "none"}))
    assert "No source says" in page
    assert "Held online" not in page
    page = page_text(admin_client.get(url, {"format": "online"}))
    assert "Held online" in page
    assert "No source says" not in page


def test_an_empty_format_cell_imports_as_not_recorded_and_exports_empty(db, tmp_path):
    make_country("KZ")
    (tmp_path / "meetings.csv").write_text(
        f"{MEETING_HEADER}\nastana-2004,foreign_ministers,1,Astana,held,2004-08-28,,"
        "Astana,KZ,,,\n",
        encoding="utf-8",
    )
    call_command("import_dataset", str(tmp_path), stdout=io.StringIO())
    assert Meeting.objects.get(slug="astana-2004").format == ""
    out = tmp_path / "out"
    call_command("export_dataset", str(out), stdout=io.StringIO())
    rows = (out / "meetings.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[1].startswith(
        "astana-2004,foreign_ministers,1,Astana,held,2004-08-28,,Astana,KZ,,"
    )


def test_open_data_gives_an_unknown_format_as_empty_and_says_what_it_means(
    client, seed
):
    dataset = json.loads(client.get(reverse("dialogue:dataset-json")).getvalue())
    # JSON writes an empty cell as null, as it does an unknown date.
    assert {meeting["format"] for meeting in dataset["meetings"]} == {None}
    csv = client.get(reverse("dialogue:dataset-csv", args=["meetings"]))
    lines = csv.getvalue().decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header.index("format") == 9
    assert ",Astana,KZ,," in lines[1]
    page = page_text(client.get(reverse("dialogue:open-data")))
    assert (
        "Empty means not recorded: a meeting’s <code>format</code> is empty when "
        "no source says how it was held." in page
    )
