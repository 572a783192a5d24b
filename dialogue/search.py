"""Search across meetings, people, participants, documents, pages and sources.

Names come in any script and form ("Gemba", "ＧＥＭＢＡ", "Гемба", "玄葉"). Each
searchable record keeps its searchable fields folded (:func:`dialogue.text.fold`:
Unicode NFKC, then case-folded) in its own ``search_text`` column, filled when it
is saved or imported (:class:`dialogue.models.Searchable`). A search folds the
visitor's words once, in Python, and asks for the public records whose column
contains them: a plain ``LIKE`` (``contains``, which escapes ``%`` and ``_``),
served on PostgreSQL by a trigram index (migration 0008). A record also matches
through a public related record's own folded text (a meeting through its host's
name, a document through its author's names or its points), so renaming a
country or a person changes what finds the records that name them, with nothing
copied to go stale.

On SQLite the column is scanned: no index serves ``LIKE '%words%'`` there, and an
FTS5 table with the trigram tokenizer (a virtual table that triggers would have
to keep in step) paid only for rare words. The meetings' query, measured with the
seed plus 100 times its meetings (606): 0.21-0.64 ms scanning against 0.02 ms
with FTS5 for a word found nowhere, but 0.26-0.30 ms against 0.76-1.64 ms for
"tokyo" and "meeting", which match hundreds (FTS5 hands over every match before
the first 51 are sorted out); with 1,000 times (6,006 meetings) 2.2-4.0 ms
against 0.02 ms, and 3.2-4.0 ms against 7.7-17.5 ms.
"""

from dataclasses import dataclass, field
from operator import attrgetter

from django.db.models import CharField, Count, F, Prefetch, Q, Value, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from .highlight import explain, highlight
from .jinja2 import lines
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
    #: How many records of the group match, shown or not.
    count: int = 0

    @property
    def has_more(self):
        return self.count > len(self.results)


#: Each person's first :data:`APPEARANCES_SHOWN` public meetings, as the Attendance
#: rows a result names (``person.appearances``, with their meeting's title as
#: ``meeting_title``): a few a person, however many meetings they attended,
#: ranked in SQL by a window over each person's rows.
#:
#: Built once, like the groups below, reading only what a result shows, in no
#: order (:func:`search` puts each person's in order): the ranked query is
#: compiled on every search that finds someone, and a slice of the prefetch
#: (``[:3]``, which Django turns into the same window on every search), every
#: column, the meeting's own columns and an ORDER BY around the window cost. The
#: people found for "Gemba" with the seed, with their meetings (bench/calls.py):
#: 10,100 Python calls as a sliced prefetch of every column, 8,000 of the columns
#: shown with the meeting, 5,700 ordered by rank in SQL, 4,700 unordered, 3,700
#: this way.
FIRST_APPEARANCES = Prefetch(
    "attendances",
    queryset=Attendance.objects.public()
    .only("person", "position", "capacity")
    .annotate(
        meeting_title=F("meeting__title"),
        rank=Window(
            RowNumber(),
            partition_by=F("person"),
            order_by=(F("meeting__start_date").asc(), F("pk").asc()),
        ),
    )
    .filter(rank__lte=APPEARANCES_SHOWN)
    .order_by(),
    to_attr="appearances",
)

#: ``(key, label, queryset)`` for each group, in the page's order: its public
#: records in the group's order, with what its results show. Like a view's
#: ``queryset`` attribute, built once and cloned by every search with its own
#: condition, never evaluated itself. Building them, and :data:`FINDERS`, on every
#: search took the search page for "Gemba" with the seed from 12,900 Python calls
#: to 18,100 (bench/calls.py).
GROUPS = (
    (
        "meetings",
        _("Meetings"),
        Meeting.objects.public().select_related("host", "series").chronological(),
    ),
    (
        "people",
        _("People"),
        # By name, then key: namesakes keep one order, page after page.
        Person.objects.public()
        .order_by("name", "pk")
        .prefetch_related(FIRST_APPEARANCES),
    ),
    ("participants", _("Participants"), Country.objects.public()),
    ("documents", _("Documents"), Document.objects.public().select_related("author")),
    ("pages", _("Pages"), Page.objects.public()),
    ("sources", _("Sources"), Source.objects.public()),
)

#: Each group's records as :func:`group_counts` reads them: how many, and the
#: group's key.
FINDERS = {
    key: queryset.order_by()
    .prefetch_related(None)
    .annotate(group=Value(key, output_field=CharField()))
    .values("group")
    .annotate(found=Count("pk"))
    .values_list("group", "found")
    for key, _label, queryset in GROUPS
}


#: Through what a record may also match: related records visitors may see (a
#: draft host's or author's name, or a draft point, must not make a record match).
PUBLIC_HOST = Country.objects.public_q("host__")
PUBLIC_AUTHOR = Person.objects.public_q("author__")
PUBLIC_POINTS = DocumentPoint.objects.public()


