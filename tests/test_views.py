"""Every public page shows the seed's facts, with citations; drafts stay hidden."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from dialogue.models import Country, Document, Meeting, Page, Person, Pledge, Source
from dialogue.selectors import CITING_ROWS, PREVIEW_ROWS, pledge_totals
from tests.factories import (
    make_attendance,
    make_country,
    make_document,
    make_meeting,
    make_page,
    make_person,
    make_pledge,
    make_source,
)
from tests.text import chart_rows, page_text

pytestmark = pytest.mark.django_db

FOURTH = "2012-11-10-foreign-ministers-4"


def text_of(response):
    return page_text(response)


def test_home_says_what_the_dialogue_is(client, seed):
    response = client.get(reverse("dialogue:home"))
    page = text_of(response)
    assert "Japan opened the Dialogue on 28 August 2004 in Astana" in page
    assert "with Kazakhstan, Kyrgyzstan, Tajikistan and Uzbekistan." in page
    assert "Turkmenistan takes part as an observer." in page
    assert "<dt>Pledged in USD</dt><dd>700 million</dd>" in page
    assert "<dt>Meetings held</dt><dd>6</dd>" in page
    assert "4th Foreign Ministers' Meeting in Tokyo" in page


def test_participants_list_shows_roles(client, seed):
    response = client.get(reverse("dialogue:participant-list"))
    assert response.status_code == 200
    for name, role in [
        ("Kazakhstan", "Member"),
        ("Turkmenistan", "Observer"),
        ("Afghanistan", "Guest"),
    ]:
        url = Country.objects.get(name=name).get_absolute_url()
        assert f'<a href="{url}">{name}</a></th>\n        <td>{role}</td>' in text_of(
            response
        )


def test_participants_list_says_who_takes_part_in_which_role(client, seed):
    page = text_of(client.get(reverse("dialogue:participant-list")))
    assert (
        '<p class="lead">The Dialogue\'s members are Japan, Kazakhstan, '
        "Kyrgyzstan, Tajikistan and Uzbekistan. Turkmenistan takes part as an "
        "observer. Afghanistan has attended as a guest.</p>" in page
    )
    assert "Five Central Asian" not in page


def test_participants_summary_follows_the_data(client, db):
    japan, kazakhstan = make_country("JP"), make_country("KZ")
    meeting = make_meeting()
    make_attendance(meeting, japan)
    make_attendance(meeting, kazakhstan, make_person(published=False))
    make_country("UZ", published=False)
    make_country("TM", role="observer")
    make_country("MN", name="Mongolia", role="observer")
    page = text_of(client.get(reverse("dialogue:participant-list")))
    assert (
        '<p class="lead">The Dialogue\'s members are Japan and Kazakhstan. '
        "Mongolia and Turkmenistan take part as observers.</p>" in page
    )
    assert "Uzbekistan" not in page
    assert "guest" not in page.split('<p class="lead">')[1].split("</p>")[0]
    # Meetings attended count the rows the country's page lists: not a draft
    # person's.
    for country, count in ((japan, 1), (kazakhstan, 0)):
        assert (
            f'<a href="{country.get_absolute_url()}">{country.name}</a></th>\n'
            "        <td>Member</td>\n        <td>—</td>\n"
            f'        <td class="num">{count}</td>' in page
        )


def test_observer_country_page(client, seed):
    response = client.get(reverse("dialogue:participant-detail", args=["tm"]))
    page = text_of(response)
    assert "<strong>observer</strong>" in page
    assert "policy of neutrality" in page
    person_url = reverse("dialogue:person-detail", args=["rashid-meredov"])
    assert (
        f'<a href="{person_url}">Rashid Meredov</a>: Minister for Foreign Affairs at'
        in page
    )
    assert "World Heritage Encyclopedia" in page  # the citation, in the references


def test_meetings_a_country_hosted_say_when_not_held(client, seed):
    kazakhstan = Country.objects.get(code="KZ")
    cancelled = make_meeting(title="Called-off Summit", status="cancelled")
    planned = make_meeting(title="Coming Summit", status="planned")
    Meeting.objects.filter(pk__in=[cancelled.pk, planned.pk]).update(host=kazakhstan)
    page = text_of(client.get(kazakhstan.get_absolute_url()))
    assert (
        f'<a href="{cancelled.get_absolute_url()}">Called-off Summit</a> (cancelled)'
        in page
    )
    assert f'<a href="{planned.get_absolute_url()}">Coming Summit</a> (planned)' in page


def test_guest_country_page(client, seed):
    page = text_of(client.get(reverse("dialogue:participant-detail", args=["af"])))
    assert "<strong>guest</strong>" in page
    assert "Foreign Ministers' Meeting in Tokyo" in page
    assert "5 June 2006" in page


def test_donor_country_page_lists_its_pledge(client, seed):
    page = text_of(client.get(reverse("dialogue:participant-detail", args=["jp"])))
    assert "USD 700,000,000" in page
    assert "The Gazette of Central Asia (Satrapia), 13 November 2012" in page


def test_country_code_in_capitals_is_not_a_second_address(client, seed):
    url = reverse("dialogue:participant-detail", args=["JP"])
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (301, "/participants/jp/")


def test_timeline_groups_by_year_and_shows_partial_dates(client, seed):
    page = text_of(client.get(reverse("dialogue:meeting-list")))
    for year in ("2004", "2005", "2006", "2012"):
        assert f'<h2 id="year-{year}">{year}</h2>' in page
    assert '<h2 id="year-unknown">Date unknown</h2>' in page
    assert '<p class="meeting-when">date unknown</p>' in page
    assert "1st Intellectual Dialogue · Tokyo, Japan" in page
    assert "6 meetings" in page


def test_timeline_filters_by_kind_and_year(client, seed):
    url = reverse("dialogue:meeting-list")
    page = text_of(client.get(url, {"kind": "intellectual_dialogue"}))
    assert "2 meetings" in page
    assert "Tashkent" not in page
    page = text_of(client.get(url, {"year": "2005"}))
    assert "1 meeting" in page
    assert "Senior Officials' Meeting in Tashkent" in page


def test_timeline_rejects_a_made_up_filter_clearly(client, seed):
    page = text_of(client.get(reverse("dialogue:meeting-list"), {"kind": "picnic"}))
    assert (
        "The kind “picnic” is not one of the list: showing meetings of every kind."
    ) in page
    assert "No meetings match." not in page


def test_meeting_page_shows_attendees_pledge_and_citations(client, seed):
    page = text_of(client.get(reverse("dialogue:meeting-detail", args=[FOURTH])))
    for name in (
        "Erlan Abdyldaev",
        "Koichiro Gemba",
        "Idrisov",
        "Hamrohon Zarifi",
        "Rashid Meredov",
        "Vladimir Norov",
    ):
        assert f">{name}</a></th>" in page
    assert "Deputy Minister for Foreign Affairs" in page
    assert "USD 700,000,000</data> (700 million)" in page
    assert "<dd>10 November 2012</dd>" in page
    assert 'Sources for this meeting:<sup class="cite"><a href="#ref-' in page
    assert (
        "Japan to Provide $ 700 Million to Central Asia</a>. "
        "The Gazette of Central Asia (Satrapia), 13 November 2012." in page
    )


def test_meeting_with_a_guest_and_unnamed_attendees(client, seed):
    page = text_of(
        client.get(
            reverse("dialogue:meeting-detail", args=["2006-06-05-foreign-ministers"])
        )
    )
    # The sources name none of its attendees: they are listed by position.
    assert "Name not recorded" not in page
    assert "The sources do not name the attendees listed here." in page
    assert (
        'Afghanistan</a></td>\n              <td data-label="Capacity">Guest</td>'
        in page
    )
    assert "“Central Asia plus Japan” Dialogue - Action Plan" in page
    # The seed names only the Afghan guest among those who attended.
    assert page.count('<td data-label="Capacity">') == 1
    assert "Head of delegation" not in page


def cite_marks(*slugs):
    """The superscript reference numbers for these sources, numbered 1, 2, ..."""
    return page_text(
        "".join(
            f'<sup class="cite"><a href="#ref-{number}" '
            f'title="{escape(Source.objects.get(slug=slug).title)}">[{number}]</a></sup>'
            for number, slug in enumerate(slugs, start=1)
        )
    )


def reference(number, slug):
    source = Source.objects.get(slug=slug)
    return page_text(
        f'<li id="ref-{number}"><a href="{source.get_absolute_url()}">'
        f"{escape(source.title)}</a>. {escape(source.publisher)}."
    )


@pytest.mark.parametrize(
    ("url_name", "key", "fact", "slugs"),
    [
        (
            "dialogue:document-detail",
            "joint-statement-2004",
            '<p class="sources-line">Sources for this document:',
            ["mofa-joint-statement-2004"],
        ),
        (
            "dialogue:participant-detail",
            "af",
            "Role in the Dialogue: <strong>guest</strong>.",
            ["mofa-action-plan-2006"],
        ),
        (
            "dialogue:meeting-detail",
            "2004-08-28-foreign-ministers-1",
            '<p class="sources-line">Sources for this meeting:',
            ["encyclopaedia-central-asia-plus-japan", "mofa-joint-statement-2004"],
        ),
        (
            "dialogue:meeting-detail",
            "2005-03-04-senior-officials",
            '<p class="sources-line">Sources for this meeting:',
            ["mofa-senior-officials-meeting-2005"],
        ),
        (
            "dialogue:meeting-detail",
            "2006-06-05-foreign-ministers",
            '<p class="sources-line">Sources for this meeting:',
            ["mofa-action-plan-2006"],
        ),
    ],
)
def test_facts_carry_numbered_citations_and_the_sources_are_listed(
    client, seed, url_name, key, fact, slugs
):
    page = text_of(client.get(reverse(url_name, args=[key])))
    assert fact + cite_marks(*slugs) in page
    assert '<h2 id="references-heading">References</h2>' in page
    for number, slug in enumerate(slugs, start=1):
        assert reference(number, slug) in page
    assert f'id="ref-{len(slugs) + 1}"' not in page


def test_undated_meeting_says_so(client, seed):
    page = text_of(
        client.get(
            reverse("dialogue:meeting-detail", args=["undated-intellectual-dialogue-2"])
        )
    )
    # An unknown date is not a fact to cite.
    assert "<dd>date unknown</dd>" in page
    assert "Second “Central Asia plus Japan” Intellectual Dialogue" in page


def test_month_and_year_precision_are_shown_as_known(client, db):
    make_meeting(
        title="June meeting",
        start_date=datetime.date(2006, 6, 1),
        start_precision="month",
    )
    make_meeting(
        title="Year meeting",
        kind="summit",
        start_date=datetime.date(2005, 1, 1),
        start_precision="year",
    )
    page = text_of(client.get(reverse("dialogue:meeting-list")))
    assert '<time datetime="2006-06">June 2006</time>' in page
    assert '<time datetime="2005">2005</time>' in page
    assert "Foreign Ministers' Meeting · Tokyo" in page
    assert "Summit · Tokyo" in page


def test_pledges_page_totals_per_currency(client, seed):
    japan = Country.objects.get(code="JP")
    make_pledge(japan, amount=3_000_000_000_000, currency="JPY", approximate=True)
    make_pledge(japan, amount=300, currency="JPY")
    response = client.get(reverse("dialogue:pledge-list"))
    # One donor in JPY: its row is the currency's total, not written twice.
    assert chart_rows(response) == [
        ("Japan", "JPY 3,000,000,000,300 (3 trillion)", "2", 100.0),
        ("Japan", "USD 700,000,000 (700 million)", "1", 100.0),
    ]
    assert "about JPY 3,000,000,000,000" in text_of(response)


def test_documents_show_their_points(client, seed):
    page = text_of(client.get(reverse("dialogue:document-list")))
    assert "Central Asia as a Corridor of Peace and Stability" in page
    page = text_of(
        client.get(reverse("dialogue:document-detail", args=["joint-statement-2004"]))
    )
    assert "<h2>Four areas of the statement</h2>" in page
    assert "Cooperation in the international arena" in page
    assert "<h2>Main objectives of the Dialogue</h2>" in page
    assert page.count("<li><q>") == 5
    page = text_of(
        client.get(
            reverse(
                "dialogue:document-detail", args=["aso-corridor-of-peace-and-stability"]
            )
        )
    )
    assert "<dt>By</dt><dd><a href=" in page
    assert ">Taro Aso</a></dd>" in page
    assert "weak link in the chain" in page
    assert "<q>Japan at this juncture can become a supporter" in page


def test_sources_list_and_what_cites_them(client, seed):
    page = text_of(client.get(reverse("dialogue:source-list")))
    for source in Source.objects.all():
        title = page_text(escape(source.title))
        assert f'<li><a href="{source.get_absolute_url()}">{title}</a>' in page
    page = text_of(
        client.get(
            reverse("dialogue:source-detail", args=["gazette-japan-700-million-2012"])
        )
    )
    assert "<dd>13 November 2012</dd>" in page
    assert "4th Foreign Ministers' Meeting in Tokyo (10 November 2012)" in page
    assert "Japan: USD 700,000,000" in page


def test_prose_pages(client, seed):
    page = text_of(client.get(reverse("dialogue:page-detail", args=["about"])))
    assert "<h1>About the Dialogue</h1>" in page
    assert "<strong>Turkmenistan</strong>" in page
    assert "a forum to promote inter-regional cooperation." in page
    assert "Central Asian countries to cooperate with each other" not in page
    assert "Joint Statement “Central Asia + Japan” Dialogue" in page
    page = text_of(
        client.get(
            reverse("dialogue:page-detail", args=["motivation-and-significance"])
        )
    )
    assert "Silk Road diplomacy" in page
    assert "Japan joins the energy race</a>. Asia Times Online." in page


def test_markdown_cannot_inject_script(client, db):
    page = make_page(
        slug="evil",
        body='Hi <script>alert("pwned")</script>\n\n<a href="javascript:x()">x</a>',
    )
    html = text_of(client.get(page.get_absolute_url()))
    assert "<script" not in html
    assert 'alert("pwned")' not in html
    assert "javascript:" not in html


def test_text_fields_are_escaped(client, db):
    meeting = make_meeting(title="<script>alert(1)</script>")
    html = text_of(client.get(meeting.get_absolute_url()))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("model", "url_name", "key"),
    [
        (Meeting, "dialogue:meeting-detail", FOURTH),
        (Country, "dialogue:participant-detail", "tm"),
        (Document, "dialogue:document-detail", "joint-statement-2004"),
        (Source, "dialogue:source-detail", "gazette-japan-700-million-2012"),
        (Page, "dialogue:page-detail", "about"),
    ],
)
def test_unpublished_items_are_404_for_visitors(client, seed, model, url_name, key):
    url = reverse(url_name, args=[key])
    assert client.get(url).status_code == 200
    model.objects.update(published=False)
    response = client.get(url)
    assert response.status_code == 404
    assert "There is no public page at this address." in text_of(response)


def test_unpublished_items_vanish_from_lists_and_citations(client, seed):
    Meeting.objects.filter(slug=FOURTH).update(published=False)
    Person.objects.filter(slug="koichiro-gemba").update(published=False)
    Pledge.objects.update(published=False)
    Source.objects.filter(slug="asia-times-japan-joins-energy-race").update(
        published=False
    )
    assert "4th Foreign" not in text_of(client.get(reverse("dialogue:meeting-list")))
    assert "Koichiro Gemba" not in text_of(
        client.get(reverse("dialogue:participant-detail", args=["jp"]))
    )
    assert "700,000,000" not in text_of(client.get(reverse("dialogue:pledge-list")))
    assert "energy race" not in text_of(
        client.get(
            reverse("dialogue:page-detail", args=["motivation-and-significance"])
        )
    )


def test_unpublished_person_is_not_named_on_a_meeting(client, db):
    meeting, japan = make_meeting(), make_country("JP")
    make_attendance(meeting, japan, make_person(name="Secret Name", published=False))
    make_attendance(meeting, japan, make_person(name="Public Name"))
    page = text_of(client.get(meeting.get_absolute_url()))
    assert "Public Name" in page
    assert "Secret Name" not in page


def test_a_draft_host_country_is_not_named_where_its_meeting_took_place(client, db):
    draft_host = make_country("MN", name="Mongolia", published=False)
    meeting = make_meeting(
        title="Meeting in Ulaanbaatar", city="Ulaanbaatar", host=draft_host
    )
    pages = {
        "timeline": text_of(client.get(reverse("dialogue:meeting-list"))),
        "home": text_of(client.get(reverse("dialogue:home"))),
        "meeting": text_of(client.get(meeting.get_absolute_url())),
    }
    assert "Foreign Ministers' Meeting · Ulaanbaatar</span>" in pages["timeline"]
    assert "Foreign Ministers' Meeting · Ulaanbaatar</span>" in pages["home"]
    assert "<dt>Place</dt><dd>Ulaanbaatar</dd>" in pages["meeting"]
    assert "<dt>Host</dt>" not in pages["meeting"]
    assert "addressCountry" not in pages["meeting"]
    for page in pages.values():
        assert "Mongolia" not in page
        assert draft_host.get_absolute_url() not in page
    # Once the country is published, the place names it and the page links it.
    Country.objects.update(published=True)
    page = text_of(client.get(meeting.get_absolute_url()))
    assert "<dt>Place</dt><dd>Ulaanbaatar, Mongolia</dd>" in page
    assert (
        f'<dt>Host</dt><dd><a href="{draft_host.get_absolute_url()}">Mongolia</a>'
        in page
    )


def test_an_attendee_for_a_draft_country_is_not_shown(client, db):
    meeting, japan = make_meeting(), make_country("JP")
    draft = make_country("TM", published=False)
    make_attendance(meeting, japan, make_person(name="Koichiro Gemba"))
    meredov = make_person(name="Rashid Meredov")
    make_attendance(meeting, draft, meredov, capacity="observer")
    make_attendance(meeting, draft, position="Ambassador to Japan")
    page = text_of(client.get(meeting.get_absolute_url()))
    assert ">Koichiro Gemba</a></th>" in page
    assert "Turkmenistan" not in page
    assert "Meredov" not in page
    assert "Ambassador to Japan" not in page
    person_page = text_of(client.get(meredov.get_absolute_url()))
    assert "Turkmenistan" not in person_page
    assert "No meetings recorded." in person_page
    Country.objects.update(published=True)
    page = text_of(client.get(meeting.get_absolute_url()))
    assert ">Rashid Meredov</a></th>" in page
    assert f'<a href="{draft.get_absolute_url()}">Turkmenistan</a></td>' in page


def test_a_draft_donors_pledges_are_not_public(client, db):
    japan = make_country("JP")
    draft = make_country("MN", name="Mongolia", published=False)
    meeting = make_meeting()
    source = Source.objects.create(slug="report", title="A report", published=True)
    make_pledge(japan, meeting=meeting).sources.add(source)
    make_pledge(draft, amount=500_000_000, meeting=meeting).sources.add(source)
    pledges = text_of(client.get(reverse("dialogue:pledge-list")))
    home = text_of(client.get(reverse("dialogue:home")))
    meeting_page = text_of(client.get(meeting.get_absolute_url()))
    source_page = text_of(client.get(source.get_absolute_url()))
    for page in (pledges, home, meeting_page, source_page):
        assert "Mongolia" not in page
        assert draft.get_absolute_url() not in page
        assert "500,000,000" not in page
        assert "1.2 billion" not in page
    assert chart_rows(pledges) == [
        ("Japan", "USD 700,000,000 (700 million)", "1", 100.0)
    ]
    assert "<dt>Pledged in USD</dt><dd>700 million</dd>" in home
    assert "USD 700,000,000</data> (700 million) from <a" in meeting_page
    assert "Japan: USD 700,000,000" in source_page
    # Staff previewing the draft country see its pledge on its own page.
    editor = Client()
    editor.force_login(staff_who_may_view(Country))
    preview = text_of(editor.get(draft.get_absolute_url()))
    assert "<strong>Draft — not public.</strong>" in preview
    assert "USD 500,000,000</data> (500 million)" in preview


def test_a_draft_author_is_not_named_on_their_document(client, db):
    author = make_person(name="Secret Speaker", published=False)
    document = make_document(title="A speech", kind="speech", author=author)
    detail = text_of(client.get(document.get_absolute_url()))
    listing = text_of(client.get(reverse("dialogue:document-list")))
    for page in (detail, listing):
        assert "A speech" in page
        assert "Secret Speaker" not in page
        assert author.get_absolute_url() not in page
    assert "<dt>By</dt>" not in detail
    Person.objects.update(published=True)
    detail = text_of(client.get(document.get_absolute_url()))
    assert f'<dt>By</dt><dd><a href="{author.get_absolute_url()}">Secret Speaker' in (
        detail
    )


def test_missing_page_uses_the_404_template(client, db):
    response = client.get(reverse("dialogue:page-detail", args=["no-such-page"]))
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in text_of(response)


def test_500_template_explains_without_details():
    html = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in html
    assert "Traceback" not in html


# ---------------------------------------------------------------------------
# Drafts: staff preview, visitors 404, never cached
# ---------------------------------------------------------------------------


def staff_who_may_view(model):
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("previewer", password="pw", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="dialogue",
            codename=f"view_{model._meta.model_name}",
        )
    )
    return user


@pytest.mark.parametrize(
    ("model", "url_name", "key"),
    [
        (Meeting, "dialogue:meeting-detail", FOURTH),
        (Country, "dialogue:participant-detail", "tm"),
        (Person, "dialogue:person-detail", "koichiro-gemba"),
        (Document, "dialogue:document-detail", "joint-statement-2004"),
        (Source, "dialogue:source-detail", "gazette-japan-700-million-2012"),
        (Page, "dialogue:page-detail", "about"),
    ],
)
def test_staff_preview_drafts_marked_and_uncacheable(
    client, seed, model, url_name, key
):
    editor_client = Client()
    editor_client.force_login(staff_who_may_view(model))
    url = reverse(url_name, args=[key])
    published = editor_client.get(url)
    assert "Draft — not public" not in text_of(published)
    assert "no-store" not in published.get("Cache-Control", "")
    model.objects.update(published=False)
    response = editor_client.get(url)
    assert response.status_code == 200
    page = text_of(response)
    assert "<strong>Draft — not public.</strong>" in page
    assert '<meta name="robots" content="noindex">' in page
    assert set(response["Cache-Control"].split(", ")) >= {"private", "no-store"}
    visitor = client.get(url)
    assert visitor.status_code == 404
    assert "Draft" not in text_of(visitor)


def test_staff_without_view_permission_cannot_preview(client, seed):
    from django.contrib.auth.models import User

    user = User.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(user)
    Meeting.objects.filter(slug=FOURTH).update(published=False)
    assert client.get(
        reverse("dialogue:meeting-detail", args=[FOURTH])
    ).status_code == (404)


# ---------------------------------------------------------------------------
# People, the pledge chart, the timeline's statuses
# ---------------------------------------------------------------------------


def test_person_page_lists_meetings_positions_and_other_names(client, seed):
    Person.objects.filter(slug="koichiro-gemba").update(
        other_names="Коитиро Гемба\n玄葉光一郎"
    )
    page = text_of(
        client.get(reverse("dialogue:person-detail", args=["koichiro-gemba"]))
    )
    assert "<h1>Koichiro Gemba</h1>" in page
    assert (
        '<span class="other-name">Коитиро Гемба</span>, '
        '<span class="other-name">玄葉光一郎</span>' in page
    )
    assert "4th Foreign Ministers' Meeting in Tokyo</a>" in page
    assert 'Minister for Foreign Affairs<sup class="cite">' in page
    assert '<time datetime="2012-11-10">10 November 2012</time>' in page
    assert '</sup>, for <a href="/participants/jp/">Japan</a> (delegate)</span>' in page
    assert 'id="ref-1"' in page


def test_pledge_chart_compares_donors_within_each_currency_once(client, seed):
    japan, kazakhstan = Country.objects.get(code="JP"), Country.objects.get(code="KZ")
    make_pledge(japan, amount=300_000_000, currency="USD")
    make_pledge(kazakhstan, amount=500_000_000, currency="USD")
    make_pledge(japan, amount=3_000_000_000_000, currency="JPY")
    response = client.get(reverse("dialogue:pledge-list"))
    # Bars scaled within their currency: Japan's billion is the full length.
    assert chart_rows(response) == [
        ("Japan", "JPY 3,000,000,000,000 (3 trillion)", "1", 100.0),
        ("USD, all donors", "USD 1,500,000,000 (1.5 billion)", "3", None),
        ("Japan", "USD 1,000,000,000 (1 billion)", "2", 100.0),
        ("Kazakhstan", "USD 500,000,000 (500 million)", "1", 50.0),
    ]
    page = text_of(response)
    # One chart and one list: no second table of totals, no chart per currency.
    assert page.count("<table") == 2
    assert page.count('<table class="bar-table">') == 1
    assert "style=" not in page


def test_pledge_chart_by_year_leads_to_the_years_pledges(client, seed):
    japan = Country.objects.get(code="JP")
    make_pledge(japan, amount=5, announced_on=datetime.date(2006, 6, 5))
    make_pledge(japan, amount=7, announced_on=None, announced_precision="unknown")
    url = reverse("dialogue:pledge-list")
    assert chart_rows(client.get(url, {"by": "year"})) == [
        ("USD, all years", "USD 700,000,012 (700 million)", "3", None),
        ("2006", "USD 5 (5)", "1", 0.5),
        ("2012", "USD 700,000,000 (700 million)", "1", 100.0),
        ("Date unknown", "USD 7 (7)", "1", 0.5),
    ]
    page = text_of(client.get(url, {"by": "year"}))
    assert '<a href="/pledges/?by=year&amp;year=2006#all-heading">2006</a>' in page
    page = text_of(client.get(url, {"by": "year", "year": "2006"}))
    assert '<h2 id="all-heading">Pledges announced in 2006</h2>' in page
    assert "1 pledge · " in page
    assert (
        "USD 5</td>" in page and "USD 700,000,000" not in page.split("all-heading")[1]
    )


def test_pledges_page_leaves_out_a_bad_choice_and_says_so(client, seed):
    page = text_of(
        client.get(reverse("dialogue:pledge-list"), {"year": "abcd", "by": "size"})
    )
    assert "The year “abcd” is not one of the list: it is left out." in page
    assert "The comparison “size” is not one of the list: it is left out." in page
    assert '<h2 id="all-heading">All pledges</h2>' in page
    assert chart_rows(page)[0][0] == "Japan"


def test_cancelled_and_planned_meetings_are_marked(client, db):
    make_meeting(title="Called off", status="cancelled")
    make_meeting(title="Coming up", status="planned", kind="summit")
    page = text_of(client.get(reverse("dialogue:meeting-list")))
    assert '<li class="meeting status-cancelled">' in page
    assert (
        'Called off</a> <strong class="badge badge-cancelled">Cancelled</strong>'
        in page
    )
    assert 'Coming up</a> <strong class="badge badge-planned">Planned</strong>' in page
    cancelled = Meeting.objects.get(title="Called off")
    detail = text_of(client.get(cancelled.get_absolute_url()))
    assert "<strong>Cancelled.</strong> This meeting did not take place." in detail


def test_kind_filter_links_mark_the_current_kind(client, seed):
    url = reverse("dialogue:meeting-list")
    page = text_of(client.get(url, {"kind": "intellectual_dialogue"}))
    assert (
        f'<a href="{url}?kind=intellectual_dialogue" aria-current="page">'
        "Intellectual Dialogue</a>" in page
    )
    assert (
        "<title>Intellectual Dialogues · Central Asia plus Japan Dialogue</title>"
        in page
    )
    assert "2 meetings · Intellectual Dialogue" in page


def test_source_page_lists_everything_citing_it(client, seed):
    page = text_of(
        client.get(
            reverse(
                "dialogue:source-detail", args=["encyclopaedia-central-asia-plus-japan"]
            )
        )
    )
    for heading in ("Participants", "Meetings", "Pages"):
        assert f"<h3>{heading}</h3>" in page
    source = make_source_uncited()
    page = text_of(client.get(source.get_absolute_url()))
    assert "Nothing on the public site cites this source yet." in page


def make_source_uncited():
    return Source.objects.create(slug="uncited", title="Uncited source", published=True)


@pytest.mark.parametrize(
    ("url_name", "args"),
    [
        ("dialogue:home", []),
        ("dialogue:participant-list", []),
        ("dialogue:participant-detail", ["jp"]),
        ("dialogue:person-detail", ["koichiro-gemba"]),
        ("dialogue:meeting-list", []),
        ("dialogue:meeting-detail", [FOURTH]),
        ("dialogue:pledge-list", []),
        ("dialogue:document-detail", ["joint-statement-2004"]),
        ("dialogue:source-detail", ["encyclopaedia-central-asia-plus-japan"]),
        ("dialogue:open-data", []),
    ],
)
def test_query_count_does_not_grow_with_rows(
    client, seed, django_assert_num_queries, url_name, args
):
    """Adding meetings, attendees and pledges adds no queries to a page."""
    url = reverse(url_name, args=args)
    client.get(url)  # warm up (sessions, the sites cache)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    japan = Country.objects.get(code="JP")
    source = Source.objects.first()
    for n in range(5):
        meeting = make_meeting(title=f"Extra {n}", host=japan)
        meeting.sources.add(source)
        make_attendance(meeting, japan, make_person(name=f"Extra person {n}"))
        make_pledge(japan, meeting=meeting, currency="EUR")
    with django_assert_num_queries(len(before)):
        client.get(url)


def test_pledge_page_totals_per_currency_add_up_every_donor(client, db):
    japan, korea = make_country("JP"), make_country("KR")
    make_pledge(japan, amount=700_000_000, currency="USD")
    make_pledge(korea, amount=50_000_000, currency="USD")
    make_pledge(japan, amount=3_000_000_000_000, currency="JPY")
    make_pledge(korea, amount=1_000, currency="EUR", published=False)
    assert [
        (row["currency"], row["total"], row["count"]) for row in pledge_totals()
    ] == [
        ("JPY", 3_000_000_000_000, 1),
        ("USD", 750_000_000, 2),
    ]
    page = text_of(client.get(reverse("dialogue:pledge-list")))
    assert "750,000,000" in page
    assert "3,000,000,000,000" in page
    assert "EUR" not in page


def test_a_meeting_page_cites_its_records_sources_once_each_in_order(client, db):
    """The meeting's, its pledges' and its documents' sources, numbered in order of
    first citation; a draft source is never cited; another meeting's are not."""
    meeting, other = make_meeting(summary="What was said."), make_meeting()
    alpha, beta = make_source(title="Alpha report"), make_source(title="Beta report")
    draft = make_source(title="Draft report", published=False)
    elsewhere = make_source(title="Elsewhere report")
    meeting.sources.set([beta, alpha, draft])
    other.sources.set([elsewhere])
    pledge = make_pledge(make_country("JP"), meeting=meeting)
    pledge.sources.set([beta, elsewhere])
    document = make_document(meeting=meeting, title="Joint statement")
    document.sources.set([draft])
    make_document(meeting=meeting, title="Action plan").sources.set([alpha])
    page = text_of(client.get(meeting.get_absolute_url()))
    references = re.findall(r'<li id="ref-(\d+)">.*?>([A-Z][a-z]+) report<', page, re.S)
    assert references == [("1", "Alpha"), ("2", "Beta"), ("3", "Elsewhere")]
    assert "Draft report" not in page
    assert (
        'Sources for this meeting:<sup class="cite"><a href="#ref-1" '
        'title="Alpha report">[1]</a></sup><sup class="cite"><a href="#ref-2"' in page
    )
    # Cited once for its date, place, summary and outcomes, not after each.
    assert page.count('title="Alpha report">[1]</a>') == 2  # and the action plan
    assert "What was said.</p>" in page
    # The pledge cites Beta (already 2) and Elsewhere (3); the document nothing.
    assert 'title="Elsewhere report">[3]</a></sup></li>' in page
    assert re.search(r"Joint statement</a> \([^)]*\)</li>", page)
    assert re.search(
        r'Action plan</a> \([^)]*\)<sup class="cite"><a href="#ref-1" ', page
    )


