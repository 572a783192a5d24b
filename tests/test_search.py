"""Search finds names in any script and case, groups results, handles no input."""

import pytest
from django.urls import reverse

from dialogue.search import fold, search
from tests.factories import (
    make_attendance,
    make_country,
    make_document,
    make_meeting,
    make_page,
    make_person,
    make_point,
)
from tests.text import page_text

pytestmark = pytest.mark.django_db


def results_page(client, query):
    return page_text(client.get(reverse("dialogue:search"), {"q": query}))


@pytest.fixture
def gemba(db):
    person = make_person(
        name="Koichiro Gemba", other_names="Коитиро Гемба\n玄葉光一郎\nGENBA Kōichirō"
    )
    meeting = make_meeting(title="4th Foreign Ministers' Meeting in Tokyo")
    make_attendance(meeting, make_country("JP"), person)
    return person


@pytest.mark.parametrize(
    "query",
    [
        "Gemba",
        "gemba",
        "GEMBA",
        "Гемба",
        "гемба",
        "ГЕМБА",
        "玄葉",
        "光一郎",
        "kōichirō",
    ],
)
def test_a_name_is_found_in_any_script_and_case(client, gemba, query):
    page = results_page(client, query)
    url = reverse("dialogue:person-detail", args=[gemba.slug])
    assert f'<a href="{url}">Koichiro Gemba</a>' in page
    assert "1 result for" in page
    assert "Also written: Коитиро Гемба, 玄葉光一郎, GENBA Kōichirō" in page
    assert "Minister for Foreign Affairs, 4th Foreign Ministers' Meeting" in page


def test_folding_matches_what_the_database_does(gemba):
    # The Python fold and the database fold agree, including full-width letters.
    assert fold("ＧＥＭＢＡ") == "gemba"
    assert [g.key for g in search("ＧＥＭＢＡ")] == ["people"]


def test_text_stored_in_another_unicode_form_is_found(client, db):
    # Full-width letters, and a macron typed as a separate combining mark: stored
    # as written, found by the usual spelling (the database normalises them).
    make_meeting(title="ＴＯＫＹＯ Ministerial")
    make_person(name="Genba Ko\u0304ichiro\u0304")
    assert "ＴＯＫＹＯ Ministerial" in results_page(client, "tokyo minis")
    assert "Genba Ko\u0304ichiro\u0304" in results_page(client, "KŌICHIRŌ")
    assert "No results" in results_page(client, "tokyo summit")


def test_cyrillic_title_in_another_case_is_found(client, db):
    make_meeting(title="Встреча министров в Ташкенте")
    page = results_page(client, "ВСТРЕЧА")
    assert "Встреча министров в Ташкенте" in page
    page = results_page(client, "ташкенте")
    assert "Встреча министров в Ташкенте" in page


