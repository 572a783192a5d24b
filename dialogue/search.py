"""Search across meetings, people, participants, documents, pages and sources.

Names come in any script ("Gemba", "Гемба", "玄葉"), so matching must ignore case
for every script, not only ASCII. SQLite's LIKE and LOWER() fold ASCII letters
only, so both sides of every comparison go through :class:`Folded`: on SQLite a
Python function (Unicode NFKC normalisation, then ``str.casefold``) registered on
the connection; on PostgreSQL ``LOWER(NORMALIZE(..., NFKC))`` under a Unicode-aware
collation (ICU where the server has it), since a database created with
``LC_CTYPE=C`` would otherwise fold ASCII only, normalising only the text that is not
in NFKC form already.
"""

import unicodedata
from dataclasses import dataclass, field

from django.db.backends.signals import connection_created
from django.db.models import Case, CharField, F, Func, Q, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.db.models.lookups import Contains
from django.dispatch import receiver
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
from .statements import Statement, union_all

MAX_QUERY_LENGTH = 100
RESULTS_PER_GROUP = 50


def fold(text):
    """What the database compares: the same folding in Python."""
    return unicodedata.normalize("NFKC", text or "").casefold()


class Folded(Func):
    """Case-insensitive form of a text expression, for every script."""

    function = "LOWER"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # capj_fold() is registered on every new SQLite connection (below).
        return super().as_sql(
            compiler, connection, function="capj_fold", **extra_context
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        collation = unicode_collation(connection)
        collate = f' COLLATE "{collation}"' if collation else ""
        text, params = compiler.compile(self.source_expressions[0])
        # NORMALIZE() is most of the cost even where it changes nothing, as for
        # nearly every text: it runs only where the quick check says it must.
        return (
            f"LOWER((CASE WHEN ({text}) IS NFKC NORMALIZED THEN ({text}) "
            f"ELSE NORMALIZE({text}, NFKC) END){collate})",
            (*params, *params, *params),
        )


@receiver(connection_created, dispatch_uid="capj-sqlite-fold")
def register_fold(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("capj_fold", 1, fold, deterministic=True)


# PostgreSQL's LOWER() follows the collation's character type: in a database
# created with LC_CTYPE=C it folds ASCII only. These collations fold every script.
UNICODE_COLLATIONS = ("und-x-icu", "pg_c_utf8", "C.utf8", "C.UTF-8")


def unicode_collation(connection):
    """The first Unicode-aware collation this server has (looked up once per
    connection), or None to keep the database's own."""
    cached = getattr(connection, "_capj_unicode_collation", False)
    if cached is not False:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collname FROM pg_collation WHERE collname = ANY(%s)",
            [list(UNICODE_COLLATIONS)],
        )
        found = {row[0] for row in cursor.fetchall()}
    choice = next((name for name in UNICODE_COLLATIONS if name in found), None)
    connection._capj_unicode_collation = choice
    return choice


def if_published(relation):
    """The name of a related record, or nothing when that record is a draft: a
    draft's name must not make a row match (nor show)."""
    return Case(
        When(**{f"{relation}__published": True}, then=F(f"{relation}__name")),
        default=Value(""),
    )


def matches(query, *fields):
    """A Q matching rows where any of ``fields`` (names or expressions) contains
    ``query``, folded.

    The lookups compare expressions without selecting them, and a field across a
    foreign key joins one row, so the rows stay distinct.
    """
    needle = Folded(Value(query, output_field=CharField()))
    condition = Q()
    for name in fields:
        condition |= Q(Contains(Folded(Coalesce(name, Value(""))), needle))
    return condition


@dataclass
class Group:
    key: str
    label: str
    results: list = field(default_factory=list)
    has_more: bool = False


#: Stands for the search text in :data:`FIRST_MATCHES`; a form field never lets a
#: NUL character through, so no search can be mistaken for it.
NEEDLE = "\x00search text\x00"


def groups():
    """``(key, label, queryset, condition)`` for each group: its published rows in
    the group's order with what its results show, and a function of the search
    text giving the Q its matching rows meet."""

    def document_matches(query):
        # A document also matches through the text of its published points.
        in_points = DocumentPoint.objects.published().filter(
            matches(query, "text", "heading")
        )
        return matches(
            query, "title", "summary", "author_role", if_published("author")
        ) | Q(pk__in=in_points.values("document_id"))

    def fields(*names):
        return lambda query: matches(query, *names)

    return [
        (
            "meetings",
            _("Meetings"),
            Meeting.objects.published().select_related("host").chronological(),
            fields(
                "title", "summary", "outcomes", "city", if_published("host"), "slug"
            ),
        ),
        (
            "people",
            _("People"),
            # By name, then key: FIRST_APPEARANCES must pick the same people.
            # Their first meetings come from that statement.
            Person.objects.published().order_by("name", "pk"),
            fields("name", "other_names"),
        ),
        (
            "participants",
            _("Participants"),
            Country.objects.published(),
            fields("name", "code", "summary"),
        ),
        (
            "documents",
            _("Documents"),
            Document.objects.published().select_related("author"),
            document_matches,
        ),
        (
            "pages",
            _("Pages"),
            Page.objects.published(),
            fields("title", "summary", "body"),
        ),
        (
            "sources",
            _("Sources"),
            Source.objects.published(),
            fields("title", "publisher", "note"),
        ),
    ]


def first_matches(needle):
    """For every group, the first ``RESULTS_PER_GROUP + 1`` matches for ``needle``
    in the group's order, as ``(group, primary key)`` rows."""
    return union_all(
        (
            group,
            queryset.filter(condition(needle)).values(found=F("pk"))[
                : RESULTS_PER_GROUP + 1
            ],
        )
        for group, _label, queryset, condition in groups()
    )


#: Building the groups' folded comparisons through the ORM costs far more than
#: running them, and only the search text changes from one search to the next.
FIRST_MATCHES = Statement(first_matches, NEEDLE)


#: How many of a person's meetings a result names.
APPEARANCES_SHOWN = 3


@dataclass(frozen=True)
class FirstAppearance:
    """One of the first meetings a person found attended, as a result names it."""

    position: str
    capacity: str
    meeting_title: str

    @property
    def capacity_label(self):
        return Attendance.Capacity(self.capacity).label


def first_appearances(needle):
    """The first :data:`APPEARANCES_SHOWN` public meetings of each person a search
    for ``needle`` shows, as ``(person, rank, FirstAppearance fields)`` rows: a few
    a person, however many meetings they attended."""
    people, condition = next(
        (queryset, condition)
        for key, _label, queryset, condition in groups()
        if key == "people"
    )
    shown = people.filter(condition(needle)).values("pk")[:RESULTS_PER_GROUP]
    return (
        Attendance.objects.public()
        .filter(meeting__published=True, person__in=shown)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("person_id"),
                order_by=(F("meeting__start_date").asc(), F("pk").asc()),
            )
        )
        .filter(rank__lte=APPEARANCES_SHOWN)
        .values_list("person_id", "rank", "position", "capacity", "meeting__title")
    )


