"""The people index and a person's page: view → dialogue/people_selectors.py →
template."""

from django.urls import reverse
from django.views.generic import DetailView, ListView

from . import people_selectors, views
from .citations import CitationsMixin
from .forms import INITIALS, PeopleFilterForm
from .models import Person
from .views import PreviewMixin, kept_filters, paginate, shows_drafts


class PersonListView(ListView):
    """The people index: A–Z (one group per other script), by the participant
    they came for, and by words of their names. A filter value not in the list is
    left out, and said so; the others still apply."""

    template_name = "dialogue/person_list.html"
    context_object_name = "people"
    paginate_by = views.PAGE_SIZE

    def get_queryset(self):
        self.filter_form = form = PeopleFilterForm(self.request.GET or None)
        drafts = shows_drafts(self.request, Person)
        if not form.is_bound:
            return people_selectors.people_index(drafts=drafts)
        form.is_valid()
        return people_selectors.people_index(drafts=drafts, **form.cleaned_data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filter_form
        data = form.cleaned_data if form.is_bound else {}
        letter, country = data.get("letter", ""), data.get("country", "")
        people = context["people"]
        context.update(
            filter_form=form,
            ignored_filters=form.ignored() if form.is_bound else [],
            list_url=reverse("dialogue:person-list"),
            letters=[
                {"value": value, "label": label, "current": value == letter}
                for value, label in INITIALS
            ],
            letter_label=dict(INITIALS).get(letter, ""),
            country_name=form.country_name(country),
            name_query=data.get("q", ""),
            kept=kept_filters(country=country.lower(), q=data.get("q", "")),
            filtered=any(data.values()),
            countries_of=people_selectors.countries_of(people=people),
            options=form.country_options(),
        )
        return context


class PersonDetailView(PreviewMixin, CitationsMixin, DetailView):
    model = Person
    template_name = "dialogue/person_detail.html"
    context_object_name = "person"

    def get_queryset(self):
        return self.visible(Person.objects.all())

    def get_context_data(self, **kwargs):
        person = self.object
        kwargs["appearances_page"] = paginate(
            self.request, people_selectors.appearances(person=person), views.PAGE_SIZE
        )
        kwargs["positions"] = list(people_selectors.positions_held(person=person))
        kwargs["countries"] = list(
            people_selectors.countries_represented(person=person)
        )
        kwargs["documents"] = people_selectors.documents_by(person=person)
        return super().get_context_data(**kwargs)
