"""What the people index and a person's page read (dialogue/people_views.py):
one function per question, as in dialogue/selectors.py."""

from django.db.models import Count, F, Max, Min, Q

from .models import Attendance, Country, Document, Person, live_fields
from .selectors import public_sources
from .text import fold

# The people index


def people_index(*, letter="", country="", q="", drafts=False):
    """The public people in the index's order (their names as
    :func:`dialogue.text.sort_key` has them), of one A–Z group (``letter``), who
    came for one participant (``country``, its upper-case code), and whose names
    contain ``q`` (folded as search folds it); with ``drafts`` (staff), every
    person, drafts marked by ``is_public``.

    Each filter is an indexed condition: the group and order one B-tree range
    (``person_initial``), the participant a semi-join on the attendances'
    country index, the words the names' trigram index on PostgreSQL."""
    people = Person.objects.listed(drafts=drafts).only(
        "slug", "name", "other_names", *live_fields()
    )
    if letter:
        people = people.filter(name_initial=letter)
    if country:
        people = people.filter(pk__in=attended_for(country__code=country))
    if q:
        people = people.filter(search_text__contains=fold(q))
    return people.order_by("sort_name", "pk")


def attended_for(**country):
    """The keys of the people with an attendance visitors may see for a country
    (``country__code=``)."""
    return (
        Attendance.objects.public()
        .filter(person__isnull=False, **country)
        .values("person_id")
    )


def countries_of(*, people):
    """``{person key: [(country, meetings)]}``: for each of ``people`` (one
    page of the index), the public participants they came for and at how many
    public meetings, the most first. One grouped query, at most a few rows a
    person."""
    rows = (
        Attendance.objects.public()
        .filter(person__in=[person.pk for person in people])
        .order_by()
        .values("person_id", "country__code", "country__name")
        .annotate(meetings=Count("meeting", distinct=True))
        .order_by("person_id", "-meetings", "country__name")
    )
    found = {}
    for row in rows:
        found.setdefault(row["person_id"], []).append(
            (row["country__code"], row["country__name"], row["meetings"])
        )
    return found


# A person's page

#: How many positions a person's page lists (a person holds a few over a career).
POSITION_ROWS = 50


def positions_held(*, person):
    """A person's positions over time, from the attendances visitors may see:
    one row per position and country, with the first and last meeting's start
    date (``first``, ``last``) and ``meetings``, in the order first held."""
    return (
        Attendance.objects.public()
        .filter(person=person)
        .order_by()
        .values("position", "capacity", "country__code", "country__name")
        .annotate(
            first=Min("meeting__start_date"),
            last=Max("meeting__start_date"),
            meetings=Count("meeting", distinct=True),
        )
        .order_by(F("first").asc(nulls_last=True), "position", "country__name")[
            :POSITION_ROWS
        ]
    )


def countries_represented(*, person):
    """The public participants a person came for, each with ``meetings``: at
    how many of the public meetings, the most first."""
    return (
        Country.objects.public()
        .filter(pk__in=attendances_of(person=person).values("country_id"))
        .annotate(
            meetings=Count(
                "attendances",
                filter=Attendance.objects.public_q("attendances__", skip=("country",))
                & Q(attendances__person=person),
            )
        )
        .order_by("-meetings", "name")
    )


def attendances_of(*, person):
    return Attendance.objects.public().filter(person=person)


#: The fields a row of a person's meetings shows.
APPEARANCE_FIELDS = (
    "position",
    "capacity",
    "meeting",
    "country",
    *(
        f"meeting__{name}"
        for name in (
            "slug",
            "title",
            "start_date",
            "start_precision",
            "end_date",
            "end_precision",
        )
    ),
    "country__code",
    "country__name",
)


def appearances(*, person):
    """A person's attendances visitors may see, in the meetings' order, with the
    meeting's sources."""
    return (
        Attendance.objects.public()
        .filter(person=person)
        .select_related("meeting", "country")
        # What a row shows (a page has a hundred): not the meetings' long texts.
        .only(*APPEARANCE_FIELDS)
        .prefetch_related(public_sources("meeting__sources"))
        .order_by(
            F("meeting__start_date").asc(nulls_last=True),
            "meeting__kind",
            "meeting__number",
            "pk",
        )
    )


def documents_by(*, person):
    return (
        Document.objects.public()
        .filter(author=person)
        .prefetch_related(public_sources())
    )
