"""The seed facts as a visitor reads them: the site says what the seed article
says, in its words where a paraphrase would change the meaning, and cites the
reference the article gives for each."""

import re

import pytest
from django.urls import reverse

from dialogue.models import Document
from tests.text import page_text

pytestmark = pytest.mark.django_db

TOKYO_2006 = "2006-06-05-foreign-ministers"
ASTANA_2004 = "2004-08-28-foreign-ministers-1"


def page(client, name, *args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return page_text(response)


def meeting(client, slug):
    return page(client, "dialogue:meeting-detail", slug)


def document(client, slug):
    return page(client, "dialogue:document-detail", slug)


def references(html):
    """The titles in a page's References section, in their order."""
    return re.findall(r'<li id="ref-\d+"><a href="[^"]*">(.*?)</a>', html)


# --- The 2006 Tokyo meeting -----------------------------------------------------


def test_2006_meeting_says_what_was_discussed_in_the_articles_words(client, seed):
    html = meeting(client, TOKYO_2006)
    assert (
        "They discussed advancements in Japanese-Central Asian exchanges, and the "
        "challenges facing inter-regional cooperation." in html
    )
    assert "obstacles" not in html
    assert "across the region" not in html


def test_2006_meeting_does_not_say_an_action_plan_was_adopted(client, seed):
    html = meeting(client, TOKYO_2006)
    assert "adopted" not in html
    assert (
        "The five countries agreed to continue to hold further meetings of Foreign "
        "Ministers in the future, and Japan pledged further support in many areas."
        in html
    )
    # The action plan is the reference the article gives for the meeting.
    assert references(html) == ["“Central Asia plus Japan” Dialogue - Action Plan"]


def test_the_action_plan_has_no_date_and_no_meeting_the_article_does_not_give(
    client, seed
):
    html = document(client, "action-plan-2006")
    assert "<h1>“Central Asia plus Japan” Dialogue - Action Plan</h1>" in html
    assert "<dt>Date</dt><dd>date unknown</dd>" in html
    assert "5 June 2006</dd>" not in html
    assert "<dt>Meeting</dt>" not in html
    assert "adopted" not in html.lower()
    assert (
        "Cited for the meeting held in Tokyo on 5 June 2006; its own date is not "
        "recorded here." in html
    )
    listing = page(client, "dialogue:document-list")
    assert "Action plan · date unknown" in listing


def test_2006_meeting_does_not_call_its_only_attendee_name_not_recorded(client, seed):
    html = meeting(client, TOKYO_2006)
    assert "Name not recorded" not in html
    assert "The sources do not name the attendees listed here." in html
    assert (
        '<th scope="row">Minister for Foreign Affairs</th>\n'
        '              <td data-label="Country"><a href="/participants/af/">'
        "Afghanistan</a></td>\n"
        '              <td data-label="Capacity">Guest</td>' in html
    )
    assert "The Afghan foreign minister attended the meeting as a “guest”." in html


# --- Aso, Japan's policy, Kazakhstan --------------------------------------------


def test_aso_third_reason_is_post_war_experiences(client, seed):
    html = document(client, "aso-corridor-of-peace-and-stability")
    assert (
        "Japan's post-war experiences can serve as a guide for the newly "
        "independent states." in html
    )
    assert "Second World War" not in html


def test_aso_text_is_not_called_a_speech_given_as_foreign_minister(client, seed):
    html = document(client, "aso-corridor-of-peace-and-stability")
    assert "speech" not in html.lower()
    assert "Minister for Foreign Affairs of Japan" not in html
    assert "<dt>Kind</dt><dd>Other document</dd>" in html
    assert ">Taro Aso</a></dd>" in html
    source = page(
        client, "dialogue:source-detail", "mofa-aso-corridor-of-peace-and-stability"
    )
    assert "speech" not in source.lower()
    assert "former Foreign Minister Taro Aso" in source
    person = page(client, "dialogue:person-detail", "taro-aso")
    assert "speech" not in person.lower()
    motivation = page(client, "dialogue:page-detail", "motivation-and-significance")
    assert "when he was Japan's foreign minister" not in motivation
    assert "Former Foreign Minister Taro Aso gave four reasons" in motivation
    for template_page in ("dialogue:home", "dialogue:document-list"):
        assert "speeches" not in page(client, template_page)


def test_silk_road_diplomacy_is_a_term_used_for_the_policy(client, seed):
    motivation = page(client, "dialogue:page-detail", "motivation-and-significance")
    assert "Japan calls" not in motivation
    assert (
        "Japan's efforts in creating the “Central Asia plus Japan” Dialogue are part "
        "of its “Silk Road diplomacy”, a term used for Japan's current Central Asia "
        "policy." in motivation
    )
    japan = page(client, "dialogue:participant-detail", "jp")
    assert "often called" not in japan
    assert "proposed" not in japan
    assert "a term used for Japan's current Central Asia policy" in japan


def test_kazakhstan_is_not_said_to_have_astana_as_its_capital(client, seed):
    html = page(client, "dialogue:participant-detail", "kz")
    assert "capital" not in html
    assert (
        "The Dialogue was formally declared in Astana, Kazakhstan, on 28 August "
        "2004." in html
    )


# --- Citations and titles -------------------------------------------------------


def test_the_2004_meeting_cites_the_joint_statement_not_the_press_release(client, seed):
    html = meeting(client, ASTANA_2004)
    assert references(html) == [
        "Central Asia plus Japan",
        "Joint Statement “Central Asia + Japan” Dialogue/Foreign Ministers' Meeting",
    ]
    # The article gives the press release for one claim: the forum.
    press = page(client, "dialogue:source-detail", "mofa-press-release-2004")
    cited_for = press.split("Cited for")[1].split("</main>")[0]
    assert "About the Dialogue" in cited_for
    assert "Meeting in Astana" not in cited_for
    assert "<h3>Meetings</h3>" not in cited_for
    about = page(client, "dialogue:page-detail", "about")
    assert "a forum to promote inter-regional cooperation" in about


def test_each_document_is_titled_as_the_reference_the_article_gives(client, seed):
    for doc in Document.objects.all():
        assert doc.title in {source.title for source in doc.sources.all()}, doc.slug
        html = document(client, doc.slug)
        assert f"<h1>{page_text(doc.title)}</h1>" in html
    listing = page(client, "dialogue:document-list")
    assert "Joint Statement of the" not in listing
    assert "Action Plan of the" not in listing


# --- The rest of the fixture, read against the article ---------------------------


def test_the_2005_meeting_quotes_the_article_instead_of_an_agreement(client, seed):
    html = meeting(client, "2005-03-04-senior-officials")
    assert "agreed" not in html
    assert (
        "The participants “reconfirmed the significance of the ‘Central Asia plus "
        "Japan’ Dialogue”, and they met to “promote concrete cooperation... "
        "utilizing the framework of the Dialogue”." in html
    )


def test_pledge_purpose_and_2012_meeting_in_the_articles_words(client, seed):
    html = meeting(client, "2012-11-10-foreign-ministers-4")
    assert (
        "The Government of Japan pledged US $700 million for projects which will "
        "facilitate regional cooperation." in html
    )
    assert "five Central Asian states" not in html
    assert "cooperate with one another" not in html
    pledges = page(client, "dialogue:pledge-list")
    assert "Projects which will facilitate regional cooperation." in pledges


def test_founding_members_and_invented_paraphrases_are_gone(client, seed):
    for code in ("kz", "kg", "tj", "uz"):
        html = page(client, "dialogue:participant-detail", code)
        assert "founding" not in html
        assert "One of the four participating Central Asian governments." in html
    uzbekistan = page(client, "dialogue:participant-detail", "uz")
    assert "hosted" not in uzbekistan.split("Meetings attended")[0]
    for slug in ("undated-intellectual-dialogue-1", "undated-intellectual-dialogue-2"):
        html = meeting(client, slug)
        assert "thinkers" not in html
        assert (
            "with the aim of expanding intellectual exchanges between the two "
            "regions." in html
        )
    about = page(client, "dialogue:page-detail", "about")
    assert "Its founders described it" not in about
    assert "political framework" not in about
    assert "shared principles" not in about
    assert "a political initiative between Japan and the Central Asian nations" in (
        about
    )