def conditions(needle):
    """For each group's key, the Q its records meet when their folded text, or a
    public related record's, contains ``needle`` (folded)."""
    contains = Q(search_text__contains=needle)
    in_host = PUBLIC_HOST & Q(host__search_name__contains=needle)
    # The author's names and position: neither matches with a draft author, as
    # the document's page shows neither (Document.public_with).
    in_author = PUBLIC_AUTHOR & (
        Q(author__search_text__contains=needle) | Q(search_role__contains=needle)
    )
    in_points = Q(pk__in=PUBLIC_POINTS.filter(contains).values("document_id"))
    special = {
        "meetings": contains | in_host,
        "documents": contains | in_author | in_points,
    }
    return {key: special.get(key, contains) for key, _label, _queryset in GROUPS}


def group_counts(condition):
    """``{key: how many}`` for the groups with records meeting their
    ``condition``, in one query.

    Most searches are for a name or a place and find one or two groups: asking
    first which groups have matches, then reading only those, takes 4 queries for
    "Gemba" instead of 8 (one a group, the people's meetings, the menu), and on
    the benchmark's busy two cores each is a round trip to another process. The
    search page with the seed, this way against reading every group: "Gemba"
    12,900 Python calls against 17,700 (bench/calls.py); a word found in five
    groups ("meeting") pays for the extra query, 21,200 against 17,600. Counting
    the matches costs what finding them did (the set of groups was a UNION, which
    reads every match too), and lets the page say how many each group has past
    the :data:`RESULTS_PER_GROUP` it shows.
    """
    first, *others = (finder.filter(condition[key]) for key, finder in FINDERS.items())
    return {key: found for key, found in first.union(*others, all=True) if found}


def search(query):
    """Public matches for ``query``, grouped by type; empty groups left out.

    One query counts the matches of each group, then one query reads each group
    with matches (and one the first meetings of the people found, one the first
    matching point of the documents found), whatever the number of records or
    results. Each result gets ``match`` (dialogue.highlight.Match): why it was
    found, its words marked.
    """
    needle = fold((query or "").strip())
    if not needle:
        return []
    condition = conditions(needle)
    counts = group_counts(condition)
    results = []
    for key, label, queryset in GROUPS:
        if key in counts:
            found = queryset.filter(condition[key])
            if key == "documents":
                found = found.prefetch_related(matching_points(needle))
            rows = list(found[:RESULTS_PER_GROUP])
            if key == "people":
                for person in rows:
                    person.appearances.sort(key=attrgetter("rank"))
            for record in rows:
                record.match = explain_result(key, record, needle)
            results.append(Group(key, label, rows, counts[key]))
    return results


def matching_points(needle):
    """Each document's first public point holding the words, as
    ``document.matching_points`` (a list of at most one)."""
    return Prefetch(
        "points",
        queryset=PUBLIC_POINTS.filter(search_text__contains=needle)
        .only("document", "number", "heading", "text")
        .order_by("number")[:1],
        to_attr="matching_points",
    )


def explain_result(key, record, needle):
    """Why ``record`` of group ``key`` was found (dialogue.highlight.Match): its
    title marked and, when the words are not in it, the first other field search
    read that holds them, as a visitor may see it: a host or author only when
    public (a draft's name never makes a record match, see :func:`conditions`).

    "tokyo" finds Afghanistan, for instance, through its summary: "its foreign
    minister attended the 2006 Tokyo meeting as a guest", which the result now
    shows.
    """
    if key == "meetings":
        host = record.public_host
        fields = [
            (_("Summary"), record.summary),
            (_("Outcomes"), record.outcomes),
            (_("City"), record.city),
            (_("Host"), host.name if host else ""),
            (_("Address"), record.slug),
        ]
        return explain(record.title, fields, needle)
    if key == "people":
        match = explain(record.name, [], needle)
        # Every other name is shown; each marked where the words are.
        record.other_names_marked = [
            highlight(name, needle) for name in lines(record.other_names)
        ]
        return match
    if key == "participants":
        fields = [(_("Code"), record.code), (_("Summary"), record.summary)]
        return explain(record.name, fields, needle)
    if key == "documents":
        author = record.public_author
        fields = [(_("Summary"), record.summary)]
        if author is not None:
            fields += [(_("By"), author.name)]
            fields += [(_("By"), name) for name in lines(author.other_names)]
            fields += [(_("Author's position"), record.author_role)]
        fields += [
            (_("Point %(number)s") % {"number": point.number}, text)
            for point in record.matching_points
            for text in (point.text, point.heading)
        ]
        return explain(record.title, fields, needle)
    if key == "pages":
        fields = [(_("Summary"), record.summary), (_("Text"), record.body)]
        return explain(record.title, fields, needle)
    fields = [(_("Publisher"), record.publisher), (_("Note"), record.note)]
    return explain(record.title, fields, needle)
