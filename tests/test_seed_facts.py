"""The seed facts as a visitor reads them: the site says what the seed article
says, in its words where a paraphrase would change the meaning, and cites the
reference the article gives for each."""

import pytest
from django.urls import reverse

from dialogue.models import Source
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
    """The titles in a page's References section."""
    section = html.split('<h2 id="references-heading">References</h2>')[1]
    section = section.split("</section>")[0]
    return [
        title
        for source in Source.objects.all()
        if (title := page_text(source.title.replace("&", "&amp;"))) in section
    ]


def test_2006_meeting_says_what_was_discussed_in_the_articles_words(client, seed):
    html = meeting(client, TOKYO_2006)
    assert (
        "They discussed advancements in Japanese-Central Asian exchanges, and the "
        "challenges facing inter-regional cooperation." in html
    )
    assert "obstacles" not in html
    assert "across the region" not in html
