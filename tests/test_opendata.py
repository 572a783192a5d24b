"""The published dataset for anyone: CSV in the staff contract, JSON, a licence."""

import csv
import datetime
import io
import json
import re
import time
import tracemalloc

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialogue.csv.dataset import DATASET
from dialogue.csv.files import write_csv
from dialogue.csv.resources import (
    DocumentPointResource,
    DocumentResource,
    PageResource,
    PersonResource,
)
from dialogue.models import (
    Attendance,
    Country,
    Document,
    DocumentPoint,
    Meeting,
    Page,
    Person,
    Pledge,
    Source,
)
from tests.factories import (
    make_attendance,
    make_country,
    make_document,
    make_meeting,
    make_page,
    make_person,
    make_pledge,
    make_point,
    make_source,
)
from tests.test_cache import shared_cache  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

#: In the order the files are imported.
CONTRACT = {
    "sources": "slug,title,publisher,url,published_on",
    "countries": "code,name,role,joined_on,summary",
    "meetings": "slug,kind,number,title,status,start_date,end_date,city,host,format,"
    "summary,sources",
    "people": "slug,name,other_names",
    "attendees": "meeting,person,position,country,capacity",
    "pledges": "slug,donor,amount,currency,approximate,announced_on,meeting,purpose,"
    "sources",
    "documents": "slug,title,kind,date,meeting,author,author_role,summary,sources",
    "document_points": "document,number,heading,text,is_quotation",
    "pages": "slug,title,summary,body,menu_order,sources",
}
#: Every file the staff export, the five of the dataset and the admin's four.
STAFF_RESOURCES = (
    *DATASET,
    PersonResource,
    DocumentResource,
    DocumentPointResource,
    PageResource,
)


