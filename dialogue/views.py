from django import forms
from django.contrib.sitemaps.views import x_robots_tag
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, F, Prefetch, Q, Sum, Value, Window
from django.db.models.functions import ExtractYear, RowNumber
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView, TemplateView

from . import opendata, sitemaps, structured_data
from .charts import pledge_charts
from .citations import (
    Citations,
    CitationsMixin,
    citing,
    sources_by_record,
    sources_of,
)
from .models import (
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
from .rows import (
    Appearance,
    Attendee,
    CitingRecord,
    DocumentLink,
    PageSummary,
    PledgeRow,
    Point,
    Representative,
    as_text,
    pledge_rows,
)
from .search import MAX_QUERY_LENGTH, other_names, search
from .statements import (
    ID_STAND_IN,
    LIMIT_STAND_IN,
    OFFSET_STAND_IN,
    RowsPage,
    Statement,
    count_of,
    sliced,
    union_all,
)


def published_sources():
    return Prefetch("sources", queryset=Source.objects.published())


def pledge_totals(pledges):
    """Sum per currency: amounts in different currencies are never added up."""
    return (
        pledges.order_by()
        .values("currency")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("currency")
    )


def pledge_totals_by_donor(pledges):
    """Sum per donor and currency, largest first within each currency."""
    return (
        pledges.order_by()
        .values("currency", "donor__name", "donor__code")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("currency", "-total", "donor__name")
    )


def currency_totals(by_donor):
    """The sums per currency of :func:`pledge_totals_by_donor`'s rows, in the same
    form as :func:`pledge_totals`, without asking the database again."""
    totals = {}
    for row in by_donor:
        total = totals.setdefault(
            row["currency"], {"currency": row["currency"], "total": 0, "count": 0}
        )
        total["total"] += row["total"]
        total["count"] += row["count"]
    return [totals[currency] for currency in sorted(totals)]


#: Rows per page of a long list: enough to scan, few enough to render quickly.
PAGE_SIZE = 100
#: Rows of a related list shown on a detail page before a link to all of them.
PREVIEW_ROWS = 10


def paginate(request, rows, per_page):
    """One page of ``rows`` (a queryset, or a :class:`RowsPage`), as a ListView
    paginates: the first page without ``?page=``, a 404 for a page that does not
    exist."""
    try:
        return Paginator(rows, per_page).page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404 from exc


def country_attendances(country):
    """A country's attendances visitors may see (``country`` a record or its key)."""
    return Attendance.objects.public(country=country).filter(meeting__published=True)


def meetings_attended(country):
    # Semi-joins (pk IN subquery), not joins made distinct: PostgreSQL plans them
    # well even before it has statistics on freshly written tables.
    attended = country_attendances(country)
    return Meeting.objects.published().filter(pk__in=attended.values("meeting_id"))


def people_attending(country):
    attended = country_attendances(country)
    return Person.objects.published().filter(pk__in=attended.values("person_id"))


def pledges_of(country):
    """A country's own pledges, the latest first: its page's, whether the country is
    published or previewed by staff."""
    return (
        Pledge.objects.published()
        .filter(donor=country)
        .order_by(F("announced_on").desc(nulls_last=True), "slug")
    )


def participant_lists(country):
    """``(name, value)`` rows for a country's page: how many rows each of its
    lists has, and the keys of each list's first rows, in the list's order."""
    attended = meetings_attended(country).order_by(
        F("start_date").desc(nulls_last=True), "-kind", "-number"
    )
    hosted = Meeting.objects.published().filter(host=country)
    return union_all(
        [
            ("meeting count", count_of(attended)),
            ("hosted count", count_of(hosted)),
            ("people count", count_of(people_attending(country))),
            ("pledge count", count_of(pledges_of(country))),
            ("meetings", attended.values("pk")[:PREVIEW_ROWS]),
            ("hosted", hosted.values("pk")[:PREVIEW_ROWS]),
        ]
    )


#: A country's page finds what its lists show in one statement, built once.
PARTICIPANT_LISTS = Statement(participant_lists, ID_STAND_IN)


#: The pledges a country's page lists, as :class:`PledgeRow` fields.
PARTICIPANT_PLEDGES = Statement(
    lambda country: pledge_rows(pledges_of(country)[:PREVIEW_ROWS]), ID_STAND_IN
)


def participant_citations(country):
    """The sources of a country and of the pledges its page shows."""
    shown = pledges_of(country).values("pk")[:PREVIEW_ROWS]
    return union_all(
        [citing(Country, country=country), citing(Pledge, pledge__in=shown)]
    )


PARTICIPANT_CITATIONS = Statement(participant_citations, ID_STAND_IN)


def participant_people(country, limit, offset):
    """One slice of a country's people, by name, as :class:`Representative`
    fields: each person's latest attendance for the country, and how many."""
    by_person = {"partition_by": F("person")}
    latest = (
        country_attendances(country)
        .filter(person__published=True)
        .annotate(
            appearance_count=Window(Count("pk"), **by_person),
            recency=Window(
                RowNumber(),
                order_by=[
                    F("meeting__start_date").desc(nulls_last=True),
                    F("pk").desc(),
                ],
                **by_person,
            ),
        )
        .filter(recency=1)
        .order_by("person__name", "person__slug")
        .values_list(
            "person__slug",
            "person__name",
            "appearance_count",
            "position",
            "meeting__slug",
            "meeting__title",
        )
    )
    return sliced(latest)


PARTICIPANT_PEOPLE = Statement(
    participant_people, ID_STAND_IN, LIMIT_STAND_IN, OFFSET_STAND_IN
)


def by_key(queryset, keys):
    """The records of ``queryset`` with these primary keys, by key."""
    return {record.pk: record for record in queryset.filter(pk__in=keys)}


def pick(records, keys):
    """The records (by key) with these keys, in the keys' order; a key whose
    record went in the meantime is passed over."""
    return [records[key] for key in keys if key in records]


def timeline_choices():
    """The timeline filter's lists: ``("participant", code, name)`` for each
    published country, by name, and ``("year", year, "")`` for each year with a
    published meeting, the earliest first."""
    years = (
        Meeting.objects.published()
        .filter(start_date__isnull=False)
        .annotate(year=as_text(ExtractYear("start_date")), blank=Value(""))
        .values_list("year", "blank")
        .distinct()
        .order_by("year")
    )
    return union_all(
        [
            ("participant", Country.objects.published().values_list("code", "name")),
            ("year", years),
        ]
    )


TIMELINE_CHOICES = Statement(timeline_choices)


class PreviewMixin:
    """Staff who may view a kind of record see its drafts, clearly marked.

    Visitors get a 404 for a draft. A draft page is never stored by a shared cache
    or the browser (``Cache-Control: private, no-store``) nor indexed.
    """

    def can_preview(self):
        user = self.request.user
        opts = self.model._meta
        return (
            user.is_active
            and user.is_staff
            and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
        )

    def visible(self, queryset):
        return queryset if self.can_preview() else queryset.published()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("is_draft", not self.object.published)
        return super().get_context_data(**kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.published:
            patch_cache_control(response, private=True, no_store=True)
            response["X-Robots-Tag"] = "noindex"
        return response


def home_meetings():
    """``(name, value)`` rows for the home page: how many meetings were held, and
    the keys of the first meeting and of the latest five."""
    dated = Meeting.objects.published().filter(start_date__isnull=False)
    return union_all(
        [
            (
                "held",
                count_of(
                    Meeting.objects.published().filter(status=Meeting.Status.HELD)
                ),
            ),
            ("first", dated.order_by("start_date", "pk").values("pk")[:1]),
            ("latest", dated.order_by("-start_date", "-pk").values("pk")[:5]),
        ]
    )


HOME_MEETINGS = Statement(home_meetings)
#: The page the home page introduces the Dialogue with.
ABOUT_PAGE = Statement(
    lambda: Page.objects.published().filter(slug="about").values_list("slug", "summary")
)


class HomeView(TemplateView):
    template_name = "dialogue/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        countries = list(Country.objects.published())
        rows = HOME_MEETINGS.grouped()
        meetings = by_key(
            Meeting.objects.select_related("host"),
            rows.get("first", []) + rows.get("latest", []),
        )
        members = [c for c in countries if c.role == Country.Role.MEMBER]
        observers = [c for c in countries if c.role == Country.Role.OBSERVER]
        # "Kazakhstan, Kyrgyzstan, Tajikistan and Uzbekistan": Japan's partners.
        partners = get_text_list([c.name for c in members if c.code != "JP"], _("and"))
        observer_names = get_text_list([c.name for c in observers], _("and"))
        first_meeting = next(iter(pick(meetings, rows.get("first", []))), None)
        founded = (
            first_meeting.start.date.year
            if first_meeting and first_meeting.start.known
            else None
        )
        context.update(
            partners=partners,
            observer_names=observer_names,
            about=next((PageSummary(*row) for row in ABOUT_PAGE.rows()), None),
            countries=countries,
            members=members,
            observers=observers,
            meetings_held=rows["held"][0],
            first_meeting=first_meeting,
            latest_meetings=pick(meetings, rows.get("latest", [])),
            pledge_totals=pledge_totals(Pledge.objects.public()),
            json_ld=structured_data.organization(
                self.request,
                members,
                description=organization_description(
                    founded, partners, [c.name for c in observers]
                ),
                founded=founded,
            ),
        )
        return context


def organization_description(founded, partners, observers):
    """The Dialogue in words, from the data, as the home page says it."""
    opened = (
        _("A dialogue framework opened by Japan in %(year)s with %(partners)s.")
        if founded
        else _("A dialogue framework opened by Japan with %(partners)s.")
    ) % {"year": founded, "partners": partners}
    return " ".join([opened, role_sentence(Country.Role.OBSERVER, observers)]).strip()


#: How a role is said of one country and of several.
ROLE_SENTENCES = {
    Country.Role.MEMBER: (
        _("The Dialogue's only member is %(names)s."),
        _("The Dialogue's members are %(names)s."),
    ),
    Country.Role.OBSERVER: (
        _("%(names)s takes part as an observer."),
        _("%(names)s take part as observers."),
    ),
    Country.Role.GUEST: (
        _("%(names)s has attended as a guest."),
        _("%(names)s have attended as guests."),
    ),
}


def role_sentence(role, names):
    """The sentence saying that the countries ``names`` take part in ``role``, or
    nothing when there are none."""
    if not names:
        return ""
    singular, plural = ROLE_SENTENCES[role]
    text = singular if len(names) == 1 else plural
    return text % {"names": get_text_list(names, _("and"))}


def roles_summary(countries):
    """Who takes part in which role, in sentences, from the countries themselves:
    'The Dialogue's members are Japan, Kazakhstan and Uzbekistan. Turkmenistan
    takes part as an observer. Afghanistan has attended as a guest.'"""
    by_role = {role: [] for role in Country.Role.values}
    for country in countries:
        by_role[country.role].append(country.name)
    sentences = (role_sentence(role, by_role[role]) for role in ROLE_SENTENCES)
    return " ".join(sentence for sentence in sentences if sentence)


class ParticipantListView(ListView):
    template_name = "dialogue/participant_list.html"
    context_object_name = "countries"

    def get_queryset(self):
        # Ordered here: a GROUP BY query does not use the model's default ordering.
        return (
            Country.objects.published()
            .order_by("name")
            .annotate(
                meetings_attended=Count(
                    "attendances__meeting",
                    # The rows the country's own page lists (AttendanceQuerySet.public).
                    filter=Q(
                        attendances__published=True,
                        attendances__meeting__published=True,
                    )
                    & (
                        Q(attendances__person__isnull=True)
                        | Q(attendances__person__published=True)
                    ),
                    distinct=True,
                )
            )
        )

    def get_context_data(self, **kwargs):
        countries = list(self.object_list)  # one query for the table and the summary
        kwargs["object_list"] = countries
        kwargs["roles_summary"] = roles_summary(countries)
        return super().get_context_data(**kwargs)


class ParticipantDetailView(PreviewMixin, DetailView):
    model = Country
    template_name = "dialogue/participant_detail.html"
    context_object_name = "country"

    def get_object(self, queryset=None):
        code = self.kwargs["code"]
        if code != code.lower():
            raise Http404
        try:
            return self.visible(Country.objects.all()).get(code=code.upper())
        except Country.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        country = self.object
        lists = PARTICIPANT_LISTS.grouped(country.pk)
        attended, hosted = lists.get("meetings", []), lists.get("hosted", [])
        # One query for the meetings attended and those hosted.
        meetings = by_key(Meeting.objects.select_related("host"), attended + hosted)
        [people_count] = lists["people count"]
        people = RowsPage(
            PARTICIPANT_PEOPLE, (country.pk,), people_count, Representative
        )
        kwargs.update(
            meetings=pick(meetings, attended),
            meeting_count=lists["meeting count"][0],
            hosted=pick(meetings, hosted),
            hosted_count=lists["hosted count"][0],
            people_page=paginate(self.request, people, PAGE_SIZE),
            pledges=[PledgeRow(*row) for row in PARTICIPANT_PLEDGES.rows(country.pk)],
            pledge_count=lists["pledge count"][0],
            citations=Citations(
                sources_by_record(PARTICIPANT_CITATIONS.rows(country.pk))
            ),
        )
        return super().get_context_data(**kwargs)


def appearances_of(person):
    """A person's attendances visitors may see, in the meetings' order."""
    return (
        Attendance.objects.published()
        .filter(person=person, meeting__published=True, country__published=True)
        .order_by(
            F("meeting__start_date").asc(nulls_last=True),
            "meeting__kind",
            "meeting__number",
            "pk",
        )
    )


def person_appearances(person, limit, offset):
    """One slice of a person's appearances, as :class:`Appearance` fields (dates
    as text whatever the database)."""
    return sliced(
        appearances_of(person)
        .annotate(
            start=as_text("meeting__start_date"), end=as_text("meeting__end_date")
        )
        .values_list(
            "meeting_id",
            "meeting__slug",
            "meeting__title",
            "start",
            "meeting__start_precision",
            "end",
            "meeting__end_precision",
            "position",
            "country__code",
            "country__name",
            "capacity",
        )
    )


def person_citations(person):
    """The sources of the meetings a person attended and of their documents."""
    return union_all(
        [
            citing(Meeting, meeting__in=appearances_of(person).values("meeting_id")),
            citing(Document, document__author=person),
        ]
    )


#: A person's page counts, reads and cites their appearances by statements.
PERSON_APPEARANCE_COUNT = Statement(
    lambda person: count_of(appearances_of(person)), ID_STAND_IN
)
PERSON_APPEARANCES = Statement(
    person_appearances, ID_STAND_IN, LIMIT_STAND_IN, OFFSET_STAND_IN
)
PERSON_CITATIONS = Statement(person_citations, ID_STAND_IN)


class PersonDetailView(PreviewMixin, DetailView):
    model = Person
    template_name = "dialogue/person_detail.html"
    context_object_name = "person"

    def get_queryset(self):
        return self.visible(Person.objects.all()).prefetch_related(
            Prefetch(
                "documents",
                queryset=Document.objects.published(),
                to_attr="public_documents",
            ),
        )

    def get_context_data(self, **kwargs):
        person = self.object
        [(count,)] = PERSON_APPEARANCE_COUNT.rows(person.pk)
        page = paginate(
            self.request,
            RowsPage(PERSON_APPEARANCES, (person.pk,), count, Appearance),
            PAGE_SIZE,
        )
        shown = {appearance.citation_key for appearance in page}
        shown.update(("dialogue.document", doc.pk) for doc in person.public_documents)
        kwargs["citations"] = Citations(
            sources_by_record(PERSON_CITATIONS.rows(person.pk), shown)
        )
        kwargs["appearances_page"] = page
        kwargs["other_names"] = other_names(person)
        return super().get_context_data(**kwargs)


class MeetingFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds"))] + Meeting.Kind.choices,
        required=False,
    )
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=1991, max_value=2100
    )
    participant = forms.ChoiceField(label=_("Participant"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.years = [("", _("All years"))]
        participants = [("", _("All participants"))]
        for kind, value, label in TIMELINE_CHOICES.rows():
            if kind == "participant":
                participants.append((value.lower(), label))
            else:
                self.years.append((value, value))
        self.fields["participant"].choices = participants


class MeetingListView(ListView):
    template_name = "dialogue/meeting_list.html"
    context_object_name = "meetings"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        meetings = Meeting.objects.published().select_related("host").chronological()
        self.filter_form = MeetingFilterForm(self.request.GET or None)
        if self.filter_form.is_valid():
            kind = self.filter_form.cleaned_data["kind"]
            year = self.filter_form.cleaned_data["year"]
            participant = self.filter_form.cleaned_data["participant"]
            if kind:
                meetings = meetings.filter(kind=kind)
            if year:
                meetings = meetings.filter(start_date__year=year)
            if participant:
                attended = Attendance.objects.public().filter(
                    country__code=participant.upper()
                )
                meetings = meetings.filter(pk__in=attended.values("meeting_id"))
        elif self.filter_form.is_bound:
            meetings = meetings.none()
        return meetings

    def get_context_data(self, **kwargs):
        form = self.filter_form
        kwargs["filter_form"] = form
        # The filter's lists, as (value, label, selected): written out by the
        # template, much faster than the form's widgets rendering them.
        chosen = {name: str(form[name].value() or "") for name in form.fields}
        kwargs["options"] = {
            name: [
                (str(value), label, str(value) == chosen[name])
                for value, label in choices
            ]
            for name, choices in (
                ("kind", form.fields["kind"].choices),
                ("year", form.years),
                ("participant", form.fields["participant"].choices),
            )
        }
        kwargs["list_url"] = reverse("dialogue:meeting-list")
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        kwargs["filtered"] = bool(
            data.get("kind") or data.get("year") or data.get("participant")
        )
        kwargs["kind_label"] = dict(Meeting.Kind.choices).get(data.get("kind"), "")
        kwargs["year_chosen"] = data.get("year")
        participant = data.get("participant")
        kwargs["participant_name"] = (
            dict(form.fields["participant"].choices)[participant] if participant else ""
        )
        kwargs["kinds"] = [
            {"value": value, "label": label, "current": data.get("kind") == value}
            for value, label in Meeting.Kind.choices
        ]
        return super().get_context_data(**kwargs)


def meeting_citations(meeting):
    """The sources of a meeting and of its pledges and documents."""
    return union_all(
        [
            citing(Meeting, meeting=meeting),
            citing(Pledge, pledge__meeting=meeting),
            citing(Document, document__meeting=meeting),
        ]
    )


#: A meeting's page reads which sources its records cite in one statement.
MEETING_CITATIONS = Statement(meeting_citations, ID_STAND_IN)


def meeting_attendees(meeting):
    """A meeting's attendees visitors may see (for a published country, and not a
    draft person), as :class:`Attendee` fields, in the attendances' order."""
    return (
        Attendance.objects.public()
        .filter(meeting=meeting)
        .values_list(
            "person__slug",
            "person__name",
            "position",
            "country__code",
            "country__name",
            "capacity",
        )
    )


#: A meeting's page reads its attendees in one statement, built once.
MEETING_ATTENDEES = Statement(meeting_attendees, ID_STAND_IN)


def meeting_documents(meeting):
    """A meeting's published documents, as :class:`DocumentLink` fields."""
    return (
        Document.objects.published()
        .filter(meeting=meeting)
        .values_list("pk", "slug", "title", "kind")
    )


MEETING_DOCUMENTS = Statement(meeting_documents, ID_STAND_IN)
MEETING_PLEDGES = Statement(
    lambda meeting: pledge_rows(Pledge.objects.public().filter(meeting=meeting)),
    ID_STAND_IN,
)


class MeetingDetailView(PreviewMixin, DetailView):
    model = Meeting
    template_name = "dialogue/meeting_detail.html"
    context_object_name = "meeting"

    def get_queryset(self):
        return self.visible(Meeting.objects.all()).select_related("host")

    def get_context_data(self, **kwargs):
        kwargs["json_ld"] = structured_data.event(self.request, self.object)
        kwargs["attendees"] = [
            Attendee(*row) for row in MEETING_ATTENDEES.rows(self.object.pk)
        ]
        kwargs["documents"] = [
            DocumentLink(*row) for row in MEETING_DOCUMENTS.rows(self.object.pk)
        ]
        kwargs["pledges"] = [
            PledgeRow(*row) for row in MEETING_PLEDGES.rows(self.object.pk)
        ]
        kwargs["citations"] = Citations(
            sources_by_record(MEETING_CITATIONS.rows(self.object.pk))
        )
        return super().get_context_data(**kwargs)


#: The pledges page reads its pledges a page at a time by statements built once:
#: all of them, or one donor's.
PLEDGES = Statement(
    lambda limit, offset: sliced(pledge_rows(Pledge.objects.public())),
    LIMIT_STAND_IN,
    OFFSET_STAND_IN,
)
PLEDGE_COUNT = Statement(lambda: count_of(Pledge.objects.public()))
DONOR_PLEDGES = Statement(
    lambda donor, limit, offset: sliced(
        pledge_rows(Pledge.objects.public().filter(donor=donor))
    ),
    ID_STAND_IN,
    LIMIT_STAND_IN,
    OFFSET_STAND_IN,
)
DONOR_PLEDGE_COUNT = Statement(
    lambda donor: count_of(Pledge.objects.public().filter(donor=donor)), ID_STAND_IN
)


class PledgeListView(ListView):
    template_name = "dialogue/pledge_list.html"
    context_object_name = "pledges"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.donor = None
        code = self.request.GET.get("donor", "")
        if not code:
            [(count,)] = PLEDGE_COUNT.rows()
            return RowsPage(PLEDGES, (), count, PledgeRow)
        self.donor = Country.objects.published().filter(code=code.upper()).first()
        if self.donor is None or code != code.lower():
            raise Http404
        [(count,)] = DONOR_PLEDGE_COUNT.rows(self.donor.pk)
        return RowsPage(DONOR_PLEDGES, (self.donor.pk,), count, PledgeRow)

    def get_context_data(self, **kwargs):
        by_donor = list(pledge_totals_by_donor(Pledge.objects.public()))
        kwargs["totals"] = currency_totals(by_donor)
        kwargs["by_donor"] = by_donor
        kwargs["charts"] = pledge_charts(by_donor)
        kwargs["donor"] = self.donor
        context = super().get_context_data(**kwargs)
        shown = [pledge.pk for pledge in context["pledges"]]
        context["citations"] = Citations(sources_of(Pledge, shown))
        return context


class DocumentListView(ListView):
    template_name = "dialogue/document_list.html"
    context_object_name = "documents"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return (
            Document.objects.published()
            .select_related("meeting", "author")
            .order_by(F("date").asc(nulls_last=True), "title", "slug")
        )


#: A document's page reads its published points, and its sources, by statements.
DOCUMENT_POINTS = Statement(
    lambda document: (
        DocumentPoint.objects.published()
        .filter(document=document)
        .values_list("heading", "text", "is_quotation")
    ),
    ID_STAND_IN,
)
DOCUMENT_CITATIONS = Statement(
    lambda document: union_all([citing(Document, document=document)]), ID_STAND_IN
)


class DocumentDetailView(PreviewMixin, DetailView):
    model = Document
    template_name = "dialogue/document_detail.html"
    context_object_name = "document"

    def get_queryset(self):
        return self.visible(Document.objects.all()).select_related("meeting", "author")

    def get_context_data(self, **kwargs):
        document = self.object
        kwargs["points"] = [Point(*row) for row in DOCUMENT_POINTS.rows(document.pk)]
        kwargs["citations"] = Citations(
            sources_by_record(DOCUMENT_CITATIONS.rows(document.pk))
        )
        return super().get_context_data(**kwargs)


class SourceListView(ListView):
    template_name = "dialogue/source_list.html"
    context_object_name = "sources"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return Source.objects.published().order_by("title", "slug")


#: How many records of each kind a source's page lists.
CITING_ROWS = 50


def cited_by(source):
    """``(kind, key, name, more, detail)`` for the first :data:`CITING_ROWS` + 1
    published records of each kind citing ``source``, in each kind's order: the
    texts a :class:`CitingRecord` needs, as text whatever the database."""
    blank = Value("")

    citing = {
        "countries": Country.objects.published().annotate(
            key=F("code"), label=F("name"), more=blank, detail=blank
        ),
        "meetings": Meeting.objects.published().annotate(
            key=F("slug"),
            label=F("title"),
            more=as_text("start_date"),
            detail=F("start_precision"),
        ),
        "pledges": Pledge.objects.public().annotate(
            key=F("slug"),
            label=F("donor__name"),
            more=F("currency"),
            detail=as_text("amount"),
        ),
        "documents": Document.objects.published().annotate(
            key=F("slug"), label=F("title"), more=blank, detail=blank
        ),
        "pages": Page.objects.published().annotate(
            key=F("slug"), label=F("title"), more=blank, detail=blank
        ),
    }
    return union_all(
        (
            kind,
            queryset.filter(sources=source).values_list(
                "key", "label", "more", "detail"
            )[: CITING_ROWS + 1],
        )
        for kind, queryset in citing.items()
    )


#: A source's page reads what cites it in one statement, built once.
CITED_BY = Statement(cited_by, ID_STAND_IN)


class SourceDetailView(PreviewMixin, DetailView):
    model = Source
    template_name = "dialogue/source_detail.html"
    context_object_name = "source"

    def get_queryset(self):
        return self.visible(Source.objects.all())

    def get_context_data(self, **kwargs):
        found = {
            kind: [CitingRecord(kind, *row) for row in rows]
            for kind, rows in CITED_BY.grouped(self.object.pk).items()
        }
        labels = {
            "countries": _("Participants"),
            "meetings": _("Meetings"),
            "pledges": _("Pledges"),
            "documents": _("Documents"),
            "pages": _("Pages"),
        }
        kwargs["cited_by"] = [
            (labels[kind], found[kind][:CITING_ROWS], len(found[kind]) > CITING_ROWS)
            for kind in labels
            if kind in found
        ]
        return super().get_context_data(**kwargs)


class PageDetailView(PreviewMixin, CitationsMixin, DetailView):
    model = Page
    template_name = "dialogue/page_detail.html"
    context_object_name = "page"

    def get_queryset(self):
        return self.visible(Page.objects.all()).prefetch_related(published_sources())


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _(
                "Search for at most %(limit_value)d characters "
                "(this search has %(show_value)d)."
            )
        },
    )