def test_a_participant_page_cites_the_country_and_the_pledges_it_shows(client, db):
    """The country's sources and those of its latest pledges, the ones listed; an
    older pledge's source is not in the references, nor a draft source."""
    japan = make_country("JP")
    japan.sources.set(
        [make_source(title="Zeta report"), make_source(title="Draft", published=False)]
    )
    oldest = make_pledge(japan, announced_on=datetime.date(2004, 1, 1))
    oldest.sources.set([make_source(title="Oldest report")])
    for year in range(2010, 2010 + PREVIEW_ROWS):
        pledge = make_pledge(japan, announced_on=datetime.date(year, 1, 1))
        pledge.sources.set([make_source(title=f"Report of {year}")])
    page = text_of(client.get(japan.get_absolute_url()))
    references = re.findall(r'<li id="ref-(\d+)">.*?>([^<>]+)</a>', page, re.S)
    assert references == [
        ("1", "Zeta report"),
        *(
            (str(number), f"Report of {year}")
            for number, year in enumerate(range(2019, 2009, -1), start=2)
        ),
    ]
    assert "Oldest report" not in page and "Draft" not in page


def test_source_page_names_and_links_each_kind_of_record_citing_it(client, db):
    source = make_source(title="The report")
    japan = make_country("JP")
    draft_country = make_country("MN", name="Mongolia", published=False)
    meeting = make_meeting(
        title="Talks", start_date=datetime.date(2006, 6, 1), start_precision="month"
    )
    undated = make_meeting(
        title="Undated talks", start_date=None, start_precision="unknown"
    )
    draft = make_meeting(title="Secret talks", published=False)
    pledge = make_pledge(japan, amount=3_000_000_000, currency="JPY")
    hidden = make_pledge(draft_country, amount=5, currency="USD")
    document = make_document(title="Joint statement")
    page = make_page(title="About the report")
    for record in (japan, draft_country, meeting, undated, draft, pledge, hidden):
        record.sources.add(source)
    document.sources.add(source)
    page.sources.add(source)

    html = text_of(client.get(source.get_absolute_url()))
    cited_for = html.split("<h2>Cited for</h2>", 1)[1].split("</main>", 1)[0]
    items = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', cited_for)
    assert items == [
        (japan.get_absolute_url(), "Japan"),
        (meeting.get_absolute_url(), "Talks (June 2006)"),
        (undated.get_absolute_url(), f"Undated talks ({undated.start})"),
        (pledge.get_absolute_url(), "Japan: JPY 3,000,000,000"),
        (document.get_absolute_url(), "Joint statement"),
        (page.get_absolute_url(), "About the report"),
    ]
    # The same names as the records' own.
    assert [text for _url, text in items] == [
        str(record) for record in (japan, meeting, undated, pledge, document, page)
    ]
    assert "Secret talks" not in html and "Mongolia" not in html
    assert "Only the first" not in html


