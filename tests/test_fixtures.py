"""The shipped fixtures: the seed article's facts, loadable again and again."""

import io

import pytest
from django.core.management import call_command

from dialogue.models import (
    Attendance,
    Country,
    Document,
    DocumentPoint,
    Meeting,
    Page,
    Person,
    Pledge,
    Source,
)

pytestmark = pytest.mark.django_db

MODELS = (Source, Country, Person, Meeting, Attendance, Pledge, Document, DocumentPoint)


def counts():
    return {model.__name__: model.objects.count() for model in (*MODELS, Page)}


def dump():
    out = io.StringIO()
    call_command(
        "dumpdata",
        "dialogue",
        natural_foreign=True,
        natural_primary=True,
        exclude=[],
        stdout=out,
    )
    return out.getvalue()


def test_loads_into_an_empty_database():
    assert sum(counts().values()) == 0
    call_command("loaddata", "seed", verbosity=0)
    assert counts() == {
        "Source": 9,
        "Country": 7,
        "Person": 7,
        "Meeting": 6,
        "Attendance": 17,
        "Pledge": 1,
        "Document": 3,
        "DocumentPoint": 14,
        "Page": 2,
    }


def test_loading_again_changes_nothing(seed):
    before = counts()
    meeting_ids = sorted(Meeting.objects.values_list("pk", flat=True))
    first = dump()
    call_command("loaddata", "seed", verbosity=0)
    assert counts() == before
    assert sorted(Meeting.objects.values_list("pk", flat=True)) == meeting_ids
    strip = "\n".join(line for line in first.splitlines() if '_at"' not in line)
    again = "\n".join(line for line in dump().splitlines() if '_at"' not in line)
    assert again == strip


def test_fixture_never_names_a_database_id():
    from django.conf import settings

    text = (settings.BASE_DIR / "fixtures" / "seed.json").read_text()
    assert '"pk"' not in text


def test_seed_facts(seed):
    assert Country.objects.get(code="TM").role == "observer"
    assert Country.objects.get(code="AF").role == "guest"
    assert sorted(
        Country.objects.filter(role="member").values_list("code", flat=True)
    ) == [
        "JP",
        "KG",
        "KZ",
        "TJ",
        "UZ",
    ]
    fourth = Meeting.objects.get(kind="foreign_ministers", number=4)
    assert fourth.dates == "10 November 2012"
    assert sorted(fourth.attendances.values_list("person__name", flat=True)) == [
        "Erlan Abdyldaev",
        "Hamrohon Zarifi",
        "Idrisov",
        "Koichiro Gemba",
        "Rashid Meredov",
        "Vladimir Norov",
    ]
    # 2006 in Tokyo: the seed names only Afghanistan's foreign minister, a guest.
    tokyo_2006 = Meeting.objects.get(slug="2006-06-05-foreign-ministers")
    assert [
        (a.country.code, a.person, a.position, a.capacity)
        for a in tokyo_2006.attendances.all()
    ] == [("AF", None, "Minister for Foreign Affairs", "guest")]
    pledge = Pledge.objects.get()
    assert (pledge.donor.code, pledge.currency, str(pledge.amount)) == (
        "JP",
        "USD",
        "700000000.00",
    )
    assert pledge.meeting == fourth
    undated = Meeting.objects.filter(kind="intellectual_dialogue")
    assert [m.dates for m in undated] == ["date unknown", "date unknown"]
    # Every meeting, pledge, document and page cites at least one source.
    for model in (Meeting, Pledge, Document, Page):
        for obj in model.objects.all():
            assert obj.sources.exists(), f"{obj} cites no source"
