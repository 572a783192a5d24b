"""What search engines and link previews read: titles, descriptions, canonical
URLs, OpenGraph, JSON-LD, sitemap.xml, robots.txt; and stable URLs."""

import contextlib
import datetime
import json
import re
import xml.etree.ElementTree as ET
from unittest import mock

import pytest
from django.contrib.redirects.models import Redirect
from django.template.backends import jinja2 as jinja2_backend
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from dialogue.models import Country, Document, Meeting, Page, Person, Source
from dialogue.sitemaps import RecordPages
from tests.browser.pages import PUBLIC_PAGES, prepare
from tests.factories import make_meeting, make_person
from tests.text import page_text

pytestmark = pytest.mark.django_db
FOURTH = "2012-11-10-foreign-ministers-4"


def head_tags(html):
    head = html.split("</head>")[0]
    metas = dict(
        re.findall(r'<meta (?:name|property)="([^"]+)" content="([^"]*)"', head)
    )
    title = re.search(r"<title>(.*?)</title>", head, re.S).group(1)
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', head)
    return title, metas, canonical.group(1) if canonical else None


def json_ld(html):
    blocks = re.findall(
        r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html
    )
    return [json.loads(block) for block in blocks]


def robots(html):
    head = html.split("</head>")[0]
    found = re.findall(r'<meta name="robots" content="([^"]*)">', head)
    return found[0] if found else None


@contextlib.contextmanager
def rendered_templates():
    """The names of the templates Jinja2 renders meanwhile (the test client's
    ``response.templates`` lists only those of Django's own template language)."""
    names = []
    render = jinja2_backend.Template.render

    def recording_render(self, context=None, request=None):
        names.append(self.template.name)
        return render(self, context, request)

    with mock.patch.object(jinja2_backend.Template, "render", recording_render):
        yield names


def with_tracking(path):
    """The path with a query parameter the canonical URL must leave out."""
    return path + ("&" if "?" in path else "?") + "utm_source=x"


@pytest.mark.parametrize(
    "public_page", PUBLIC_PAGES, ids=lambda public_page: public_page.name
)
def test_every_page_has_title_description_canonical_and_opengraph(seed, public_page):
    prepare(upto=public_page.name)
    client = Client(raise_request_exception=False)
    with public_page.during(), rendered_templates() as templates:
        response = client.get(with_tracking(public_page.path()))
    assert response.status_code == public_page.status
    assert templates == [public_page.template]
    html = response.content.decode()
    title, metas, canonical = head_tags(html)
    assert title.endswith("Central Asia plus Japan Dialogue")
    assert len(metas["description"]) > 40
    assert metas["og:title"] == title
    assert metas["og:description"] == metas["description"]
    assert metas["og:site_name"] == "Central Asia plus Japan Dialogue"
    assert metas["og:type"] in ("website", "article", "profile")
    if public_page.indexable:
        path, _, query = public_page.path().partition("?")
        # No query string, but for a later page of a long list: a page of its own.
        page = re.search(r"(?:^|&)page=(\d+)", query)
        if page and page[1] != "1":
            path += f"?page={page[1]}"
        assert canonical == f"http://testserver{path}"
        assert metas["og:url"] == canonical
    else:
        # An error page is nobody's canonical address.
        assert canonical is None
        assert "og:url" not in metas
    searched = public_page.url_name == "dialogue:search" and public_page.query
    noindex = searched or not public_page.indexable
    assert robots(html) == ("noindex" if noindex else None)


def test_the_search_page_is_canonical_without_its_query(client, seed):
    html = client.get(reverse("dialogue:search"), {"q": "Gemba"}).content.decode()
    _, _, canonical = head_tags(html)
    assert canonical == "http://testserver" + reverse("dialogue:search")
    assert robots(html) == "noindex"
    html = client.get(reverse("dialogue:search")).content.decode()
    assert head_tags(html)[2] == canonical
    assert robots(html) is None


def test_the_server_error_page_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    title, metas, canonical = head_tags(html)
    assert title == "Server error · Central Asia plus Japan Dialogue"
    assert metas["description"].startswith("The page could not be shown")
    assert robots(html) == "noindex"


def test_meeting_page_describes_itself(client, seed):
    html = client.get(reverse("dialogue:meeting-detail", args=[FOURTH])).content
    title, metas, _ = head_tags(page_text(html.decode()))
    assert title == (
        "4th Foreign Ministers' Meeting in Tokyo · Central Asia plus Japan Dialogue"
    )
    assert metas["description"].startswith(
        "4th Foreign Ministers' Meeting, 10 November 2012, Tokyo, Japan."
    )
    assert metas["og:type"] == "article"