def test_source_page_lists_at_most_a_set_number_of_each_kind(client, db):
    source = make_source()
    meetings = [
        make_meeting(
            title=f"Talks {n:03d}",
            start_date=datetime.date(2004, 1, 1) + datetime.timedelta(days=n),
        )
        for n in range(CITING_ROWS + 1)
    ]
    for meeting in meetings:
        meeting.sources.add(source)
    html = text_of(client.get(source.get_absolute_url()))
    cited_for = html.split("<h2>Cited for</h2>", 1)[1].split("</main>", 1)[0]
    assert cited_for.count("<li><a href=") == CITING_ROWS
    assert ">Talks 049 (" in cited_for and ">Talks 050 (" not in cited_for
    assert f"<p>Only the first {CITING_ROWS} are listed.</p>" in html


def test_person_page_cites_each_meeting_and_document_and_shows_date_ranges(client, db):
    japan, gemba = make_country("JP"), make_person()
    first = make_meeting(
        title="Talks in June",
        start_date=datetime.date(2006, 6, 1),
        start_precision="month",
    )
    second = make_meeting(
        title="Two-day talks",
        start_date=datetime.date(2012, 11, 10),
        end_date=datetime.date(2012, 11, 11),
        end_precision="day",
    )
    draft = make_meeting(title="Secret talks", published=False)
    alpha, beta = make_source(title="Alpha report"), make_source(title="Beta report")
    hidden = make_source(title="Hidden report", published=False)
    first.sources.set([beta, hidden])
    second.sources.set([alpha, beta])
    make_attendance(first, japan, gemba, position="Envoy", capacity="observer")
    make_attendance(second, japan, gemba, position="Minister")
    make_attendance(draft, japan, gemba, position="Spy")
    make_document(author=gemba, title="A speech").sources.set([alpha])

    page = text_of(client.get(gemba.get_absolute_url()))
    entries = re.findall(
        r'<p class="meeting-when">(?:<time datetime="[^"]+">)?([^<]+)(?:</time>)?</p>'
        r'\s*<div class="meeting-body">\s*'
        r'<a class="meeting-title" href="([^"]+)">([^<]+)</a>\s*'
        r'<span class="meta">([^<]+)((?:<sup.*?</sup>)*), for '
        r'<a href="([^"]+)">Japan</a> \(([a-z]+)\)',
        page,
    )
    # As the table had them: address, title, dates, position, cites, country, as.
    rows = [(e[1], e[2], e[0], e[3], e[4], e[5], e[6]) for e in entries]
    assert [(r[0], r[1], r[2], r[3], r[5], r[6]) for r in rows] == [
        (
            first.get_absolute_url(),
            "Talks in June",
            "June 2006",
            "Envoy",
            "/participants/jp/",
            "observer",
        ),
        (
            second.get_absolute_url(),
            "Two-day talks",
            second.dates,
            "Minister",
            "/participants/jp/",
            "delegate",
        ),
    ]
    # Beta is cited first (the June talks), then Alpha; the hidden one never.
    assert re.findall(r"\[(\d)\]", rows[0][4]) == ["1"]
    assert re.findall(r"\[(\d)\]", rows[1][4]) == ["1", "2"]
    references = re.findall(r'<li id="ref-(\d+)">.*?>([A-Z][a-z]+) report<', page, re.S)
    assert references == [("1", "Beta"), ("2", "Alpha")]
    assert re.search(r'A speech</a> \([^)]*\)<sup class="cite"><a href="#ref-2"', page)
    assert "Secret talks" not in page and "Spy" not in page and "Hidden" not in page


