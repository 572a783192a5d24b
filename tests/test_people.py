"""The people index (A–Z, by participant, by name) and a person's page."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from dialogue.models import Person
from dialogue.text import initial_group, sort_key
from tests.factories import (
    make_attendance,
    make_country,
    make_meeting,
    make_person,
    make_source,
)
from tests.text import page_text

pytestmark = pytest.mark.django_db


def index(client, query=""):
    return page_text(client.get(reverse("dialogue:person-list") + query))


def names_listed(page):
    """The people a page of the index lists, in order."""
    listed = page.split('<ul class="results people">', 1)
    if len(listed) == 1:
        return []
    return re.findall(
        r'<a href="/people/[^"]+/">([^<]+)</a>', listed[1].split("</ul>")[0]
    )


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("Koichiro Gemba", "k"),
        ("Ōno Yoshinori", "o"),
        ("Гемба", "cyrillic"),
        ("玄葉光一郎", "japanese"),
        ("ｹﾞﾝﾊﾞ", "japanese"),
        ("1st Secretary", "other"),
    ],
)
def test_a_name_is_grouped_by_its_folded_initial_or_its_script(name, group):
    assert initial_group(name) == group


def test_names_sort_without_case_or_accents():
    assert sorted(["Ozawa", "Ōno", "okada"], key=sort_key) == ["okada", "Ōno", "Ozawa"]


def test_the_index_lists_everyone_a_to_z_then_other_scripts(client):
    for name in ("Zarifi", "ōno", "Abdyldaev", "Гемба", "玄葉光一郎", "Okada"):
        make_person(name=name)
    page = index(client)
    assert "6 people" in page
    assert names_listed(page) == [
        "Abdyldaev",
        "Okada",
        "ōno",
        "Zarifi",
        "Гемба",
        "玄葉光一郎",
    ]


def test_a_letter_shows_only_its_people_and_marks_itself(client):
    for name in ("Ōno", "Okada", "Aso", "Гемба"):
        make_person(name=name)
    page = index(client, "?letter=o")
    assert names_listed(page) == ["Okada", "Ōno"]
    assert "2 people · O ·" in page
    assert '<a href="/people/?letter=o" aria-current="page">O</a>' in page
    page = index(client, "?letter=cyrillic")
    assert names_listed(page) == ["Гемба"]
    assert "1 person · Cyrillic ·" in page


def test_the_participant_filter_lists_who_came_for_it(client):
    japan, kazakhstan = make_country("JP"), make_country("KZ")
    meeting = make_meeting()
    make_attendance(meeting, japan, make_person(name="Koichiro Gemba"))
    make_attendance(meeting, kazakhstan, make_person(name="Erlan Idrissov"))
    make_attendance(make_meeting(), japan, Person.objects.get(name="Koichiro Gemba"))
    page = index(client, "?country=jp")
    assert names_listed(page) == ["Koichiro Gemba"]
    assert "1 person · came for Japan ·" in page
    assert "For Japan at 2 meetings" in page
    assert '<option value="jp" selected>Japan</option>' in page


def test_a_draft_meeting_does_not_put_someone_under_a_participant(client):
    japan = make_country("JP")
    make_attendance(make_meeting(published=False), japan, make_person(name="Aso"))
    assert names_listed(index(client, "?country=jp")) == []


def test_the_search_box_finds_names_in_any_script(client):
    make_person(name="Koichiro Gemba", other_names="玄葉光一郎\nГемба")
    make_person(name="Taro Aso")
    for words in ("gemba", "ГЕМБА", "玄葉"):
        page = index(client, f"?q={words}")
        assert names_listed(page) == ["Koichiro Gemba"], words
        assert f"names with “{words}”" in page
    page = index(client, "?q=gemba")
    assert '<input id="people-q" type="search" name="q" value="gemba"' in page
    assert "Also written: " in page and '<span class="other-name">Гемба</span>' in page


def test_letters_keep_the_participant_and_name_searched(client):
    make_country("JP")
    page = index(client, "?country=jp&q=ab")
    assert '<a href="/people/?country=jp&amp;q=ab&amp;letter=a">A</a>' in page


def test_the_index_is_paginated(client, monkeypatch):
    from dialogue import people_views

    monkeypatch.setattr(people_views.PersonListView, "paginate_by", 2)
    for name in ("Aso", "Baba", "Chiba", "Doi", "Endo"):
        make_person(name=name)
    page = index(client, "?page=2")
    assert names_listed(page) == ["Chiba", "Doi"]
    assert "Showing 3–4 of 5." in page
    assert client.get(reverse("dialogue:person-list") + "?page=9").status_code == 404


def test_drafts_are_hidden_from_visitors_and_marked_for_staff(editor_client):
    make_person(name="Public Person")
    make_person(name="Secret Person", published=False)
    page = index(Client())
    assert names_listed(page) == ["Public Person"]
    assert "Secret" not in page
    staff_page = index(editor_client)
    assert names_listed(staff_page) == ["Public Person", "Secret Person"]
    assert (
        'Secret Person</a> <strong class="badge badge-draft">Draft</strong>'
        in staff_page
    )
    assert 'Public Person</a> <strong class="badge' not in staff_page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?letter=1", "The letter “1” is not one of the list, so it was left out."),
        ("?letter=ab", "The letter “ab” is not one of the list, so it was left out."),
        (
            "?country=xx",
            "The participant “xx” is not one of the list, so it was left out.",
        ),
        (
            "?q=" + "x" * 101,
            "Search for at most 100 characters (this search has 101). "
            "The names were not searched.",
        ),
    ],
)
def test_an_invalid_filter_is_left_out_and_said_so(client, query, message):
    make_person(name="Aso")
    response = client.get(reverse("dialogue:person-list") + query)
    assert response.status_code == 200
    page = page_text(response)
    assert f'<p class="error" role="alert">{message}</p>' in page
    assert names_listed(page) == ["Aso"]


def test_an_invalid_filter_leaves_the_valid_ones_applied(client):
    make_person(name="Aso")
    make_person(name="Baba")
    page = index(client, "?letter=b&country=xx")
    assert names_listed(page) == ["Baba"]
    assert "The participant “xx” is not one of the list" in page


def test_the_header_and_sitemap_link_the_index(client):
    page = page_text(client.get(reverse("dialogue:home")))
    assert '<li><a href="/people/">People</a></li>' in page
    sitemap = client.get(reverse("dialogue:sitemap")).content.decode()
    assert "<loc>http://testserver/people/</loc>" in sitemap


# A person's page


@pytest.fixture
def gemba_career(db):
    japan, uzbekistan = make_country("JP"), make_country("UZ")
    gemba = make_person(name="Koichiro Gemba", other_names="玄葉光一郎\nКоитиро Гемба")
    source = make_source(title="Gazette report")
    for year, position, country in (
        (2009, "Senior Vice-Minister", japan),
        (2010, "Senior Vice-Minister", japan),
        (2012, "Minister for Foreign Affairs", japan),
        (2014, "Special envoy", uzbekistan),
    ):
        meeting = make_meeting(
            title=f"Talks of {year}", start_date=datetime.date(year, 5, 1)
        )
        meeting.sources.set([source])
        make_attendance(meeting, country, gemba, position=position)
    secret = make_meeting(title="Secret talks", published=False)
    make_attendance(secret, japan, gemba, position="Spy")
    return gemba


def person_page(client, person):
    return page_text(client.get(person.get_absolute_url()))


def test_a_persons_page_shows_positions_over_time(client, gemba_career):
    page = " ".join(person_page(client, gemba_career).split())
    rows = [
        '<th scope="row">Senior Vice-Minister</th> <td data-label="For">Japan</td> '
        '<td data-label="Years">2009–2010</td> '
        '<td data-label="Meetings" class="num">2</td>',
        '<th scope="row">Minister for Foreign Affairs</th> '
        '<td data-label="For">Japan</td> <td data-label="Years">2012</td>',
        '<th scope="row">Special envoy</th> <td data-label="For">Uzbekistan</td> '
        '<td data-label="Years">2014</td>',
    ]
    positions = [page.index(row) for row in rows]
    assert positions == sorted(positions)
    assert "Spy" not in page


def test_a_persons_page_names_the_participants_they_came_for(client, gemba_career):
    page = person_page(client, gemba_career)
    assert (
        'Came for <a href="/participants/jp/">Japan</a> (3 meetings), '
        '<a href="/participants/uz/">Uzbekistan</a> (1 meeting).'
    ) in page


def test_a_persons_meetings_are_a_timeline_by_year(client, gemba_career):
    page = person_page(client, gemba_career)
    years = [page.index(f'<h3 id="met-{year}">{year}</h3>') for year in (2009, 2010)]
    assert years == sorted(years)
    assert '<time datetime="2014-05-01">1 May 2014</time>' in page
    assert re.search(
        r'Special envoy<sup.*?</sup>, for <a href="/participants/uz/">Uzbekistan</a> '
        r"\(delegate\)",
        page,
    )
    assert "Secret talks" not in page


def test_a_persons_page_shows_other_names_and_sources(client, gemba_career):
    page = person_page(client, gemba_career)
    assert (
        'Also written: <span class="other-name">玄葉光一郎</span>, '
        '<span class="other-name">Коитиро Гемба</span>'
    ) in page
    assert '<h2 id="references-heading">References</h2>' in page
    assert ">Gazette report</a>" in page
    # Cited beside each meeting's position.
    assert page.count('<a href="#ref-1" title="Gazette report">[1]</a>') == 4
    assert 'Special envoy<sup class="cite"><a href="#ref-1"' in page
