from django.core.paginator import InvalidPage, Paginator
from django.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    QueryDict,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView, TemplateView

from . import maps, opendata, selectors, structured_data
from .addresses import admin_url
from .charts import pledge_chart
from .citations import CitationsMixin
from .forms import (
    MeetingFilterForm,
    PledgeFilterForm,
    SearchForm,
)
from .models import Country, Document, Meeting, Page, Pledge, Source
from .search import search
from .suggestions import suggestions
from .summaries import organization_description, roles_summary

#: Rows per page of a long list: enough to scan, few enough to render quickly.
PAGE_SIZE = 100
PREVIEW_ROWS = selectors.PREVIEW_ROWS
CITING_ROWS = selectors.CITING_ROWS
#: A search finding fewer results than this suggests close names.
FEW_RESULTS = 3


def shows_drafts(request, model):
    """Whether this request's user sees drafts of ``model``: staff who may view
    it in the admin, on its pages and, marked, on the lists it belongs to. Their
    pages are never stored by the page cache (they have a session)."""
    user = request.user
    opts = model._meta
    return (
        user.is_active
        and user.is_staff
        and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    )


def editor_links(request, obj):
    """The admin's pages of ``obj`` for a draft's banner, for staff who may change
    it: its change form and, while it is a draft, "Publish…"."""
    opts = obj._meta
    if not request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
        return {}
    links = {"edit": admin_url(type(obj), "change", obj.pk)}
    if not obj.published:
        links["publish"] = admin_url(type(obj), "publish", obj.pk)
    return links


def paginate(request, queryset, per_page):
    """One page of ``queryset``, as a ListView paginates: the first page without
    ``?page=``, a 404 for a page that does not exist."""
    try:
        return Paginator(queryset, per_page).page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404 from exc