def test_pledges_page_cites_the_pledges_it_shows(client, db):
    japan = make_country("JP")
    alpha, beta = make_source(title="Alpha report"), make_source(title="Beta report")
    draft = make_source(title="Draft report", published=False)
    make_pledge(japan, announced_on=datetime.date(2004, 1, 1)).sources.set(
        [beta, alpha, draft]
    )
    make_pledge(japan, announced_on=datetime.date(2005, 1, 1)).sources.set([beta])
    page = text_of(client.get(reverse("dialogue:pledge-list")))
    marks = re.findall(
        r'<td class="num" data-label="Amount">[^<]*((?:<sup.*?</sup>)*)</td>', page
    )
    assert [re.findall(r"\[(\d)\]", cell) for cell in marks] == [["1", "2"], ["2"]]
    references = re.findall(r'<li id="ref-(\d+)">.*?>([A-Z][a-z]+) report<', page, re.S)
    assert references == [("1", "Alpha"), ("2", "Beta")]
    assert "Draft report" not in page


def test_a_country_code_in_capitals_leads_to_its_page(client, seed):
    response = client.get("/participants/JP/?page=1")
    assert response.status_code == 301
    assert response["Location"] == "/participants/jp/?page=1"
    assert client.get("/participants/XX/").status_code == 301
    assert client.get("/participants/xx/").status_code == 404


