"""What the public pages read: one function per question a page asks.

Each takes keyword-only arguments and returns a queryset or model instances, built
from the models' ``public()`` querysets (the one home of what visitors may see),
with ``select_related``/``prefetch_related`` for what the page's template shows, so
that no page's number of queries grows with the data.
"""

from django.db.models import (
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import ExtractYear

from .models import (
    Attendance,
    Country,
    Document,
    DocumentFile,
    DocumentPoint,
    Meeting,
    MeetingSeries,
    Page,
    Person,
    Photo,
    Pledge,
    Source,
    live_fields,
)

#: Rows of a related list shown on a detail page before a link to all of them.
PREVIEW_ROWS = 10
#: How many records of each kind a source's page lists.
CITING_ROWS = 50


def public_sources(relation="sources"):
    """Prefetch the public sources of each record as its ``public_sources`` list
    (``cite()`` numbers them); a list, not a manager per record, which a page of a
    hundred rows would otherwise build for each."""
    return Prefetch(
        relation, queryset=Source.objects.public(), to_attr="public_sources"
    )


# The home page and the participants


def participants():
    """The public countries, by name."""
    return Country.objects.public().order_by("name")


def participants_with_meeting_counts():
    """The public countries, by name, each with ``meetings_attended``: the public
    meetings it took part in (``took_part``), as its own page counts them."""
    took_part_in = (
        Meeting.objects.public()
        .filter(took_part(country=OuterRef("pk")))
        .order_by()
        .annotate(count=Func(F("pk"), function="COUNT"))
        .values("count")
    )
    return participants().annotate(
        meetings_attended=Subquery(took_part_in, output_field=IntegerField())
    )


def meetings_held_count():
    return Meeting.objects.public().filter(status=Meeting.Status.HELD).count()


#: What a meeting's row shows (includes/meeting_row.html): not its long texts.
MEETING_ROW_FIELDS = (
    "slug",
    "kind",
    "number",
    "title",
    "status",
    "start_date",
    "start_precision",
    "end_date",
    "end_precision",
    "city",
    "format",
    "host",
    "host__code",
    "host__name",
    *live_fields("host__"),
    "series",
    "series__name",
)


def meeting_rows(meetings):
    """Meetings with what a row of a list shows (a list shows a hundred)."""
    return meetings.select_related("host", "series").only(*MEETING_ROW_FIELDS)


def dated_meetings():
    return Meeting.objects.public().filter(start_date__isnull=False)


def first_meeting():
    """The earliest dated public meeting, or None."""
    return dated_meetings().select_related("host").order_by("start_date", "pk").first()


def latest_meetings(*, limit=5):
    """The latest dated meetings that are not still to come."""
    return (
        meeting_rows(dated_meetings())
        .exclude(status=Meeting.Status.PLANNED)
        .order_by("-start_date", "-pk")[:limit]
    )


def upcoming_meetings(*, limit=3):
    """The public planned meetings, the soonest first (undated ones last)."""
    return (
        meeting_rows(Meeting.objects.public())
        .filter(status=Meeting.Status.PLANNED)
        .order_by(F("start_date").asc(nulls_last=True), "pk")[:limit]
    )


def public_page(*, slug):
    """The public prose page with this slug, or None."""
    return Page.objects.public().filter(slug=slug).first()


def navigation_pages():
    """The public prose pages as the menu lists them: ``(slug, title)``."""
    return Page.objects.public().values_list("slug", "title")


# Pledges


def pledges(*, donor=None, year=None, meeting=None, drafts=False):
    """Public pledges in their order (all, one donor's, one year's or one
    meeting's), with
    what their text shows and cites; with ``drafts`` (for staff), every pledge,
    drafts marked. A meeting's are those its own page shows, which judges the
    meeting itself (staff preview a draft with its pledges)."""
    if meeting is not None:
        found = Pledge.objects.listed_under(drafts=drafts, meeting=meeting)
    else:
        found = Pledge.objects.listed(drafts=drafts)
    if donor is not None:
        found = found.filter(donor=donor)
    if year is not None:
        found = found.filter(announced_on__year=year)
    return pledge_rows(found)


#: The fields a pledge's row shows (includes/pledge_text.html, the pledges page).
PLEDGE_FIELDS = (
    "slug",
    "amount",
    "currency",
    "approximate",
    "announced_on",
    "announced_precision",
    "purpose",
    "donor",
    "donor__code",
    "donor__name",
    "meeting",
    "meeting__slug",
    "meeting__title",
    *live_fields("meeting__"),
)


def pledge_rows(pledges):
    """Pledges with what their rows show and cite, and no more: a list shows a
    hundred, and their timestamps and the donors' and meetings' long texts cost
    more to read than the rest (cProfile, pledges page at 100x the seed)."""
    return (
        pledges.select_related("donor", "meeting")
        .only(*PLEDGE_FIELDS)
        .prefetch_related(public_sources())
    )


def pledge_totals():
    """Sum per currency: amounts in different currencies are never added up."""
    return (
        Pledge.objects.public()
        .order_by()
        .values("currency")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("currency")
    )


def pledge_totals_by_donor():
    """Sum per donor and currency, largest first within each currency."""
    return (
        Pledge.objects.public()
        .order_by()
        .values("currency", "donor__name", "donor__code")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("currency", "-total", "donor__name")
    )


def pledge_totals_by_year():
    """Sum per currency and year announced, in time order within each currency
    (``year`` None for pledges whose date is unknown, last)."""
    return (
        Pledge.objects.public()
        .order_by()
        .values("currency", year=ExtractYear("announced_on"))
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("currency", F("year").asc(nulls_last=True))
    )


# A country's page


def attendances_for(*, country):
    """A country's attendances visitors may see; on a draft country's page (staff
    preview) its rows whatever its own flag."""
    return Attendance.objects.public_under(country=country)


def attended_by(**country):
    """The keys of the meetings a country (``country=`` or ``country__code=``)
    attended, by its attendances visitors may see, for a semi-join on meetings that
    are public themselves. The subquery leaves the meeting's own flag to the outer
    query: joining the meeting again in it made PostgreSQL choose a plan that ran
    past the 60 s statement limit on a fresh database with 100x the data (CI)."""
    rule = Attendance.objects.public_q(skip=("meeting", "country"))
    return Attendance.objects.filter(rule, **country).values("meeting_id")


def took_part(*, country=None, code=None):
    """The rule for the meetings a country (``country``, or its ``code``) took part
    in, as a Q on meetings: those it has an attendance at that visitors may see,
    and those it hosted (a host attends its own meeting, though sources often name
    only its guests)."""
    if code is not None:
        return Q(pk__in=attended_by(country__code=code)) | Q(host__code=code)
    # In a subquery counting each country's meetings, ``country`` is the outer
    # country's key; seen from the attendances, that is one query further out.
    inner = OuterRef(country) if isinstance(country, OuterRef) else country
    return Q(pk__in=attended_by(country=inner)) | Q(host=country)


def meetings_attended(*, country, drafts=False):
    """Public meetings the country took part in (``took_part``), the latest first;
    with ``drafts`` (staff), every meeting it has an attendance at or hosted,
    drafts marked."""
    # A semi-join (pk IN subquery), not a join made distinct: PostgreSQL plans it
    # well even before it has statistics on freshly written tables.
    if drafts:
        attended = Attendance.objects.filter(country=country).values("meeting_id")
        rule = Q(pk__in=attended) | Q(host=country)
    else:
        rule = took_part(country=country)
    return meeting_rows(
        Meeting.objects.listed(drafts=drafts)
        .filter(rule)
        .order_by(F("start_date").desc(nulls_last=True), "-kind", "-number")
    )


def meetings_hosted(*, country, drafts=False):
    return meeting_rows(Meeting.objects.listed(drafts=drafts).filter(host=country))


def representatives(*, country):
    """The public people who came for the country, by name, each with
    ``appearance_count``, how often, and ``latest``: a one-item list of their
    latest attendance for it."""
    mine = attendances_for(country=country)
    latest = (
        mine.select_related("meeting")
        .only("position", "person", "meeting", "meeting__slug", "meeting__title")
        .order_by(F("meeting__start_date").desc(nulls_last=True), "-pk")
    )
    return (
        Person.objects.public()
        .filter(pk__in=mine.values("person_id"))
        .annotate(
            appearance_count=Count(
                "attendances",
                filter=Attendance.objects.public_q("attendances__", skip=("country",))
                & Q(attendances__country=country),
            )
        )
        # A slice of a prefetch: Django ranks each person's rows in SQL and reads
        # only the first (a correlated subquery took 170 ms on PostgreSQL at 100x).
        .prefetch_related(
            Prefetch("attendances", queryset=latest[:1], to_attr="latest")
        )
        .order_by("name", "slug")
    )


def pledges_by(*, country, drafts=False):
    """A country's own pledges, the latest first; with ``drafts`` (staff), every
    one, drafts marked."""
    if drafts:
        found = Pledge.objects.listed(drafts=True).filter(donor=country)
    else:
        found = Pledge.objects.public_under(donor=country)
    return pledge_rows(found.order_by(F("announced_on").desc(nulls_last=True), "slug"))


# The timeline and a meeting's page


def timeline(*, kind="", series="", year=None, participant="", drafts=False):
    """Public meetings in time order, filtered by kind, series (slug), year and
    the code of a country that attended; with ``drafts``, draft meetings too (for
    staff)."""
    meetings = meeting_rows(Meeting.objects.listed(drafts=drafts)).chronological()
    if kind:
        meetings = meetings.filter(kind=kind)
    if series:
        meetings = meetings.filter(series__slug=series)
    if year:
        meetings = meetings.filter(start_date__year=year)
    if participant:
        meetings = meetings.filter(took_part(code=participant))
    return meetings


def timeline_kinds():
    """The kinds of meeting with a public meeting (the timeline's kind links)."""
    return set(Meeting.objects.public().values_list("kind", flat=True).distinct())


def timeline_series():
    """``(slug, name)`` of the series with a public meeting, by name."""
    return (
        MeetingSeries.objects.filter(meetings__in=Meeting.objects.public())
        .distinct()
        .order_by("name")
        .values_list("slug", "name")
    )


def timeline_years():
    """The years with a dated public meeting, the earliest first."""
    return [date.year for date in dated_meetings().dates("start_date", "year")]


def series_neighbours(*, meeting):
    """The public meetings of the same series (of the same kind, for a meeting in
    no series) just before and just after
    ``meeting`` in the timeline's order (date, then number, then address; undated
    ones last), as ``(previous, next)``, each None at an end."""
    date, number, slug = meeting.start_date, meeting.number, meeting.slug
    # After ``meeting`` on the same date: a higher number (none counts lowest),
    # or the same number and a later address.
    if number is None:
        same_day_after = Q(number__isnull=False) | Q(number__isnull=True, slug__gt=slug)
        same_day_before = Q(number__isnull=True, slug__lt=slug)
    else:
        same_day_after = Q(number__gt=number) | Q(number=number, slug__gt=slug)
        same_day_before = (
            Q(number__isnull=True)
            | Q(number__lt=number)
            | Q(number=number, slug__lt=slug)
        )
    if date is None:
        after = Q(start_date__isnull=True) & same_day_after
        before = (
            Q(start_date__isnull=False) | Q(start_date__isnull=True) & same_day_before
        )
    else:
        after = Q(start_date__gt=date) | Q(start_date__isnull=True)
        after |= Q(start_date=date) & same_day_after
        before = Q(start_date__lt=date) | Q(start_date=date) & same_day_before
    series = (
        Meeting.objects.public()
        .filter(kind=meeting.kind)
        .only("slug", "title", "start_date", "start_precision", "kind", "number")
    )
    forwards = (
        F("start_date").asc(nulls_last=True),
        F("number").asc(nulls_first=True),
        "slug",
    )
    backwards = (
        F("start_date").desc(nulls_first=True),
        F("number").desc(nulls_last=True),
        "-slug",
    )
    return (
        series.filter(before).order_by(*backwards).first(),
        series.filter(after).order_by(*forwards).first(),
    )


def attendees(*, meeting, drafts=False):
    """A meeting's attendees its page shows, in the attendances' order (the page
    judges the meeting itself: staff preview a draft with its attendees); with
    ``drafts`` (staff), those visitors would not see too, marked."""
    return Attendance.objects.listed_under(
        drafts=drafts, meeting=meeting
    ).select_related("person", "country")


def documents_of(*, meeting):
    return (
        Document.objects.public()
        .filter(meeting=meeting)
        .prefetch_related(public_sources())
    )


# Documents and sources


def documents():
    return (
        Document.objects.public()
        .select_related("author")
        .order_by(F("date").asc(nulls_last=True), "title", "slug")
    )


def points(*, document, drafts=False):
    """A document's points visitors may see on its page; with ``drafts`` (staff),
    every point, those visitors would not see marked."""
    return DocumentPoint.objects.listed_under(drafts=drafts, document=document)


def files(*, document):
    """A document's files visitors may fetch from its page (the page judges the
    document itself: staff preview a draft with its files)."""
    return DocumentFile.objects.public_under(document=document).select_related(
        "document"
    )


def photos(*, meeting):
    """A meeting's photos visitors may see on its page."""
    return Photo.objects.public_under(meeting=meeting)


def sources():
    return Source.objects.public().order_by("title", "slug")


def records_citing(*, source):
    """``{kind: records}`` for the public records of each kind citing ``source``:
    the first :data:`CITING_ROWS` + 1 of each, in each kind's order."""
    citing = {
        "countries": Country.objects.public(),
        "meetings": Meeting.objects.public(),
        "pledges": Pledge.objects.public().select_related("donor"),
        "documents": Document.objects.public(),
        "pages": Page.objects.public(),
    }
    return {
        kind: list(queryset.filter(sources=source)[: CITING_ROWS + 1])
        for kind, queryset in citing.items()
    }


# The map (dialogue/maps.py)


def meeting_cities():
    """Where the public meetings were held: ``city``, ``host__code`` (which of
    two places of one name is meant) and ``count``, one row for each pair."""
    return (
        Meeting.objects.public()
        .filter(status=Meeting.Status.HELD)
        .exclude(city="")
        .order_by()
        .values("city", "host__code")
        .annotate(count=Count("pk"))
        .order_by("city", "host__code")
    )
