"""The published dataset for anyone: CSV in the staff contract, JSON, a licence."""

import csv
import io
import json

import pytest
from django.urls import reverse

from dialogue.models import Attendance, Country, Meeting, Person, Pledge, Source
from dialogue.resources import DATASET, write_csv
from tests.factories import (
    make_attendance,
    make_country,
    make_meeting,
    make_person,
    make_pledge,
    make_source,
)

pytestmark = pytest.mark.django_db

CONTRACT = {
    "countries": "code,name,role,joined_on,summary",
    "sources": "slug,title,publisher,url,published_on",
    "meetings": "slug,kind,number,title,status,start_date,end_date,city,host,format,"
    "summary,sources",
    "attendees": "meeting,person,position,country,capacity",
    "pledges": "slug,donor,amount,currency,approximate,announced_on,meeting,purpose,"
    "sources",
}


def download(client, kind):
    response = client.get(reverse("dialogue:dataset-csv", args=[kind]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{kind}.csv"'
    return response.content.decode("utf-8")


def rows(text):
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize("kind", CONTRACT)
def test_each_file_has_the_contract_columns_in_order(client, seed, kind):
    text = download(client, kind)
    assert text.startswith("\ufeff" + CONTRACT[kind] + "\r\n")


def test_published_data_matches_the_staff_export_exactly(client, seed):
    # With everything published, the public files are the staff export.
    for resource in DATASET:
        kind = resource.file_name.removesuffix(".csv")
        assert download(client, kind) == write_csv(resource().export()), kind


def test_drafts_and_references_to_drafts_are_left_out(client, db):
    japan, hidden = make_country("JP"), make_country("UZ", published=False)
    public_source = make_source(slug="public-source")
    draft_source = make_source(slug="draft-source", published=False)
    meeting = make_meeting(slug="shown", host=hidden)
    meeting.sources.set([public_source, draft_source])
    draft = make_meeting(slug="draft-meeting", published=False)
    make_attendance(meeting, japan, make_person(name="Shown Person"))
    make_attendance(meeting, japan, make_person(name="Hidden Person", published=False))
    make_attendance(draft, japan, make_person(name="At a draft"))
    pledge = make_pledge(japan, slug="shown-pledge", meeting=draft)
    pledge.sources.set([draft_source])
    make_pledge(hidden, slug="hidden-donor")

    assert [r["code"] for r in rows(download(client, "countries"))] == ["JP"]
    assert [r["slug"] for r in rows(download(client, "sources"))] == ["public-source"]
    [shown] = rows(download(client, "meetings"))
    assert (shown["slug"], shown["host"], shown["sources"]) == (
        "shown",
        "",
        "public-source",
    )
    assert [r["person"] for r in rows(download(client, "attendees"))] == [
        "Shown Person"
    ]
    [row] = rows(download(client, "pledges"))
    assert (row["slug"], row["meeting"], row["sources"]) == ("shown-pledge", "", "")
    # Nothing was changed in the database by leaving references out.
    assert Meeting.objects.get(slug="shown").host == hidden
    assert Pledge.objects.get(slug="shown-pledge").meeting == draft


def test_spreadsheet_formulas_are_neutralised(client, db):
    make_meeting(slug="formula", title='=HYPERLINK("http://x")')
    [row] = rows(download(client, "meetings"))
    assert not row["title"].startswith("=")
    assert "HYPERLINK" in row["title"]


def test_unknown_kind_is_404(client, db):
    response = client.get(reverse("dialogue:dataset-csv", args=["people"]))
    assert response.status_code == 404


def test_json_has_every_kind_with_types_and_the_licence(client, seed):
    response = client.get(reverse("dialogue:dataset-json"))
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["licence"]["short_name"] == "CC BY-SA 4.0"
    assert data["licence"]["url"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert len(data["countries"]) == Country.objects.count()
    assert len(data["sources"]) == Source.objects.count()
    assert len(data["meetings"]) == Meeting.objects.count()
    assert len(data["attendees"]) == Attendance.objects.count()
    [pledge] = data["pledges"]
    assert pledge == {
        "slug": "japan-2012-regional-cooperation",
        "donor": "JP",
        "amount": "700000000",
        "currency": "USD",
        "approximate": False,
        "announced_on": "2012-11-10",
        "meeting": "2012-11-10-foreign-ministers-4",
        "purpose": pledge["purpose"],
        "sources": ["gazette-japan-700-million-2012"],
    }
    undated = next(m for m in data["meetings"] if m["slug"].startswith("undated"))
    assert undated["start_date"] is None
    fourth = next(m for m in data["meetings"] if m["number"] == 4)
    assert fourth["host"] == "JP"
    assert list(fourth) == CONTRACT["meetings"].split(",")


def test_json_keeps_names_in_any_script(client, db):
    meeting, japan = make_meeting(), make_country("JP")
    make_attendance(meeting, japan, make_person(name="玄葉光一郎"))
    text = client.get(reverse("dialogue:dataset-json")).content.decode()
    assert '"person": "玄葉光一郎"' in text
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("url_name", "kind"),
    [
        ("dialogue:participant-list", "countries"),
        ("dialogue:meeting-list", "meetings"),
        ("dialogue:pledge-list", "pledges"),
        ("dialogue:source-list", "sources"),
        ("dialogue:document-list", None),
    ],
)
def test_every_list_page_links_to_the_data_and_licence(client, db, url_name, kind):
    page = client.get(reverse(url_name)).content.decode()
    if kind:
        csv_url = reverse("dialogue:dataset-csv", args=[kind])
        assert f'<a href="{csv_url}" download>{kind}.csv</a>' in page
    assert (
        f'<a href="{reverse("dialogue:dataset-json")}">whole dataset as JSON</a>'
        in (page)
    )
    assert 'rel="license">CC BY-SA 4.0</a>' in page


def test_open_data_page_lists_files_columns_counts_and_licence(client, seed):
    page = client.get(reverse("dialogue:open-data")).content.decode()
    assert (
        "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)"
        in (page)
    )
    for columns in CONTRACT.values():
        assert f'<code class="columns">{columns}</code>' in page
    meetings_url = reverse("dialogue:dataset-csv", args=["meetings"])
    assert (
        f'<a href="{meetings_url}" download>meetings.csv</a></th>\n'
        '          <td><code class="columns">' in page
    )
    assert '<td class="num">17</td>' in page  # attendees in the seed
