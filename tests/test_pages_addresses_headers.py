"""What a visitor's request gets, whatever it asks: methods, odd characters in
addresses, old addresses of drafts, where a login lands, static files' headers.
Each test here failed before the change it covers (issue 16)."""

from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

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
    assert head.content == b""


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