def test_meeting_has_event_json_ld(client, seed):
    url = reverse("dialogue:meeting-detail", args=[FOURTH])
    [event] = json_ld(client.get(url).content.decode())
    assert event["@type"] == "Event"
    assert event["name"] == "4th Foreign Ministers' Meeting in Tokyo"
    assert event["startDate"] == "2012-11-10"
    assert event["url"] == f"http://testserver{url}"
    assert event["location"]["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Tokyo",
        "addressCountry": "JP",
    }
    assert event["eventStatus"] == "https://schema.org/EventScheduled"


def test_event_json_ld_is_honest_about_partial_dates_and_cancellation(client, db):
    meeting = make_meeting(
        start_date=datetime.date(2006, 6, 1),
        start_precision="month",
        status="cancelled",
    )
    [event] = json_ld(client.get(meeting.get_absolute_url()).content.decode())
    assert event["startDate"] == "2006-06"
    assert event["eventStatus"] == "https://schema.org/EventCancelled"
    undated = make_meeting(start_date=None, start_precision="unknown", kind="summit")
    [event] = json_ld(client.get(undated.get_absolute_url()).content.decode())
    assert "startDate" not in event


def test_json_ld_cannot_break_out_of_its_script(client, db):
    meeting = make_meeting(title="</script><script>alert(1)</script>")
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html
    [event] = json_ld(html)
    assert event["name"] == "</script><script>alert(1)</script>"


def test_home_has_organization_json_ld(client, seed):
    [org] = json_ld(client.get(reverse("dialogue:home")).content.decode())
    assert org["@type"] == "Organization"
    assert org["name"] == "Central Asia plus Japan Dialogue"
    assert org["foundingDate"] == "2004"
    assert {m["name"] for m in org["member"]} == {
        "Japan",
        "Kazakhstan",
        "Kyrgyzstan",
        "Tajikistan",
        "Uzbekistan",
    }
    assert org["description"] == (
        "A dialogue framework opened by Japan in 2004 with Kazakhstan, Kyrgyzstan, "
        "Tajikistan and Uzbekistan. Turkmenistan takes part as an observer."
    )


def test_organization_json_ld_follows_the_data(client, seed):
    # Turkmenistan joins as a member; a draft country is named nowhere.
    Country.objects.filter(code="TM").update(role=Country.Role.MEMBER)
    Country.objects.filter(code="UZ").update(published=False)
    [org] = json_ld(client.get(reverse("dialogue:home")).content.decode())
    assert org["description"] == (
        "A dialogue framework opened by Japan in 2004 with Kazakhstan, Kyrgyzstan, "
        "Tajikistan and Turkmenistan."
    )
    assert "Uzbekistan" not in json.dumps(org)
    assert "Turkmenistan" in {m["name"] for m in org["member"]}
    # With no meeting on the site, no founding year is claimed.
    Meeting.objects.update(published=False)
    [org] = json_ld(client.get(reverse("dialogue:home")).content.decode())
    assert "foundingDate" not in org
    assert org["description"].startswith(
        "A dialogue framework opened by Japan with Kazakhstan,"
    )


def test_sitemap_lists_public_pages_only(client, seed):
    Meeting.objects.filter(slug=FOURTH).update(published=False)
    response = client.get(reverse("dialogue:sitemap"))
    assert response["Content-Type"] == "application/xml"
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = [el.text for el in ET.fromstring(response.content).iter(f"{ns}loc")]
    base = "http://testserver"
    assert base + reverse("dialogue:home") in locs
    assert (
        base
        + reverse("dialogue:meeting-detail", args=["2004-08-28-foreign-ministers-1"])
        in locs
    )
    assert base + reverse("dialogue:person-detail", args=["koichiro-gemba"]) in locs
    assert base + reverse("dialogue:participant-detail", args=["af"]) in locs
    assert base + reverse("dialogue:meeting-detail", args=[FOURTH]) not in locs
    assert base + reverse("dialogue:person-list") in locs
    assert len(locs) == len(set(locs)) == 8 + 5 + 7 + 7 + 3 + 9 + 2


def test_robots_txt_points_to_the_sitemap(client, db):
    response = client.get(reverse("dialogue:robots-txt"))
    assert response["Content-Type"] == "text/plain"
    text = response.content.decode()
    assert f"Disallow: {reverse('admin:index')}\n" in text
    assert f"Sitemap: http://testserver{reverse('dialogue:sitemap')}\n" in text


def test_changed_slug_redirects_permanently(client, seed):
    meeting = Meeting.objects.get(slug=FOURTH)
    old_url = meeting.get_absolute_url()
    meeting.slug = "fourth-foreign-ministers-meeting"
    meeting.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == meeting.get_absolute_url()
    page = page_text(client.get(old_url, follow=True))
    assert "<h1>4th Foreign Ministers' Meeting in Tokyo</h1>" in page