def download(client, kind):
    response = client.get(reverse("dialogue:dataset-csv", args=[kind]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{kind}.csv"'
    return response.getvalue().decode("utf-8")


def rows(text):
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize("kind", CONTRACT)
def test_each_file_has_the_contract_columns_in_order(client, seed, kind):
    text = download(client, kind)
    assert text.startswith("\ufeff" + CONTRACT[kind] + "\r\n")


def test_published_data_matches_the_staff_export_exactly(client, seed):
    # With everything published, the public files are the staff export.
    assert len(STAFF_RESOURCES) == len(CONTRACT) == 9
    for resource in STAFF_RESOURCES:
        kind = resource.file_name.removesuffix(".csv")
        assert kind in CONTRACT
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
    make_pledge(japan, slug="at-a-draft-meeting", meeting=draft)
    pledge = make_pledge(japan, slug="shown-pledge", meeting=meeting)
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
    assert (row["slug"], row["meeting"], row["sources"]) == (
        "shown-pledge",
        "shown",
        "",
    )
    # Nothing was changed in the database by leaving references out.
    assert Meeting.objects.get(slug="shown").host == hidden
    assert Pledge.objects.get(slug="at-a-draft-meeting").meeting == draft


def test_draft_people_documents_points_and_pages_are_left_out(client, db):
    public_source = make_source(slug="public-source")
    draft_source = make_source(slug="draft-source", published=False)
    make_person(name="Shown Person", slug="shown", other_names="Гемба\n玄葉")
    draft_person = make_person(name="Draft Person", slug="draft", published=False)
    draft_meeting = make_meeting(slug="draft-meeting", published=False)
    document = make_document(
        slug="shown-document",
        meeting=draft_meeting,
        author=draft_person,
        author_role="Minister",
    )
    document.sources.set([public_source, draft_source])
    make_point(document, 1, "Shown point.")
    make_point(document, 2, "Draft point.", published=False)
    draft_document = make_document(slug="draft-document", published=False)
    make_point(draft_document, 1, "A published point of a draft document.")
    page = make_page(slug="shown-page")
    page.sources.set([draft_source, public_source])
    make_page(slug="draft-page", published=False)

    people = rows(download(client, "people"))
    assert [(r["slug"], r["other_names"]) for r in people] == [("shown", "Гемба\n玄葉")]
    [row] = rows(download(client, "documents"))
    assert (row["slug"], row["meeting"], row["author"], row["sources"]) == (
        "shown-document",
        "",
        "",
        "public-source",
    )
    assert row["author_role"] == ""  # the draft author's position, as the page
    assert [
        (r["document"], r["number"], r["text"])
        for r in rows(download(client, "document_points"))
    ] == [("shown-document", "1", "Shown point.")]
    [row] = rows(download(client, "pages"))
    assert (row["slug"], row["sources"]) == ("shown-page", "public-source")
    # The JSON holds the same rows, and nothing was changed in the database.
    data = json.loads(client.get(reverse("dialogue:dataset-json")).getvalue())
    assert data["people"] == [
        {"slug": "shown", "name": "Shown Person", "other_names": ["Гемба", "玄葉"]}
    ]
    assert [d["slug"] for d in data["documents"]] == ["shown-document"]
    assert data["document_points"] == [
        {
            "document": "shown-document",
            "number": 1,
            "heading": None,
            "text": "Shown point.",
            "is_quotation": False,
        }
    ]
    assert [(p["slug"], p["menu_order"]) for p in data["pages"]] == [("shown-page", 0)]
    document = Document.objects.get(slug="shown-document")
    assert (document.author, document.author_role) == (draft_person, "Minister")
    assert DocumentPoint.objects.count() == 3
    assert Page.objects.count() == 2


def test_attendees_of_draft_people_are_left_out_as_on_the_site(client, db):
    japan = make_country("JP")
    meeting = make_meeting(slug="shown")
    make_attendance(meeting, japan, make_person(name="Draft", published=False))
    make_attendance(meeting, japan, None, position="Ambassador")
    assert [
        (r["person"], r["position"]) for r in rows(download(client, "attendees"))
    ] == [("", "Ambassador")]
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Ambassador" in page
    assert "Draft" not in page


def test_spreadsheet_formulas_are_neutralised(client, db):
    make_meeting(slug="formula", title='=HYPERLINK("http://x")')
    [row] = rows(download(client, "meetings"))
    assert not row["title"].startswith("=")
    assert "HYPERLINK" in row["title"]


def test_unknown_kind_is_404(client, db):
    for kind in ("users", "people.csv", "Meetings"):
        response = client.get(reverse("dialogue:dataset-csv", args=[kind]))
        assert response.status_code == 404, kind


def test_json_has_every_kind_with_types_and_the_licence(client, seed):
    response = client.get(reverse("dialogue:dataset-json"))
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.getvalue())
    assert data["licence"]["short_name"] == "CC BY-SA 4.0"
    assert data["licence"]["url"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert len(data["countries"]) == Country.objects.count()
    assert len(data["sources"]) == Source.objects.count()
    assert len(data["meetings"]) == Meeting.objects.count()
    assert len(data["attendees"]) == Attendance.objects.count()
    assert len(data["people"]) == Person.objects.count() == 7
    assert len(data["documents"]) == Document.objects.count() == 3
    assert len(data["document_points"]) == DocumentPoint.objects.count() == 14
    assert len(data["pages"]) == Page.objects.count() == 2
    assert list(data["columns"]) == list(CONTRACT)
    for kind, columns in CONTRACT.items():
        assert data["columns"][kind] == columns.split(","), kind
        assert all(list(row) == columns.split(",") for row in data[kind]), kind
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
    text = client.get(reverse("dialogue:dataset-json")).getvalue().decode()
    assert '"person": "玄葉光一郎"' in text
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("url_name", "kinds"),
    [
        ("dialogue:participant-list", ["countries"]),
        ("dialogue:meeting-list", ["meetings"]),
        ("dialogue:pledge-list", ["pledges"]),
        ("dialogue:source-list", ["sources"]),
        ("dialogue:document-list", ["documents", "document_points"]),
    ],
)
def test_every_list_page_links_to_the_data_and_licence(client, db, url_name, kinds):
    page = client.get(reverse(url_name)).content.decode()
    for kind in kinds:
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
    for kind in CONTRACT:
        url = reverse("dialogue:dataset-csv", args=[kind])
        assert f'<a href="{url}" download>{kind}.csv</a></th>' in page
    points_url = reverse("dialogue:dataset-csv", args=["document_points"])
    assert (
        f'<a href="{points_url}" download>document_points.csv</a></th>\n'
        '          <td><code class="columns">' in page
    )
    assert '<td class="num">17</td>' in page  # attendees in the seed
    assert '<td class="num">14</td>' in page  # document points in the seed


def test_open_data_page_counts_the_rows_each_file_holds(client, db):
    """Each count on the page is the number of rows of its file: drafts, rows of
    drafts and rows with a draft person are not counted, and a kind with no public
    row reads 0."""
    japan, hidden = make_country("JP"), make_country("UZ", published=False)
    meeting = make_meeting(slug="shown")
    draft = make_meeting(slug="draft-meeting", published=False)
    make_attendance(meeting, japan, make_person(name="Shown"))
    make_attendance(meeting, japan, make_person(name="Draft", published=False))
    make_attendance(meeting, japan, None, position="Ambassador")
    make_attendance(draft, japan, make_person(name="At a draft"))
    make_attendance(meeting, hidden, make_person(name="Of a draft country"))
    make_pledge(japan, slug="shown-pledge")
    make_pledge(hidden, slug="hidden-donor")
    make_page(slug="draft-page", published=False)

    page = client.get(reverse("dialogue:open-data")).content.decode()
    shown = dict(
        re.findall(
            r'download>(\w+)\.csv</a></th>.*?<td class="num">(\d+)</td>', page, re.S
        )
    )
    assert shown == {kind: str(len(rows(download(client, kind)))) for kind in CONTRACT}
    assert shown["attendees"] == "2"
    assert shown["people"] == "3"
    assert shown["pledges"] == "1"
    assert shown["pages"] == shown["document_points"] == "0"


# Downloads at any size: streamed, kept once per version, conditional ---------

PEOPLE_CSV = reverse("dialogue:dataset-csv", args=["people"])
DATASET_JSON = reverse("dialogue:dataset-json")


def person_queries(queries):
    """The SQL statements that read people's names, as building the file does."""
    read = '"dialogue_person"."name"'
    return [query["sql"] for query in queries.captured_queries if read in query["sql"]]


@pytest.fixture
def kept(settings, shared_cache, tmp_path):  # noqa: F811 (the fixture imported)
    """The folder of kept downloads, with a cache shared between processes (the
    content version can be trusted, as in production)."""
    settings.OPEN_DATA_DIR = tmp_path / "opendata"
    return settings.OPEN_DATA_DIR


def kept_files(folder):
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("url", [PEOPLE_CSV, DATASET_JSON])
def test_downloads_are_streamed_piece_by_piece(client, seed, url):
    response = client.get(url)
    assert isinstance(response, StreamingHttpResponse)
    first = next(iter(response.streaming_content))
    assert first.startswith((b"\xef\xbb\xbfslug,name,other_names\r\n", b'{"title": '))
    # Without a cache shared between processes there is no version to trust.
    assert "ETag" not in response


def test_the_json_is_the_text_of_one_json_dumps(client, seed):
    body = client.get(DATASET_JSON).getvalue()
    assert body == json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert json.loads(body)["source"] == "http://testserver/"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("url", "name"), [(PEOPLE_CSV, "people"), (DATASET_JSON, "capj-dataset")]
)
def test_a_download_is_kept_once_and_then_served_from_the_file(client, kept, url, name):
    make_person(name="Koichiro Gemba")
    first = client.get(url)
    assert not isinstance(first, FileResponse)
    body = first.getvalue()
    assert "Koichiro Gemba" in body.decode()
    [kept_file] = kept_files(kept)
    assert kept_file.startswith(f"{name}.") and not kept_file.startswith(".")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
        assert isinstance(again, FileResponse)
        assert again.getvalue() == body
    assert person_queries(queries) == []
    assert again["ETag"] == first["ETag"]
    assert again["Content-Length"] == str(len(body))
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Content-Disposition"] == first["Content-Disposition"]
    assert again["Cache-Control"] == "no-cache"


