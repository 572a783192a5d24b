"""What a visitor's request gets, whatever it asks: methods, odd characters in
addresses, old addresses of drafts, where a login lands, static files' headers.
Each test here failed before the change it covers (issue 16)."""

import csv
import importlib
import io
import json
import re
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.templatetags.static import static
from django.urls import reverse

from dialogue.models import Document
from tests.factories import make_country, make_document, make_meeting, make_person
from tests.text import page_text

pytestmark = pytest.mark.django_db

#: The pages read by function views (the class-based ones answer HEAD already).
READ_ONLY = [
    ("dialogue:dataset-csv", ["meetings"]),
    ("dialogue:dataset-json", []),
    ("dialogue:robots-txt", []),
    ("dialogue:sitemap", []),
    ("dialogue:meeting-feed", []),
]


@pytest.mark.parametrize(("name", "args"), READ_ONLY)
def test_head_gets_the_headers_of_get_without_a_body(client, seed, name, args):
    url = reverse(name, args=args)
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head["Content-Type"] == got["Content-Type"]
    assert head.get("Content-Disposition") == got.get("Content-Disposition")
    assert head.getvalue() == b""


@pytest.mark.parametrize(("name", "args"), READ_ONLY)
def test_a_page_that_is_only_read_refuses_to_be_posted_to(client, db, name, args):
    response = client.post(reverse(name, args=args))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "next_url",
    ["https://elsewhere.example/", "//elsewhere.example/admin/", "javascript:x"],
)
def test_a_refused_next_after_login_lands_on_the_admin_index(client, next_url):
    User.objects.create_user("alice", "alice@example.org", "right", is_staff=True)
    login = reverse("admin:login")
    response = client.post(
        f"{login}?next={quote(next_url)}",
        {"username": "alice", "password": "right", "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    page = page_text(client.get(response["Location"]))
    assert "Central Asia plus Japan Dialogue — editors" in page


def test_a_safe_next_after_login_is_still_followed(client):
    User.objects.create_user("alice", "alice@example.org", "right", is_staff=True)
    wanted = reverse("admin:dialogue_meeting_changelist")
    response = client.post(
        reverse("admin:login"),
        {"username": "alice", "password": "right", "next": wanted},
    )
    assert response["Location"] == wanted


# --------------------------------------------------------------------------------
# A NUL character in the address: PostgreSQL's text cannot hold it
# --------------------------------------------------------------------------------

NUL_REFUSED = "The address holds a NUL character (%00), which no address on this site"


@pytest.mark.parametrize(
    "url",
    [
        "/people/%00/",
        "/participants/%00/",
        "/participants/k%00z/",
        "/pledges/?donor=%00",
        "/meetings/?participant=kz%00",
        "/search/?q=tokyo%00",
        "/meetings/?junk%00=1",
    ],
)
def test_a_nul_in_the_address_is_refused_with_a_clear_message(client, seed, url):
    response = client.get(url)
    assert response.status_code == 400
    page = page_text(response)
    assert NUL_REFUSED in page
    assert "\x00" not in page
    assert "Traceback" not in page
    # In the site's own layout, with its way back.
    assert "<h1>Bad request</h1>" in page
    assert '<a href="/">Go to the home page</a>' in page


def test_the_search_page_never_writes_a_nul_into_its_form(client, seed):
    response = client.get(reverse("dialogue:search"), {"q": "gemba\x00"})
    assert response.status_code == 400
    assert b"\x00" not in response.content


def test_a_nul_in_an_admin_filter_is_refused_for_staff_too(admin_client):
    url = reverse("admin:dialogue_document_changelist")
    response = admin_client.get(f"{url}?kind__exact=%00")
    assert response.status_code == 400
    assert NUL_REFUSED in page_text(response)


@pytest.mark.parametrize(
    "cookie",
    [
        'sessionid="abcdefgh\\000ijklmnop"',
        'csrftoken="\\000"; sessionid=x\x00yzabcdefg',
    ],
)
def test_a_cookie_with_a_nul_is_ignored(client, seed, cookie):
    """Django reads ``\\000`` in a quoted cookie as NUL, and the session's key is
    looked up in the database: on PostgreSQL that was a 500 on every page."""
    response = client.get(reverse("dialogue:home"), HTTP_COOKIE=cookie)
    assert response.status_code == 200
    assert "Japan opened the Dialogue on 28 August 2004" in page_text(response)
    login = client.get(reverse("admin:login"), HTTP_COOKIE=cookie)
    assert login.status_code == 200
    assert "Log in" in page_text(login)


def test_the_400_page_carries_the_security_headers(client, db):
    response = client.get("/people/%00/")
    assert response.status_code == 400
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_year_past_any_date_in_the_admin_goes_back_to_the_list(admin_client):
    """As the admin treats any filter it cannot apply (``?e=1``)."""
    url = reverse("admin:dialogue_meeting_changelist")
    response = admin_client.get(f"{url}?start_date__year=99999999999")
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"
    page = page_text(admin_client.get(response["Location"]))
    assert "<title>Select meeting to change | CA+J editors</title>" in page


# --------------------------------------------------------------------------------
# Old addresses: followed only to a page the requester may see
# --------------------------------------------------------------------------------


def renamed(record, field, new):
    """``record`` with ``field`` changed (its old address now redirects): the
    old and the new address."""
    old = record.get_absolute_url()
    setattr(record, field, new)
    record.save()
    return old, record.get_absolute_url()


@pytest.mark.parametrize(
    ("make", "field", "new"),
    [
        (lambda: make_meeting(slug="old-meeting", published=False), "slug", "new"),
        (lambda: make_person(slug="old-person", published=False), "slug", "new"),
        (lambda: make_document(slug="old-document", published=False), "slug", "new"),
        (lambda: make_country("KZ", published=False), "code", "UZ"),
    ],
)
def test_a_renamed_drafts_old_address_does_not_tell_its_new_one(
    client, make, field, new
):
    old, new_url = renamed(make(), field, new)
    response = client.get(old)
    assert response.status_code == 404
    assert "Location" not in response
    page = page_text(response)
    assert "<h1>Page not found</h1>" in page
    assert new_url not in page


def test_staff_who_preview_drafts_still_follow_the_old_address(editor_client):
    old, new_url = renamed(make_meeting(slug="old", published=False), "slug", "new")
    response = editor_client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new_url
    assert "Draft" in page_text(editor_client.get(new_url))


def test_a_published_records_old_address_stops_leading_to_it_once_a_draft(client):
    meeting = make_meeting(slug="old")
    old, new_url = renamed(meeting, "slug", "new")
    assert client.get(old)["Location"] == new_url
    meeting.published = False
    meeting.save()
    assert client.get(old).status_code == 404


# --------------------------------------------------------------------------------
# A draft author's position: hidden wherever the document's page hides it
# --------------------------------------------------------------------------------

POSITION = "Special Envoy for Silk Road Diplomacy"


@pytest.fixture
def document_by_a_draft_author(db):
    author = make_person(name="Hidden Author", published=False)
    return make_document(
        slug="statement", title="Joint statement", author=author, author_role=POSITION
    )


def csv_rows(response):
    text = response.getvalue().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_document_page_shows_no_draft_authors_position(
    client, document_by_a_draft_author
):
    page = page_text(client.get(document_by_a_draft_author.get_absolute_url()))
    assert "<h1>Joint statement</h1>" in page
    assert POSITION not in page


def test_documents_csv_leaves_out_a_draft_authors_position(
    client, document_by_a_draft_author
):
    response = client.get(reverse("dialogue:dataset-csv", args=["documents"]))
    [row] = csv_rows(response)
    assert (row["slug"], row["author"], row["author_role"]) == ("statement", "", "")
    assert POSITION not in response.getvalue().decode("utf-8-sig")


def test_dataset_json_leaves_out_a_draft_authors_position(
    client, document_by_a_draft_author
):
    response = client.get(reverse("dialogue:dataset-json"))
    [document] = json.loads(response.getvalue())["documents"]
    assert document["slug"] == "statement"
    assert document["author"] is None
    assert document["author_role"] is None
    assert POSITION not in response.getvalue().decode()


def test_search_does_not_find_a_document_by_a_draft_authors_position(
    client, document_by_a_draft_author
):
    page = page_text(client.get(reverse("dialogue:search"), {"q": "silk road"}))
    assert "No results for “silk road”." in page
    assert "Joint statement" not in page.split("<main")[1]


def test_a_public_authors_position_is_shown_csv_json_and_search(
    client, document_by_a_draft_author
):
    author = document_by_a_draft_author.author
    author.published = True
    author.save()
    page = page_text(client.get(document_by_a_draft_author.get_absolute_url()))
    assert f">Hidden Author</a>, {POSITION}</dd>" in page
    response = client.get(reverse("dialogue:dataset-csv", args=["documents"]))
    [row] = csv_rows(response)
    assert (row["author"], row["author_role"]) == ("Hidden Author", POSITION)
    response = client.get(reverse("dialogue:dataset-json"))
    [document] = json.loads(response.getvalue())["documents"]
    assert document["author_role"] == POSITION
    page = page_text(client.get(reverse("dialogue:search"), {"q": "silk road"}))
    url = document_by_a_draft_author.get_absolute_url()
    assert f'<a href="{url}">Joint statement</a>' in page


def test_the_migration_takes_the_position_out_of_documents_search_text(
    client, document_by_a_draft_author
):
    folded = "joint statement\nspecial envoy for silk road diplomacy"
    Document.objects.update(search_text=folded, search_role="")  # as 0011 left it
    migration = importlib.import_module(
        "dialogue.migrations.0013_refold_document_search_text"
    )
    migration.refold_documents(apps, None)
    document = Document.objects.get()
    assert (document.search_text, document.search_role) == (
        "joint statement",
        "special envoy for silk road diplomacy",
    )
    page = page_text(client.get(reverse("dialogue:search"), {"q": "silk road"}))
    assert "No results for “silk road”." in page


# --------------------------------------------------------------------------------
# Static files: the pages' policy and framing rule
# --------------------------------------------------------------------------------


def test_static_files_carry_the_pages_policy_and_framing_rule(client, db, settings):
    settings.WHITENOISE_USE_FINDERS = True  # static/, as `make run` serves it
    page = client.get(reverse("dialogue:home"))
    response = client.get(static("css/site.css"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    policy = response["Content-Security-Policy"]
    # The same policy, but for a page's own nonce (its inline JSON-LD).
    assert policy == re.sub(r" 'nonce-[^']+'", "", page["Content-Security-Policy"])
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == page["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


# --------------------------------------------------------------------------------
# Found by tests/test_fuzz_addresses.py
# --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["meeting-list", "document-list", "source-list"])
def test_a_page_number_that_is_a_digit_but_no_number_is_not_found(client, seed, name):
    """A "¹" is a digit to str.isdigit() and no number to int(): the canonical
    address read it as one, and the 404 page was a 500."""
    response = client.get(reverse(f"dialogue:{name}"), {"page": "¹"})
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page_text(response)