class PreviewMixin:
    """Staff who may view a kind of record see its drafts, clearly marked.

    Visitors get a 404 for a draft. A draft page is never stored by a shared cache
    or the browser (``Cache-Control: private, no-store``) nor indexed.
    """

    def can_preview(self):
        return shows_drafts(self.request, self.model)

    def visible(self, queryset):
        return queryset if self.can_preview() else queryset.public()

    def get_context_data(self, **kwargs):
        obj = self.object
        is_draft = not obj.is_public_now
        kwargs.setdefault("is_draft", is_draft)
        # Only staff see a draft: a public page never reads who is asking.
        kwargs.setdefault(
            "editor_links", editor_links(self.request, obj) if is_draft else {}
        )
        scheduled = obj.published and obj.publish_at > timezone.now()
        kwargs.setdefault(
            "goes_public_at",
            date_format(localtime(obj.publish_at), "j F Y, H:i T") if scheduled else "",
        )
        return super().get_context_data(**kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_public_now:
            patch_cache_control(response, private=True, no_store=True)
            response["X-Robots-Tag"] = "noindex"
        return response


def dialogue_map(countries):
    """The map of the public ``countries`` and the cities of the public meetings."""
    return maps.dialogue_map(
        countries=countries, meeting_cities=selectors.meeting_cities()
    )


class HomeView(TemplateView):
    template_name = "dialogue/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        countries = list(selectors.participants())
        members = [c for c in countries if c.role == Country.Role.MEMBER]
        observers = [c for c in countries if c.role == Country.Role.OBSERVER]
        # "Kazakhstan, Kyrgyzstan, Tajikistan and Uzbekistan": Japan's partners.
        partners = get_text_list([c.name for c in members if c.code != "JP"], _("and"))
        first_meeting = selectors.first_meeting()
        founded = first_meeting.start_date.year if first_meeting else None
        context.update(
            partners=partners,
            observer_names=get_text_list([c.name for c in observers], _("and")),
            about=selectors.public_page(slug="about"),
            countries=countries,
            members=members,
            observers=observers,
            meetings_held=selectors.meetings_held_count(),
            first_meeting=first_meeting,
            latest_meetings=selectors.latest_meetings(limit=5),
            upcoming_meetings=selectors.upcoming_meetings(limit=3),
            pledge_totals=selectors.pledge_totals(),
            dialogue_map=dialogue_map(countries),
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


class ParticipantListView(ListView):
    template_name = "dialogue/participant_list.html"
    context_object_name = "countries"

    def get_queryset(self):
        return selectors.participants_with_meeting_counts()

    def get_context_data(self, **kwargs):
        countries = list(self.object_list)  # one query for the table and the summary
        kwargs["object_list"] = countries
        kwargs["roles_summary"] = roles_summary(countries)
        kwargs["dialogue_map"] = dialogue_map(countries)
        return super().get_context_data(**kwargs)


class ParticipantDetailView(PreviewMixin, CitationsMixin, DetailView):
    model = Country
    template_name = "dialogue/participant_detail.html"
    context_object_name = "country"

    def get(self, request, *args, **kwargs):
        code = kwargs["code"]
        if code != code.lower():
            # A country's address is its code in lower case: /participants/JP/
            # leads there, with its query.
            url = reverse("dialogue:participant-detail", args=[code.lower()])
            query = request.META.get("QUERY_STRING")
            return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset=None):
        code = self.kwargs["code"]
        try:
            return self.visible(
                Country.objects.prefetch_related(selectors.public_sources())
            ).get(code=code.upper())
        except Country.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        country = self.object
        drafts = shows_drafts(self.request, Meeting)
        attended = selectors.meetings_attended(country=country, drafts=drafts)
        hosted = selectors.meetings_hosted(country=country, drafts=drafts)
        pledges = selectors.pledges_by(
            country=country, drafts=shows_drafts(self.request, Pledge)
        )
        kwargs.update(
            meetings=attended[:PREVIEW_ROWS],
            meeting_count=attended.count(),
            hosted=hosted[:PREVIEW_ROWS],
            hosted_count=hosted.count(),
            people_page=paginate(
                self.request, selectors.representatives(country=country), PAGE_SIZE
            ),
            pledges=pledges[:PREVIEW_ROWS],
            pledge_count=pledges.count(),
        )
        return super().get_context_data(**kwargs)


def kept_filters(**values):
    """The filters that apply, as a query for links that keep them (a letter of
    the people index keeps the participant and the name searched)."""
    kept = QueryDict(mutable=True)
    kept.update({name: value for name, value in values.items() if value})
    return kept


class MeetingListView(ListView):
    template_name = "dialogue/meeting_list.html"
    context_object_name = "meetings"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.filter_form = form = MeetingFilterForm(self.request.GET or None)
        drafts = shows_drafts(self.request, Meeting)
        if not form.is_bound:
            return selectors.timeline(drafts=drafts)
        # A filter that is not valid (?year=abcd) is left out, and said so: the
        # valid ones still apply.
        form.is_valid()
        return selectors.timeline(drafts=drafts, **form.cleaned_data)

    def get_context_data(self, **kwargs):
        form = self.filter_form
        data = form.cleaned_data if form.is_bound else {}
        kind, participant = data.get("kind"), data.get("participant")
        kinds_held = selectors.timeline_kinds()
        kwargs.update(
            filter_form=form,
            ignored_filters=[
                (form[name].label.lower(), form.data.get(name, ""))
                for name in form.errors
            ],
            options=form.options(),
            list_url=reverse("dialogue:meeting-list"),
            filtered=any(data.values()),
            kind_label=Meeting.Kind(kind).label if kind else "",
            series_label=form.series_name(data.get("series")),
            year_chosen=data.get("year"),
            participant_name=form.participant_name(participant),
            kinds=[
                {"value": value, "label": label, "current": kind == value}
                for value, label in Meeting.Kind.choices
                if value in kinds_held or kind == value
            ],
        )
        return super().get_context_data(**kwargs)


class MeetingDetailView(PreviewMixin, CitationsMixin, DetailView):
    model = Meeting
    template_name = "dialogue/meeting_detail.html"
    context_object_name = "meeting"

    def get_queryset(self):
        return (
            self.visible(Meeting.objects.all())
            .select_related("host", "series")
            .prefetch_related(selectors.public_sources())
        )

    def get_context_data(self, **kwargs):
        meeting = self.object
        kwargs.update(
            json_ld=structured_data.event(self.request, meeting),
            attendees=selectors.attendees(meeting=meeting, drafts=self.can_preview()),
            documents=selectors.documents_of(meeting=meeting),
            pledges=selectors.pledges(meeting=meeting, drafts=self.can_preview()),
            photos=selectors.photos(meeting=meeting),
            series=selectors.series_neighbours(meeting=meeting),
        )
        return super().get_context_data(**kwargs)


class PledgeListView(CitationsMixin, ListView):
    """Every pledge, with one chart of the totals within each currency, by donor
    or by year; the list by one donor or one year. A choice not in the list is
    left out, and said so."""

    template_name = "dialogue/pledge_list.html"
    context_object_name = "pledges"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.filter_form = form = PledgeFilterForm(self.request.GET or None)
        self.choices = {"donor": None, "year": None, "by": "donor"}
        if form.is_bound:
            form.is_valid()
            self.choices.update(form.cleaned_data)
        return selectors.pledges(
            donor=self.choices["donor"],
            year=self.choices["year"],
            drafts=shows_drafts(self.request, Pledge),
        )

    def get_context_data(self, **kwargs):
        donor, year, by = (
            self.choices["donor"],
            self.choices["year"],
            self.choices["by"],
        )
        rows = (
            selectors.pledge_totals_by_year()
            if by == "year"
            else selectors.pledge_totals_by_donor()
        )
        list_filter = kept_filters(donor=donor.code.lower() if donor else "", year=year)
        kwargs.update(
            chart=pledge_chart(selectors.pledge_totals(), rows, by=by),
            chart_by=by,
            list_filter=list_filter,
            donor=donor,
            year_chosen=year,
            ignored_filters=self.filter_form.ignored()
            if self.filter_form.is_bound
            else [],
            list_url=reverse("dialogue:pledge-list"),
        )
        return super().get_context_data(**kwargs)


class DocumentListView(ListView):
    template_name = "dialogue/document_list.html"
    context_object_name = "documents"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.documents()


class DocumentDetailView(PreviewMixin, CitationsMixin, DetailView):
    model = Document
    template_name = "dialogue/document_detail.html"
    context_object_name = "document"

    def get_queryset(self):
        return (
            self.visible(Document.objects.all())
            .select_related("meeting", "author")
            .prefetch_related(selectors.public_sources())
        )

    def get_context_data(self, **kwargs):
        kwargs["points"] = selectors.points(
            document=self.object, drafts=self.can_preview()
        )
        kwargs["files"] = selectors.files(document=self.object)
        return super().get_context_data(**kwargs)


class SourceListView(ListView):
    template_name = "dialogue/source_list.html"
    context_object_name = "sources"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return selectors.sources()


class SourceDetailView(PreviewMixin, DetailView):
    model = Source
    template_name = "dialogue/source_detail.html"
    context_object_name = "source"

    def get_queryset(self):
        return self.visible(Source.objects.all())

    def get_context_data(self, **kwargs):
        found = selectors.records_citing(source=self.object)
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
            if found[kind]
        ]
        return super().get_context_data(**kwargs)