def test_a_filter_value_not_in_the_list_is_left_out_and_said_so(client, seed):
    everything = page_text(client.get(reverse("dialogue:meeting-list")))
    page = page_text(client.get(reverse("dialogue:meeting-list") + "?year=abcd"))
    assert (
        "The year “abcd” is not one of the list: showing meetings of every year."
    ) in page
    count = re.search(r'class="count" role="status">(\d+) meetings', everything)[1]
    assert f'class="count" role="status">{count} meetings' in page
    # The valid part of the filter still applies.
    page = page_text(
        client.get(reverse("dialogue:meeting-list") + "?year=abcd&kind=summit")
    )
    assert "Summit" in page and "showing meetings of every year" in page
    assert f'class="count" role="status">{count} meetings' not in page


def test_a_planned_meeting_says_who_is_to_attend(client, seed):
    meeting = make_meeting(title="Tenth meeting", status="planned")
    make_attendance(meeting, Country.objects.get(code="UZ"))
    page = page_text(client.get(meeting.get_absolute_url()))
    assert "Who is to attend" in page and "Who attended" not in page


def test_the_timeline_offers_only_kinds_and_keys_it_has(client, seed):
    page = page_text(client.get(reverse("dialogue:meeting-list")))
    assert '?kind=foreign_ministers">' in page
    assert '?kind=business_dialogue">' not in page  # no meeting of that kind
    assert 'class="legend"' not in page  # every seed meeting was held
    make_meeting(title="Second Summit", kind="summit", status="planned")
    page = page_text(client.get(reverse("dialogue:meeting-list")))
    assert '?kind=summit">' in page
    assert "not yet held" in page and "did not take place" not in page
