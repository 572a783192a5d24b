"""Search finds names in any script and case, groups results, handles no input."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from dialogue.models import Country, Person
from dialogue.search import FIRST_APPEARANCES, fold, search
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


def marked_page(client, query):
    """The results page for ``query``, as sent (the words found marked)."""
    return page_text(client.get(reverse("dialogue:search"), {"q": query}))


def results_page(client, query):
    """The results page for ``query`` without the marks on the words found: what
    was found, for the tests of finding (tests/test_search_results.py tests the
    marks)."""
    return marked_page(client, query).replace("<mark>", "").replace("</mark>", "")


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


def test_text_stored_decomposed_or_half_width_is_found_as_typed(client, db):
    # Stored in NFD (Latin ō, Cyrillic й, Japanese ゲ as a letter and a combining
    # mark) and in half-width katakana: found by the usual spelling.
    make_person(
        name="Genba Ko\u0304ichiro\u0304",
        other_names="Серге\u0438\u0306 Генба\nケ\u3099ンハ\u3099\nｺｳｲﾁﾛｳ",
    )
    for query in ("Kōichirō", "СЕРГЕЙ", "ゲンバ", "コウイチロウ"):
        page = results_page(client, query)
        assert "1 result for" in page, query
        assert ">Genba Ko\u0304ichiro\u0304</a>" in page, query
    # And words typed decomposed find text stored composed.
    make_meeting(title="Kōbe talks")
    assert ">Kōbe talks</a>" in results_page(client, "KO\u0304BE")


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
        '<h2 id="results-meetings">Meetings <span class="group-count">(1)</span></h2>',
        '<h2 id="results-people">People <span class="group-count">(1)</span></h2>',
        '<h2 id="results-participants">Participants <span class="group-count">(1)'
        "</span></h2>",
        '<h2 id="results-documents">Documents <span class="group-count">(1)</span>'
        "</h2>",
        '<h2 id="results-pages">Pages <span class="group-count">(1)</span></h2>',
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
    # The counts, the people, their first meetings, the menu; and, as two people
    # are few, the names "did you mean" compares (people, then places).
    with django_assert_num_queries(6):
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


def test_a_renamed_record_is_found_by_its_new_name_only(client, db):
    person = make_person(name="Taro Aso", other_names="麻生太郎")
    host = make_country("UZ", name="Uzbekistan")
    make_meeting(title="Senior officials", city="", host=host)
    person.name = "Taro Kono"
    person.other_names = "河野太郎"
    person.save()
    host.name = "Republic of Uzbekistan"
    host.save(update_fields=["name"])
    for old in ("aso", "麻生"):
        assert f"No results for “{old}”." in results_page(client, old)
    assert ">Taro Kono</a>" in results_page(client, "河野")
    # A meeting matches through its host's name as the country has it now.
    assert "No results for “uzbekistan”" not in results_page(client, "uzbekistan")
    page = results_page(client, "republic of")
    assert '<a href="#results-meetings">Meetings (1)</a>' in page
    assert "Senior officials</a>" in page


def test_a_meeting_is_not_found_through_its_hosts_summary(client, db):
    # The host's name is what a meeting result shows; the country's summary
    # finds the country, not every meeting it hosted.
    host = make_country("UZ", summary="Tashkent hosted a meeting in 2005.")
    make_meeting(title="Senior officials", city="Samarkand", host=host)
    page = results_page(client, "tashkent")
    assert "1 result for “tashkent”" in page
    assert '<a href="#results-participants">Participants (1)</a>' in page
    assert "Senior officials" not in page.split("<main")[1]


def test_a_draft_point_or_a_points_draft_document_does_not_match(client, db):
    statement = make_document(title="Joint statement")
    make_point(statement, text="Water cooperation in the Aral Sea basin.")
    make_point(statement, number=2, text="Secret annex.", published=False)
    draft = make_document(title="Draft speech", published=False)
    make_point(draft, text="Aral Sea and secret plans.")
    page = results_page(client, "aral sea")
    assert "1 result for “aral sea”" in page
    assert ">Joint statement</a>" in page
    assert "No results for “secret”." in results_page(client, "secret")


def test_a_document_is_found_through_its_authors_other_names(client, db):
    author = make_person(name="Koichiro Gemba", other_names="玄葉光一郎")
    make_document(title="A speech in Tokyo", author=author)
    page = results_page(client, "玄葉")
    assert '<a href="#results-documents">Documents (1)</a>' in page
    assert "A speech in Tokyo</a>" in page


def test_records_imported_from_csv_are_found_and_updates_refold(client, db, tmp_path):
    def import_files(**files):
        for name, text in files.items():
            (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
        call_command("import_dataset", str(tmp_path), verbosity=0)

    import_files(
        people=(
            "slug,name,other_names,published\n"
            "yoshimasa-hayashi,Yoshimasa Hayashi,林芳正,true\n"
        )
    )
    page = results_page(client, "ＨＡＹＡＳＨＩ")
    assert ">Yoshimasa Hayashi</a>" in page
    assert "Also written: 林芳正" in page
    assert ">Yoshimasa Hayashi</a>" in results_page(client, "林芳正")
    # An update through the file folds the new text: the old name no longer finds
    # him. A document's author named for the first time becomes a person who is
    # found, and the document through them.
    import_files(
        people="slug,name,other_names\nyoshimasa-hayashi,Yoshimasa Hayashi,Хаяси\n",
        documents=(
            "slug,title,kind,date,meeting,author,author_role,summary,sources,"
            "published\n"
            "kishida-speech,A speech,speech,2023-05-01,,Fumio Kishida,,,,true\n"
        ),
    )
    assert "No results for “林芳正”." in results_page(client, "林芳正")
    assert ">Yoshimasa Hayashi</a>" in results_page(client, "хаяси")
    page = results_page(client, "KISHIDA")
    assert ">Fumio Kishida</a>" in page
    assert ">A speech</a>" in page


def test_the_seed_loaded_from_fixtures_is_found(client, seed):
    # loaddata saves without calling save(): the fixture's records are folded too.
    page = results_page(client, "ＧＥＭＢＡ")
    url = reverse("dialogue:person-detail", args=["koichiro-gemba"])
    assert f'<a href="{url}">Koichiro Gemba</a>' in page


def test_the_migration_folds_records_already_there(client, db):
    make_person(name="Koichiro Gemba", other_names="玄葉光一郎")
    make_country("JP")
    Person.objects.update(search_text="")
    Country.objects.update(search_text="", search_name="")
    migration = importlib.import_module("dialogue.migrations.0007_fill_search_text")
    migration.fill_search_text(apps, None)
    assert ">Koichiro Gemba</a>" in results_page(client, "玄葉")
    assert Country.objects.get().search_name == "japan"


def test_a_nul_character_is_refused_with_a_message(client, db):
    # Refused for every page at once (capj.security.RefuseNulMiddleware).
    response = client.get(reverse("dialogue:search"), {"q": "gem\x00ba"})
    assert response.status_code == 400
    assert "The address holds a NUL character (%00)" in response.content.decode()
    assert b"\x00" not in response.content


def test_a_search_that_folds_to_nothing_finds_nothing(client, db):
    make_meeting(title="Any meeting")
    assert search("") == []
    assert search("   ") == []


def test_an_underscore_is_searched_literally(client, db):
    make_meeting(title="Meeting_2012 notes")
    make_meeting(title="Meeting 2012 report")
    page = results_page(client, "g_2")
    assert "Meeting_2012 notes" in page
    assert "Meeting 2012 report" not in page.split("<main")[1]


def test_a_name_folded_longer_than_its_field_is_saved_and_found(client, db):
    # NFKC spells "㍿" as four characters: a 100-character name may fold longer.
    name = "㍿" * 40 + " Trading Partner"
    make_country("JP", name=name)
    page = results_page(client, "株式会社")
    assert f">{name}</a>" in page


def test_a_persons_meetings_are_in_date_order_however_the_database_hands_them_over(
    client, db, monkeypatch
):
    japan = make_country("JP")
    person = make_person(name="Koichiro Gemba")
    for year in (2011, 2009, 2010):
        meeting = make_meeting(
            title=f"Meeting of {year}", start_date=datetime.date(year, 5, 1)
        )
        make_attendance(meeting, japan, person, position=f"Minister in {year}")
    monkeypatch.setattr(
        FIRST_APPEARANCES, "queryset", FIRST_APPEARANCES.queryset.order_by("-rank")
    )
    assert (
        "Minister in 2009, Meeting of 2009; Minister in 2010, Meeting of 2010; "
        "Minister in 2011, Meeting of 2011</span>"
    ) in results_page(client, "gemba")