def test_results_are_grouped_by_type(client, db):
    japan = make_country("JP", summary="Japan opened the Dialogue in Tokyo.")
    make_meeting(title="Meeting in Tokyo", host=japan)
    make_person(name="Tokyo Person")
    document = make_document(title="A statement")
    make_point(document, text="Agreed in Tokyo.")
    make_page(title="About", body="Founded in Tokyo.")
    page = results_page(client, "tokyo")
    headings = [
        '<h2 id="results-meetings">Meetings</h2>',
        '<h2 id="results-people">People</h2>',
        '<h2 id="results-participants">Participants</h2>',
        '<h2 id="results-documents">Documents</h2>',
        '<h2 id="results-pages">Pages</h2>',
    ]
    positions = [page.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert "5 results for “tokyo”" in page
    assert '<a href="#results-documents">Documents (1)</a>' in page


def test_drafts_are_never_found(client, db):
    make_meeting(title="Secret summit", published=False)
    make_person(name="Secret Person", published=False)
    page = results_page(client, "secret")
    assert "No results for “secret”." in page
    assert "Secret summit" not in page.split("<main")[1]


def test_a_draft_host_or_author_does_not_make_a_record_match(client, db):
    draft_host = make_country("UZ", name="Secretistan", published=False)
    make_meeting(title="Senior officials", city="Tashkent", host=draft_host)
    make_document(title="Statement", author=make_person(name="Secret", published=False))
    assert "No results for “secret”." in results_page(client, "secret")
    draft_host.published = True
    draft_host.save()
    page = results_page(client, "secretistan")
    assert '<a href="#results-meetings">Meetings (1)</a>' in page
    assert "Senior officials" in page


def test_empty_search_explains_what_to_do(client, db):
    page = results_page(client, "   ")
    assert "Type a name, a place or a word to search" in page
    assert "result" not in page.split('role="status"')[-1][:40]


def test_no_result_state_offers_other_ways(client, db):
    page = results_page(client, "zzzz")
    assert "No results for “zzzz”." in page
    assert "Try another spelling or script" in page
    assert f'<a href="{reverse("dialogue:meeting-list")}">the timeline' in page


def test_an_overlong_search_is_refused_with_a_message(client, db):
    page = results_page(client, "x" * 101)
    assert "Search for at most 100 characters (this search has 101)." in page
    assert 'aria-invalid="true"' in page


def test_like_wildcards_are_searched_literally(client, db):
    make_meeting(title="Meeting 100% online")
    make_meeting(title="Another meeting")
    page = results_page(client, "%")
    assert "Meeting 100% online" in page
    assert "Another meeting" not in page.split("<main")[1]


def test_search_html_is_escaped(client, db):
    page = results_page(client, "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_search_runs_a_constant_number_of_queries(
    client, db, django_assert_max_num_queries
):
    japan = make_country("JP")
    for n in range(12):
        meeting = make_meeting(title=f"Tokyo meeting {n}")
        make_attendance(meeting, japan, make_person(name=f"Tokyo person {n}"))
    with django_assert_max_num_queries(12):
        page = results_page(client, "tokyo")
    assert "24 results for “tokyo”" in page


def test_a_person_shows_their_first_three_public_meetings_however_many(
    client, db, django_assert_num_queries
):
    import datetime

    japan, draft = make_country("JP"), make_country("AF", published=False)
    person = make_person(name="Koichiro Gemba")
    # Seven meetings, made out of date order; the earliest as a draft country's
    # delegate, which visitors never see.
    for year in (2015, 2009, 2013, 2011, 2010, 2014, 2012):
        meeting = make_meeting(
            title=f"Meeting of {year}", start_date=datetime.date(year, 5, 1)
        )
        make_attendance(meeting, japan, person, position=f"Minister in {year}")
    early = make_meeting(title="Meeting of 2005", start_date=datetime.date(2005, 1, 1))
    make_attendance(early, draft, person)
    no_position = make_person(name="Gemba's adviser")
    make_attendance(early, japan, no_position, position="", capacity="observer")
    with django_assert_num_queries(4):
        page = results_page(client, "gemba")
    assert (
        "Minister in 2009, Meeting of 2009; Minister in 2010, Meeting of 2010; "
        "Minister in 2011, Meeting of 2011</span>"
    ) in page
    assert "Meeting of 2012" not in page
    # Without a position, the capacity says what they came as.
    assert "observer, Meeting of 2005</span>" in page
    # Only those three are read, not every meeting the person attended.
    [people] = [group for group in search("gemba") if group.key == "people"]
    assert {
        p.name: [a.meeting_title for a in p.appearances] for p in people.results
    } == {
        "Gemba's adviser": ["Meeting of 2005"],
        "Koichiro Gemba": ["Meeting of 2009", "Meeting of 2010", "Meeting of 2011"],
    }


def test_people_of_one_name_past_the_limit_each_show_their_meetings(client, db):
    # More namesakes than a group shows: the people listed and the people whose
    # meetings are read must be the same ones.
    japan = make_country("JP")
    meeting = make_meeting(title="Tokyo meeting")
    for n in range(53):
        make_attendance(
            meeting,
            japan,
            make_person(name="Taro Tanaka", slug=f"taro-tanaka-{n}"),
            position=f"Aide {n}",
        )
    page = results_page(client, "tanaka")
    assert page.count("Tokyo meeting</span>") == 50
    assert "No meetings recorded" not in page