@pytest.mark.django_db(transaction=True)
def test_head_gives_the_headers_and_no_body_and_builds_nothing(client, kept):
    make_person(name="Koichiro Gemba")
    with CaptureQueriesContext(connection) as queries:
        head = client.head(PEOPLE_CSV)
        assert head.status_code == 200
        assert head.getvalue() == b""
    assert person_queries(queries) == []
    assert kept_files(kept) == []
    got = client.get(PEOPLE_CSV)
    body = got.getvalue()
    for header in ("Content-Type", "Content-Disposition", "ETag", "Cache-Control"):
        assert head[header] == got[header], header
    # Once the file is kept, HEAD also says how long it is.
    head = client.head(PEOPLE_CSV)
    assert head.getvalue() == b""
    assert head["Content-Length"] == str(len(body))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", [PEOPLE_CSV, DATASET_JSON])
def test_a_copy_the_client_has_gets_304_without_building_anything(client, kept, url):
    make_person(name="Koichiro Gemba")
    etag = client.get(url)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.getvalue() == b""
    assert again["ETag"] == etag
    # Not one query: the version and the next scheduled change are in the cache.
    assert queries.captured_queries == []
    other = client.get(url, HTTP_IF_NONE_MATCH='"another"')
    assert other.status_code == 200
    assert "Koichiro Gemba" in other.getvalue().decode()