class PageDetailView(PreviewMixin, CitationsMixin, DetailView):
    model = Page
    template_name = "dialogue/page_detail.html"
    context_object_name = "page"

    def get_queryset(self):
        return self.visible(Page.objects.all()).prefetch_related(
            selectors.public_sources()
        )


class SearchView(TemplateView):
    template_name = "dialogue/search.html"

    def get_context_data(self, **kwargs):
        form = SearchForm(self.request.GET)
        query, groups, suggested = "", [], []
        if form.is_valid():
            query = form.cleaned_data["q"].strip()
            groups = search(query)
        result_count = sum(group.count for group in groups)
        if query and result_count < FEW_RESULTS:
            suggested = suggestions(query)
        kwargs.update(
            form=form,
            query=query,
            groups=groups,
            result_count=result_count,
            suggestions=suggested,
            # The page's own search box is the one: the header leaves its out.
            page_has_search=True,
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


@require_safe
def dataset_json(request):
    source = request.build_absolute_uri("/")
    return opendata.download(
        request,
        opendata.JSON_NAME,
        lambda: opendata.json_bytes(source),
        content_type="application/json",
        as_attachment=False,
        extra=[source],
    )


@require_safe
def dataset_csv(request, kind):
    if kind not in opendata.KINDS:
        raise Http404
    return opendata.download(
        request,
        f"{kind}.csv",
        lambda: opendata.csv_bytes(kind),
        content_type="text/csv; charset=utf-8",
        as_attachment=True,
    )


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        f"Disallow: {reverse('dialogue:search')}",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('dialogue:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
