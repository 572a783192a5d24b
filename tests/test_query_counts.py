"""Query budgets: no page's number of SQL queries grows with the data.

Every public page and every admin changelist is fetched with the seed data, then
again after ``build_large`` has added 100 times the seed's meetings, attendees and
pledges (linked to the seed's countries, people and sources, so the detail pages
grow too). The cache is cold: these tests run inside a transaction, where the page
cache is off. The count must be the same; a page that ran one query per row would
fail here.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dialogue.models import Document, Meeting, Pledge, Source
from tests.factories_large import build_large

pytestmark = pytest.mark.django_db

FACTOR = 100
#: No page shows more rows than this, however large the data.
MAX_ROWS = 300


def seed_document():
    return Document.objects.published().order_by("pk").first().slug


def seed_source():
    # The source the generated meetings and pledges cite most.
    return Source.objects.order_by("slug").first().slug


PUBLIC_PAGES = {
    "home": lambda: reverse("dialogue:home"),
    "participant-list": lambda: reverse("dialogue:participant-list"),
    # The donor of the seed's pledge, so its page has every kind of row in both.
    "participant-detail": lambda: reverse(
        "dialogue:participant-detail",
        args=[Pledge.objects.order_by("pk").first().donor.code.lower()],
    ),
    "person-detail": lambda: reverse("dialogue:person-detail", args=["koichiro-gemba"]),
    "person-list": lambda: reverse("dialogue:person-list"),
    "person-list-letter": lambda: reverse("dialogue:person-list") + "?letter=k",
    "person-list-participant-and-name": lambda: (
        reverse("dialogue:person-list") + "?country=jp&q=gemba"
    ),
    "meeting-list": lambda: reverse("dialogue:meeting-list"),
    "meeting-list-filtered": lambda: (
        reverse("dialogue:meeting-list") + "?kind=foreign_ministers"
    ),
    "meeting-list-participant": lambda: (
        reverse("dialogue:meeting-list") + "?participant=jp"
    ),
    "pledge-list-donor": lambda: reverse("dialogue:pledge-list") + "?donor=jp",
    "meeting-detail": lambda: reverse(
        "dialogue:meeting-detail", args=["2012-11-10-foreign-ministers-4"]
    ),
    "meeting-feed": lambda: reverse("dialogue:meeting-feed"),
    "pledge-list": lambda: reverse("dialogue:pledge-list"),
    "document-list": lambda: reverse("dialogue:document-list"),
    "document-detail": lambda: reverse(
        "dialogue:document-detail", args=[seed_document()]
    ),
    "source-list": lambda: reverse("dialogue:source-list"),
    "source-detail": lambda: reverse("dialogue:source-detail", args=[seed_source()]),
    "page-detail": lambda: reverse("dialogue:page-detail", args=["about"]),
    "search": lambda: reverse("dialogue:search") + "?q=Gemba",
    "search-many": lambda: reverse("dialogue:search") + "?q=meeting",
    "search-did-you-mean": lambda: reverse("dialogue:search") + "?q=genba",
    "open-data": lambda: reverse("dialogue:open-data"),
    "dataset-json": lambda: reverse("dialogue:dataset-json"),
    "dataset-csv": lambda: reverse("dialogue:dataset-csv", args=["attendees"]),
    "dataset-csv-people": lambda: reverse("dialogue:dataset-csv", args=["people"]),
    "dataset-csv-documents": lambda: reverse(
        "dialogue:dataset-csv", args=["documents"]
    ),
    "dataset-csv-points": lambda: reverse(
        "dialogue:dataset-csv", args=["document_points"]
    ),
    "dataset-csv-pages": lambda: reverse("dialogue:dataset-csv", args=["pages"]),
    "robots-txt": lambda: reverse("dialogue:robots-txt"),
    "sitemap": lambda: reverse("dialogue:sitemap"),
}

#: Pages whose purpose is to list everything (downloads, and the sitemap for
#: search engines): their queries must stay constant, their length may not.
COMPLETE_LISTINGS = {
    "dataset-json",
    "dataset-csv",
    "dataset-csv-people",
    "dataset-csv-documents",
    "dataset-csv-points",
    "dataset-csv-pages",
    "sitemap",
}


def fetch(client, url):
    """The page and its queries. A first request fills the per-process caches that
    hold across requests (the current site, content types) and is not counted."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = b"".join(response) if response.streaming else response.content
    return len(queries), body.decode(), queries


def rows(html):
    """Rows a visitor sees: list items and table rows."""
    return len(re.findall(r"<(?:li|tr)[\s>]", html))


def describe(queries):
    return "\n".join(query["sql"][:160] for query in queries.captured_queries)


@pytest.mark.parametrize("page", sorted(PUBLIC_PAGES))
def test_public_page_queries_do_not_grow_with_the_data(seed, page):
    client = Client()
    url = PUBLIC_PAGES[page]()
    small, _, small_queries = fetch(client, url)
    added = build_large(FACTOR)
    assert added["meetings"] == 600
    url = PUBLIC_PAGES[page]()
    large, _, large_queries = fetch(client, url)
    assert large == small, (
        f"{page}: {small} queries with the seed, {large} with {FACTOR}x the data\n"
        f"--- seed\n{describe(small_queries)}\n--- large\n{describe(large_queries)}"
    )


@pytest.mark.parametrize("page", sorted(set(PUBLIC_PAGES) - COMPLETE_LISTINGS))
def test_public_page_rows_are_bounded(seed, page):
    build_large(FACTOR)
    _, html, _ = fetch(Client(), PUBLIC_PAGES[page]())
    assert rows(html) <= MAX_ROWS, f"{page} shows {rows(html)} rows"


def changelists():
    return sorted(
        f"{model._meta.app_label}.{model._meta.model_name}"
        for model in admin.site._registry
    )


@pytest.mark.parametrize("label", changelists())
def test_admin_changelist_queries_do_not_grow_with_the_data(seed, label):
    user = User.objects.create_superuser("chief", "chief@example.org", "pw")
    client = Client()
    client.force_login(user)
    app_label, model_name = label.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    small, _, small_queries = fetch(client, url)
    build_large(FACTOR)
    large, html, large_queries = fetch(client, url)
    assert large == small, (
        f"{label}: {small} queries with the seed, {large} with {FACTOR}x the data\n"
        f"--- seed\n{describe(small_queries)}\n--- large\n{describe(large_queries)}"
    )
    assert rows(html) <= MAX_ROWS, f"{label} shows {rows(html)} rows"


def test_the_large_dataset_is_really_large(seed):
    before = Meeting.objects.count()
    added = build_large(FACTOR)
    assert Meeting.objects.count() == before * (FACTOR + 1)
    assert added == {"meetings": 600, "attendees": 1700, "pledges": 100}