#: Built once, like FIRST_MATCHES: reading a few meetings of each person found
#: through the ORM costs more, with a few people, than the query itself.
FIRST_APPEARANCES = Statement(first_appearances, NEEDLE)


def with_first_appearances(people, query):
    """Give each person found for ``query`` the ``appearances`` a result names."""
    found = {}
    for person, _rank, *fields in sorted(FIRST_APPEARANCES.rows(query)):
        found.setdefault(person, []).append(FirstAppearance(*fields))
    for person in people:
        person.appearances = found.get(person.pk, [])


def search(query):
    """Published matches for ``query``, grouped by type; empty groups left out.

    One query finds the matches of every group; then one query per group that has
    any (and its prefetches) reads them, whatever the number of results.
    """
    query = (query or "").strip()
    if not query:
        return []
    found = FIRST_MATCHES.grouped(query)
    results = []
    for key, label, queryset, _condition in groups():
        pks = found.get(key)
        if pks:
            # Those rows, in the group's order, with what the page shows of them.
            rows = list(queryset.filter(pk__in=pks[:RESULTS_PER_GROUP]))
            if key == "people":
                with_first_appearances(rows, query)
            results.append(Group(key, label, rows, len(pks) > RESULTS_PER_GROUP))
    return results


def other_names(person):
    return [line.strip() for line in person.other_names.splitlines() if line.strip()]
