"""`make run` loads the seed with load_seed_if_empty: into an empty database only."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from dialogue.models import Attendance, Country, Meeting, Source

pytestmark = pytest.mark.django_db

FOURTH = "2012-11-10-foreign-ministers-4"


def load():
    out = io.StringIO()
    call_command("load_seed_if_empty", verbosity=0, stdout=out)
    return out.getvalue()


def test_an_empty_database_gets_the_seed(client):
    assert load() == "Loaded the seed into the empty database.\n"
    assert Meeting.objects.count() == 6
    page = client.get(reverse("dialogue:home")).content.decode()
    assert "Japan opened the Dialogue on 28 August 2004 in Astana" in page


def test_editors_changes_survive_a_restart(client):
    load()
    Meeting.objects.filter(slug=FOURTH).update(title="Edited by an editor")
    Attendance.objects.filter(person__slug="idrisov").delete()
    Country.objects.filter(code="AF").update(published=False)
    assert load() == "The database already holds content: the seed was not loaded.\n"
    page = client.get(reverse("dialogue:meeting-detail", args=[FOURTH]))
    text = page.content.decode()
    assert "<h1>Edited by an editor</h1>" in text
    assert "Idrisov" not in text
    assert not Country.objects.get(code="AF").published


def test_a_database_with_any_content_is_left_alone():
    Source.objects.create(slug="own", title="An editor's own source")
    assert "the seed was not loaded" in load()
    assert list(Source.objects.values_list("slug", flat=True)) == ["own"]
    assert not Meeting.objects.exists()