class SearchView(TemplateView):
    template_name = "dialogue/search.html"

    def get_context_data(self, **kwargs):
        form = SearchForm(self.request.GET)
        query, groups = "", []
        if form.is_valid():
            query = form.cleaned_data["q"].strip()
            groups = search(query)
        kwargs.update(
            form=form,
            query=query,
            groups=groups,
            result_count=sum(len(group.results) for group in groups),
        )
        return super().get_context_data(**kwargs)


class OpenDataView(TemplateView):
    template_name = "dialogue/open_data.html"

    def get_context_data(self, **kwargs):
        counts = opendata.counts()
        kwargs["files"] = [
            {
                "kind": kind,
                "columns": opendata.COLUMNS[kind],
                "count": counts[kind],
            }
            for kind in opendata.KINDS
        ]
        kwargs["licence"] = opendata.LICENCE
        kwargs["attribution"] = opendata.ATTRIBUTION
        return super().get_context_data(**kwargs)


@require_GET
def dataset_json(request):
    response = JsonResponse(
        opendata.dataset(request), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = 'inline; filename="capj-dataset.json"'
    return response


@require_GET
def dataset_csv(request, kind):
    if kind not in opendata.KINDS:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    response.write(opendata.csv_text(kind))
    return response


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        f"Disallow: {reverse('dialogue:search')}",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('dialogue:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
@x_robots_tag
def sitemap(request):
    """One sitemap of every public page, with links on the request's own host."""
    base = f"{request.scheme}://{request.get_host()}"
    return HttpResponse(
        sitemaps.render(sitemaps.entries(base)), content_type="application/xml"
    )
