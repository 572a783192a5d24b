from django import forms
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView

from .citations import CitationsMixin
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


def published_sources():
    return Prefetch("sources", queryset=Source.objects.published())


def public_attendances():
    return Prefetch(
        "attendances",
        queryset=Attendance.objects.public().select_related("person", "country"),
    )


def published_pledges():
    return Prefetch(
        "pledges",
        queryset=Pledge.objects.published()
        .select_related("donor")
        .prefetch_related(published_sources()),
    )


def pledge_totals(pledges):
    """Sum per currency: amounts in different currencies are never added up."""
    return (
        pledges.order_by()
        .values("currency")
        .annotate(total=Sum("amount"), count=Count("pk"))
        .order_by("currency")
    )


class HomeView(TemplateView):
    template_name = "dialogue/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        countries = list(Country.objects.published())
        meetings = Meeting.objects.published()
        context.update(
            about=Page.objects.published().filter(slug="about").first(),
            countries=countries,
            members=[c for c in countries if c.role == Country.Role.MEMBER],
            observers=[c for c in countries if c.role == Country.Role.OBSERVER],
            meetings_held=meetings.filter(status=Meeting.Status.HELD).count(),
            first_meeting=meetings.filter(start_date__isnull=False)
            .order_by("start_date")
            .first(),
            latest_meetings=meetings.filter(start_date__isnull=False)
            .select_related("host")
            .order_by("-start_date")[:5],
            pledge_totals=pledge_totals(Pledge.objects.published()),
        )
        return context


class ParticipantListView(ListView):
    template_name = "dialogue/participant_list.html"
    context_object_name = "countries"

    def get_queryset(self):
        return Country.objects.published().annotate(
            meetings_attended=Count(
                "attendances__meeting",
                filter=Q(
                    attendances__published=True,
                    attendances__meeting__published=True,
                ),
                distinct=True,
            )
        )


class ParticipantDetailView(CitationsMixin, DetailView):
    template_name = "dialogue/participant_detail.html"
    context_object_name = "country"

    def get_object(self, queryset=None):
        code = self.kwargs["code"]
        if code != code.lower():
            raise Http404
        try:
            return (
                Country.objects.published()
                .prefetch_related(published_sources())
                .get(code=code.upper())
            )
        except Country.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        country = self.object
        attended = Attendance.objects.public().filter(
            country=country, meeting__published=True
        )
        kwargs.update(
            meetings=Meeting.objects.published()
            .filter(attendances__in=attended)
            .distinct()
            .select_related("host"),
            hosted=country.hosted_meetings.published(),
            people=Person.objects.published()
            .filter(attendances__in=attended)
            .distinct()
            .prefetch_related(
                Prefetch(
                    "attendances",
                    queryset=attended.select_related("meeting"),
                    to_attr="appearances",
                )
            ),
            pledges=country.pledges.published()
            .select_related("meeting")
            .prefetch_related(published_sources()),
        )
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


class MeetingListView(ListView):
    template_name = "dialogue/meeting_list.html"
    context_object_name = "meetings"

    def get_queryset(self):
        meetings = Meeting.objects.published().select_related("host").chronological()
        self.filter_form = MeetingFilterForm(self.request.GET or None)
        if self.filter_form.is_valid():
            kind = self.filter_form.cleaned_data["kind"]
            year = self.filter_form.cleaned_data["year"]
            if kind:
                meetings = meetings.filter(kind=kind)
            if year:
                meetings = meetings.filter(start_date__year=year)
        elif self.filter_form.is_bound:
            meetings = meetings.none()
        return meetings

    def get_context_data(self, **kwargs):
        kwargs["filter_form"] = self.filter_form
        kwargs["years"] = (
            Meeting.objects.published()
            .filter(start_date__isnull=False)
            .dates("start_date", "year")
        )
        return super().get_context_data(**kwargs)


class MeetingDetailView(CitationsMixin, DetailView):
    template_name = "dialogue/meeting_detail.html"
    context_object_name = "meeting"

    def get_queryset(self):
        return (
            Meeting.objects.published()
            .select_related("host")
            .prefetch_related(
                published_sources(),
                public_attendances(),
                published_pledges(),
                Prefetch(
                    "documents",
                    queryset=Document.objects.published().prefetch_related(
                        published_sources()
                    ),
                ),
            )
        )


class PledgeListView(CitationsMixin, ListView):
    template_name = "dialogue/pledge_list.html"
    context_object_name = "pledges"

    def get_queryset(self):
        return (
            Pledge.objects.published()
            .select_related("donor", "meeting")
            .prefetch_related(published_sources())
        )

    def get_context_data(self, **kwargs):
        kwargs["totals"] = pledge_totals(Pledge.objects.published())
        return super().get_context_data(**kwargs)


class DocumentListView(ListView):
    template_name = "dialogue/document_list.html"
    context_object_name = "documents"

    def get_queryset(self):
        return Document.objects.published().select_related("meeting", "author")


class DocumentDetailView(CitationsMixin, DetailView):
    template_name = "dialogue/document_detail.html"
    context_object_name = "document"

    def get_queryset(self):
        return (
            Document.objects.published()
            .select_related("meeting", "author")
            .prefetch_related(
                published_sources(),
                Prefetch("points", queryset=DocumentPoint.objects.published()),
            )
        )


class SourceListView(ListView):
    template_name = "dialogue/source_list.html"
    context_object_name = "sources"

    def get_queryset(self):
        return Source.objects.published()


class SourceDetailView(DetailView):
    template_name = "dialogue/source_detail.html"
    context_object_name = "source"

    def get_queryset(self):
        return Source.objects.published()

    def get_context_data(self, **kwargs):
        source = self.object
        kwargs.update(
            cited_by=[
                (_("Participants"), source.countries.published()),
                (_("Meetings"), source.meetings.published()),
                (_("Pledges"), source.pledges.published().select_related("donor")),
                (_("Documents"), source.documents.published()),
                (_("Pages"), source.pages.published()),
            ]
        )
        return super().get_context_data(**kwargs)


class PageDetailView(CitationsMixin, DetailView):
    template_name = "dialogue/page_detail.html"
    context_object_name = "page"

    def get_queryset(self):
        return Page.objects.published().prefetch_related(published_sources())