def test_renamed_twice_is_one_hop_and_renaming_back_does_not_loop(client, seed):
    source = Source.objects.get(slug="gazette-japan-700-million-2012")
    first = source.get_absolute_url()
    source.slug = "gazette-2012"
    source.save()
    second = source.get_absolute_url()
    source.slug = "gazette-700-million"
    source.save()
    third = source.get_absolute_url()
    assert client.get(first)["Location"] == third
    assert client.get(second)["Location"] == third
    source.slug = "gazette-japan-700-million-2012"
    source.save()
    assert client.get(first).status_code == 200
    assert client.get(third)["Location"] == first
    assert not Redirect.objects.filter(old_path=first).exists()


@pytest.mark.parametrize(
    ("model", "lookup", "field", "new"),
    [
        (Country, {"code": "TM"}, "code", "TR"),
        (Person, {"slug": "koichiro-gemba"}, "slug", "gemba-koichiro"),
    ],
)
def test_participants_and_people_keep_their_old_addresses(
    client, seed, model, lookup, field, new
):
    obj = model.objects.get(**lookup)
    old = client.get(
        reverse("dialogue:participant-detail", args=["tm"])
        if model is Country
        else reverse("dialogue:person-detail", args=["koichiro-gemba"])
    )
    assert old.status_code == 200
    setattr(obj, field, new)
    obj.save()
    old_url = old.wsgi_request.path
    response = client.get(old_url)
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200


def test_json_ld_carries_the_csp_nonce(client, seed):
    html = client.get(reverse("dialogue:home")).content.decode()
    assert re.search(
        r'<script type="application/ld\+json" nonce="[A-Za-z0-9+/=]{24}">', html
    )


def test_sitemap_addresses_are_the_pages_own(client, seed):
    person = make_person(name="Коитиро Гемба")  # a slug in Cyrillic
    response = client.get(reverse("dialogue:sitemap"))
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ET.fromstring(response.content)
    lastmods = {
        url.find(f"{ns}loc").text: url.findtext(f"{ns}lastmod")
        for url in root.iter(f"{ns}url")
    }
    records = [
        *Meeting.objects.all(),
        *Country.objects.all(),
        *Person.objects.all(),
        *Document.objects.all(),
        *Source.objects.all(),
        *Page.objects.all(),
    ]
    for record in records:
        address = "http://testserver" + record.get_absolute_url()
        assert lastmods[address] == f"{record.updated_at:%Y-%m-%d}", address
    assert (
        "/people/%D0%BA%D0%BE%D0%B8%D1%82%D0%B8%D1%80%D0%BE"
        in person.get_absolute_url()
    )


def test_the_index_dates_each_section_by_its_latest_public_change(
    client, seed, monkeypatch
):
    monkeypatch.setattr(RecordPages, "limit", 2)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    latest = datetime.datetime(2031, 5, 6, 7, 8, tzinfo=datetime.UTC)
    Meeting.objects.filter(pk=Meeting.objects.public().first().pk).update(
        updated_at=latest
    )
    draft = make_meeting(published=False)
    Meeting.objects.filter(pk=draft.pk).update(updated_at=latest.replace(year=2040))
    index = ET.fromstring(client.get(reverse("dialogue:sitemap")).content)
    lastmods = {
        entry.findtext(f"{ns}loc"): entry.findtext(f"{ns}lastmod")
        for entry in index.iter(f"{ns}sitemap")
    }
    meetings = "http://testserver" + reverse(
        "dialogue:sitemap-section", args=["meetings"]
    )
    assert (
        lastmods[meetings] == lastmods[f"{meetings}?p=2"] == "2031-05-06T07:08:00+00:00"
    )
    people = "http://testserver" + reverse("dialogue:sitemap-section", args=["people"])
    newest = Person.objects.public().latest("updated_at").updated_at
    assert lastmods[people] == newest.isoformat()


def test_a_section_too_large_for_one_sitemap_makes_an_index(client, seed, monkeypatch):
    # The protocol allows 50,000 addresses a file; here two, to need pages.
    monkeypatch.setattr(RecordPages, "limit", 2)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    response = client.get(reverse("dialogue:sitemap"))
    index = ET.fromstring(response.content)
    assert index.tag == f"{ns}sitemapindex"
    meetings = "http://testserver" + reverse(
        "dialogue:sitemap-section", args=["meetings"]
    )
    published = Meeting.objects.public().count()
    locs = [el.text for el in index.iter(f"{ns}loc")]
    assert meetings in locs
    assert f"{meetings}?p={(published + 1) // 2}" in locs
    assert f"{meetings}?p={(published + 1) // 2 + 1}" not in locs
    # Every public meeting is in exactly one page of its section.
    found = []
    for page in range(1, (published + 1) // 2 + 1):
        section = client.get(meetings, {"p": page})
        found += [el.text for el in ET.fromstring(section.content).iter(f"{ns}loc")]
    assert sorted(found) == sorted(
        "http://testserver" + meeting.get_absolute_url()
        for meeting in Meeting.objects.public()
    )
    assert client.get(meetings, {"p": 99}).status_code == 404


def test_sitemaps_answer_head(client, seed):
    response = client.head(reverse("dialogue:sitemap"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