@pytest.mark.django_db(transaction=True)
def test_after_an_edit_the_next_download_shows_it(client, kept):
    person = make_person(name="Koichiro Gemba", slug="koichiro-gemba")
    first = client.get(PEOPLE_CSV)
    assert rows(first.getvalue().decode()) == [
        {"slug": "koichiro-gemba", "name": "Koichiro Gemba", "other_names": ""}
    ]
    assert client.get(PEOPLE_CSV, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    person.name = "Gemba Koichiro"
    person.save()
    edited = client.get(PEOPLE_CSV, HTTP_IF_NONE_MATCH=first["ETag"])
    assert edited.status_code == 200
    assert edited["ETag"] != first["ETag"]
    assert rows(edited.getvalue().decode())[0]["name"] == "Gemba Koichiro"
    # The earlier version's file is gone; the new one is served from then on.
    [kept_file] = kept_files(kept)
    again = client.get(PEOPLE_CSV)
    assert isinstance(again, FileResponse)
    assert rows(again.getvalue().decode())[0]["name"] == "Gemba Koichiro"
    data = json.loads(client.get(DATASET_JSON).getvalue())
    assert data["people"][0]["name"] == "Gemba Koichiro"


@pytest.mark.django_db(transaction=True)
def test_a_draft_never_appears_nor_a_record_before_its_publish_time(client, kept):
    make_person(name="Shown Person", slug="shown")
    make_person(name="Draft Person", slug="draft", published=False)
    later = make_person(
        name="Scheduled Person",
        slug="scheduled",
        publish_at=timezone.now() + datetime.timedelta(seconds=2),
    )

    def slugs():
        response = client.get(PEOPLE_CSV)
        return [row["slug"] for row in rows(response.getvalue().decode())], response

    shown, first = slugs()
    assert shown == ["shown"]
    assert slugs()[0] == ["shown"]  # from the kept file
    time.sleep(2.5)
    # No write: the clock alone makes the scheduled person public.
    shown, response = slugs()
    assert shown == ["shown", "scheduled"]
    assert response["ETag"] != first["ETag"]
    later.published = False
    later.save()
    assert slugs()[0] == ["shown"]
    json_people = json.loads(client.get(DATASET_JSON).getvalue())["people"]
    assert [person["slug"] for person in json_people] == ["shown"]


@pytest.mark.django_db(transaction=True)
def test_a_download_cut_off_is_not_kept(client, kept):
    make_person(name="Koichiro Gemba")
    response = client.get(PEOPLE_CSV)
    next(iter(response.streaming_content))
    response.close()  # the client went away
    assert kept_files(kept) == []
    assert not isinstance(client.get(PEOPLE_CSV), FileResponse)


@pytest.mark.django_db(transaction=True)
def test_a_folder_that_cannot_be_written_does_not_stop_the_download(
    client, kept, settings
):
    settings.OPEN_DATA_DIR = kept.parent / "a-file"
    settings.OPEN_DATA_DIR.write_text("not a folder")
    make_person(name="Koichiro Gemba")
    for _ in range(2):
        response = client.get(PEOPLE_CSV)
        assert response.status_code == 200
        assert "Koichiro Gemba" in response.getvalue().decode()


@pytest.mark.django_db(transaction=True)
def test_downloads_are_served_while_the_cache_is_down(client, settings, tmp_path):
    settings.OPEN_DATA_DIR = kept = tmp_path / "opendata"
    settings.CACHES = {
        "default": {
            "BACKEND": "capj.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    make_person(name="Koichiro Gemba")
    for url in (PEOPLE_CSV, DATASET_JSON):
        response = client.get(url)
        assert response.status_code == 200
        assert "Koichiro Gemba" in response.getvalue().decode()
        assert "ETag" not in response
    assert kept_files(kept) == []


#: People, each with other names of this many characters: 4,000 rows hold 4 MB.
MANY_PEOPLE = 4000
NAMES_LENGTH = 1000
#: The most a download of them may take while streaming; building the file in
#: memory holds every row, then the whole text, then its bytes (20 MB and more).
STREAMING_PEAK = 3 * 1024 * 1024


@pytest.mark.parametrize("url", [PEOPLE_CSV, DATASET_JSON])
def test_a_large_download_takes_little_memory(client, db, url):
    Person.objects.bulk_create(
        Person(
            name=f"Person {number}",
            slug=f"person-{number}",
            other_names=f"{number} " + "x" * NAMES_LENGTH,
            published=True,
        )
        for number in range(MANY_PEOPLE)
    )
    client.get(url).getvalue()  # the per-process caches (content types, the site)
    size = 0
    tracemalloc.start()
    try:
        response = client.get(url)
        for piece in response:
            size += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > MANY_PEOPLE * NAMES_LENGTH
    assert peak < STREAMING_PEAK, f"{peak / 2**20:.1f} MB for {size / 2**20:.1f} MB"
