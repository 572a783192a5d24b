"""Search explains itself: the words found marked, snippets, counts, one box, and
"did you mean" for near misses."""

import pytest
from django.urls import reverse

from dialogue.highlight import excerpt, highlight
from dialogue.text import fold
from tests.factories import (
    make_country,
    make_document,
    make_meeting,
    make_page,
    make_person,
    make_point,
)
from tests.text import page_text

pytestmark = pytest.mark.django_db


def results(client, query):
    return page_text(client.get(reverse("dialogue:search"), {"q": query}))


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("Meeting in Tokyo", "tokyo", "Meeting in <mark>Tokyo</mark>"),
        ("ＴＯＫＹＯ talks", "Tokyo", "<mark>ＴＯＫＹＯ</mark> talks"),
        (
            "Genba Ko\u0304ichiro\u0304",
            "KŌICHIRŌ",
            "Genba <mark>Ko\u0304ichiro\u0304</mark>",
        ),
        ("ｺｳｲﾁﾛｳ", "コウイチロウ", "<mark>ｺｳｲﾁﾛｳ</mark>"),
        ("Straße, strasse", "STRASSE", "<mark>Straße</mark>, <mark>strasse</mark>"),
        (
            "A <b>bold</b> Tokyo",
            "tokyo",
            "A &lt;b&gt;bold&lt;/b&gt; <mark>Tokyo</mark>",
        ),
        ("Nothing here", "tokyo", "Nothing here"),
    ],
)
def test_the_words_are_marked_where_the_folded_text_matched(text, query, expected):
    assert str(highlight(text, fold(query))) == expected


def test_an_excerpt_is_cut_at_spaces_around_the_first_match():
    text = "word " * 40 + "Tokyo" + " more" * 60
    snippet = str(excerpt(text, "tokyo"))
    assert snippet.startswith("…word ")
    assert "<mark>Tokyo</mark> more" in snippet
    assert snippet.endswith("more…")
    assert len(snippet) < 220
    assert excerpt(text, "osaka") is None


def test_a_result_says_where_the_words_are_when_not_in_its_title(client, db):
    make_country(
        "AF",
        name="Afghanistan",
        role="guest",
        summary="Not a participant: its minister attended the 2006 Tokyo meeting.",
    )
    page = results(client, "tokyo")
    assert '<a href="/participants/af/">Afghanistan</a>' in page
    assert (
        '<span class="snippet"><span class="snippet-field">Summary:</span> Not a '
        "participant: its minister attended the 2006 <mark>Tokyo</mark> meeting."
        "</span>"
    ) in page


def test_a_title_holding_the_words_is_marked_without_a_snippet(client, db):
    make_meeting(title="Meeting in Tokyo", summary="Held in Tokyo again.")
    page = results(client, "TOKYO")
    assert ">Meeting in <mark>Tokyo</mark></a>" in page
    assert '<span class="snippet">' not in page


def test_a_meeting_found_through_its_host_says_so(client, db):
    japan = make_country("JP")
    make_meeting(title="Senior officials", city="", host=japan)
    page = results(client, "japan")
    assert '<span class="snippet-field">Host:</span> <mark>Japan</mark>' in page


def test_a_document_found_through_a_point_quotes_it(client, db):
    document = make_document(title="Joint statement")
    make_point(document, number=3, text="Water cooperation in the Aral Sea basin.")
    page = results(client, "aral sea")
    assert (
        '<span class="snippet-field">Point 3:</span> Water cooperation in the '
        "<mark>Aral Sea</mark> basin."
    ) in page


def test_a_persons_other_names_are_marked(client, db):
    make_person(name="Koichiro Gemba", other_names="玄葉光一郎\nКоитиро Гемба")
    page = results(client, "гемба")
    assert "Also written: 玄葉光一郎, Коитиро <mark>Гемба</mark>" in page


def test_record_text_is_escaped_before_it_is_marked(client, db):
    make_person(name="<script>alert('x')</script> Tokyo")
    make_page(title="Notes", summary="", body="<img src=x onerror=alert(1)> Tokyo")
    page = results(client, "tokyo")
    main = page.split("<main", 1)[1]
    assert "<script>" not in main and "<img" not in main
    assert "&lt;script&gt;alert('x')&lt;/script&gt; <mark>Tokyo</mark>" in main
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>Tokyo</mark>" in main
    # Words that are markup are found as text, and marked as text.
    page = results(client, "<script>")
    assert "<mark>&lt;script&gt;</mark>alert('x')" in page


def test_groups_show_how_many_match_even_past_those_shown(client, db):
    for n in range(53):
        make_meeting(title=f"Tokyo meeting {n}")
    make_person(name="Tokyo Person")
    page = results(client, "tokyo")
    assert "54 results for “tokyo”" in page
    assert '<a href="#results-meetings">Meetings (53)</a>' in page
    assert '<a href="#results-people">People (1)</a>' in page
    assert 'Meetings <span class="group-count">(53)</span></h2>' in page
    assert "The first 50 of 53 are shown: add a word to narrow the search." in page
    results_html = page.split('<ul class="results">', 1)[1].split("</ul>", 1)[0]
    assert results_html.count('<a href="/meetings/') == 50


def test_the_search_page_has_one_search_box(client, db):
    page = results(client, "tokyo")
    assert page.count('type="search"') == 1
    assert page.count('role="search"') == 1
    assert 'id="search-q"' in page
    # Other pages keep the header's box.
    home = page_text(client.get(reverse("dialogue:home")))
    assert 'id="site-search-q"' in home


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("genba", "Koichiro Gemba"),
        ("Kazakstan", "Kazakhstan"),
        ("Tashkend", "Tashkent"),
    ],
)
def test_a_near_miss_suggests_the_nearest_public_name(client, db, typed, suggested):
    make_person(name="Koichiro Gemba")
    make_country("KZ")
    make_meeting(title="Senior officials", city="Tashkent")
    page = results(client, typed)
    assert f"No results for “{typed}”." in page
    url = reverse("dialogue:search")
    query = suggested.replace(" ", "+")
    assert f'Did you mean <a href="{url}?q={query}">{suggested}</a>?</p>' in page


def test_several_suggestions_read_as_a_list(client, db):
    make_person(name="Taro Aso")
    make_person(name="Taro Asa")
    make_person(name="Taro Ase")
    page = results(client, "Taro Asi")
    assert (
        'Did you mean <a href="/search/?q=Taro+Asa">Taro Asa</a>, '
        '<a href="/search/?q=Taro+Ase">Taro Ase</a> or '
        '<a href="/search/?q=Taro+Aso">Taro Aso</a>?'
    ) in page


def test_a_draft_name_is_never_suggested(client, db):
    make_person(name="Koichiro Gemba", published=False)
    make_country("KZ", published=False)
    make_meeting(title="Secret talks", city="Tashkent", published=False)
    for typed in ("genba", "Kazakstan", "Tashkend"):
        found = results(client, typed).split('role="status"', 1)[1]
        assert "Did you mean" not in found, typed
        assert "Gemba" not in found and "Kazakhstan" not in found
        assert "Tashkent" not in found


def test_nothing_is_suggested_for_a_search_that_finds_plenty(client, db):
    for n in range(3):
        make_person(name=f"Gemba {n}")
    make_person(name="Genba")
    assert "Did you mean" not in results(client, "gemba")
    assert "Did you mean" in results(client, "genba 1")
