"""Search across meetings, people, participants, documents, pages and sources.

Names come in any script and form ("Gemba", "ＧＥＭＢＡ", "Гемба", "玄葉"). Each
searchable record keeps its searchable fields folded (:func:`dialogue.text.fold`:
Unicode NFKC, then case-folded) in its own ``search_text`` column, filled when it
is saved or imported (:class:`dialogue.models.Searchable`). A search folds the
visitor's words once, in Python, and asks each group for the public records whose
column contains them: a plain ``LIKE``, served on PostgreSQL by a trigram index
(migration 0007). A record also matches through a public related record's own
folded text (a meeting through its host's name, a document through its author's
names or its points), so renaming a country or a person changes what finds the
records that name them, with nothing copied to go stale.

On SQLite the column is scanned: no index serves ``LIKE '%words%'`` there, and an
FTS5 table with the trigram tokenizer (tried, kept in sync by triggers) paid only
for rare words. The meetings' query, measured with the seed plus 100 times its
meetings (606): 0.21-0.64 ms scanning against 0.02 ms with FTS5 for a word found
nowhere, but 0.26-0.30 ms against 0.76-1.64 ms for "tokyo" and "meeting", which
match hundreds (FTS5 hands over every match before the 51 first are sorted out);
with 1,000 times (6,006 meetings) 2.2-4.0 ms against 0.02 ms and 7.7-17.5 ms.
"""

from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from .models import (
    Attendance,
    Country,
    Document,
    DocumentPoint,
    Meeting,
    Page,
    Person,
    Source,
)
from .text import fold

MAX_QUERY_LENGTH = 100
RESULTS_PER_GROUP = 50
#: How many of a person's meetings a result names.
APPEARANCES_SHOWN = 3


@dataclass
class Group:
    key: str
    label: str
    results: list = field(default_factory=list)
    has_more: bool = False


def first_appearances():
    """Each person's first :data:`APPEARANCES_SHOWN` public meetings, as the
    Attendance rows a result names (``person.appearances``): a few a person,
    however many meetings they attended (a sliced prefetch, ranked in SQL)."""
    return Prefetch(
        "attendances",
        queryset=Attendance.objects.public()
        .select_related("meeting")
        # Only what a result shows: the prefetch's windowed query is compiled on
        # every search, and each column costs (bench/calls.py: 11,500 -> 9,200
        # Python calls for the people found for "Gemba" with the seed).
        .only("person", "position", "capacity", "meeting__title")
        .order_by(F("meeting__start_date").asc(), "pk")[:APPEARANCES_SHOWN],
        to_attr="appearances",
    )


def groups(needle):
    """``(key, label, queryset)`` for each group, in the page's order: the public
    records whose folded text contains ``needle`` (folded), in the group's order,
    with what its results show."""
    contains = Q(search_text__contains=needle)
    # A related record counts only while visitors may see it: a draft host's or
    # author's name must not make a record match.
    in_host = Country.objects.public_q("host__") & Q(host__search_name__contains=needle)
    in_author = Person.objects.public_q("author__") & Q(
        author__search_text__contains=needle
    )
    in_points = Q(
        pk__in=DocumentPoint.objects.public().filter(contains).values("document_id")
    )
    return [
        (
            "meetings",
            _("Meetings"),
            Meeting.objects.public()
            .filter(contains | in_host)
            .select_related("host")
            .chronological(),
        ),
        (
            "people",
            _("People"),
            Person.objects.public()
            .filter(contains)
            .order_by("name", "pk")
            .prefetch_related(first_appearances()),
        ),
        ("participants", _("Participants"), Country.objects.public().filter(contains)),
        (
            "documents",
            _("Documents"),
            Document.objects.public()
            .filter(contains | in_author | in_points)
            .select_related("author"),
        ),
        ("pages", _("Pages"), Page.objects.public().filter(contains)),
        ("sources", _("Sources"), Source.objects.public().filter(contains)),
    ]


def search(query):
    """Public matches for ``query``, grouped by type; empty groups left out.

    One query a group (and one for the first meetings of the people found),
    whatever the number of records or results.
    """
    needle = fold((query or "").strip())
    if not needle:
        return []
    results = []
    for key, label, queryset in groups(needle):
        rows = list(queryset[: RESULTS_PER_GROUP + 1])
        if rows:
            has_more = len(rows) > RESULTS_PER_GROUP
            results.append(Group(key, label, rows[:RESULTS_PER_GROUP], has_more))
    return results


def other_names(person):
    return [line.strip() for line in person.other_names.splitlines() if line.strip()]
