"""Admin forms: one text box per partial date instead of a date and a precision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import selectors
from .iso import CURRENCY_CODES, currency_name
from .models import Attendance, Meeting, Pledge
from .partial_dates import PartialDate
from .search import MAX_QUERY_LENGTH
from .text import SCRIPT_GROUPS

PARTIAL_DATE_HELP = _(
    "YYYY-MM-DD, or YYYY-MM or YYYY when only the month or year is known; "
    "empty if unknown."
)


class PartialDateField(forms.CharField):
    """Accepts ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or nothing."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", PARTIAL_DATE_HELP)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            return PartialDate.parse(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def prepare_value(self, value):
        if isinstance(value, PartialDate):
            return value.isoformat()
        return value


class PartialDateFormMixin:
    """Shows each (date, precision) model-field pair as one text field.

    ``partial_dates`` maps the date field's name to its precision field's name.
    Both model fields are excluded from the form; a :class:`PartialDateField`
    under the date field's name stands for them.
    """

    partial_dates = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for date_field, precision_field in self.partial_dates.items():
            if date_field not in self.initial and (
                self.instance.pk or getattr(self.instance, date_field)
            ):
                self.initial[date_field] = PartialDate(
                    getattr(self.instance, date_field),
                    getattr(self.instance, precision_field),
                ).isoformat()

    def _get_validation_exclusions(self):
        # The model fields behind a partial date are excluded from the form but
        # must still be validated, so that the database's checks (end not before
        # start, date and precision in agreement) come back as form errors.
        exclude = super()._get_validation_exclusions()
        for pair in self.partial_dates.items():
            exclude.difference_update(pair)
        return exclude

    def _post_clean(self):
        # Put the parsed dates on the instance before the model validates itself,
        # so its constraint checks see the values the editor typed.
        for date_field, precision_field in self.partial_dates.items():
            value = self.cleaned_data.get(date_field)
            if isinstance(value, PartialDate):
                setattr(self.instance, date_field, value.date)
                setattr(self.instance, precision_field, value.precision)
        super()._post_clean()


class DerivedSlugMixin:
    """An empty slug is left for the model to make when it is saved.

    It is cleaned to None rather than "", so that two new rows of one formset
    (pledges added in a meeting's inline) are not taken for duplicates.
    """

    def clean_slug(self):
        return self.cleaned_data.get("slug") or None


def partial_date_form(model, partial_dates, mixins=()):
    """A ModelForm class for ``model`` with one text field per partial date."""
    excluded = [name for pair in partial_dates.items() for name in pair]
    declared = {
        date_field: PartialDateField(
            label=model._meta.get_field(date_field).verbose_name.capitalize()
        )
        for date_field in partial_dates
    }
    meta = type("Meta", (), {"model": model, "exclude": excluded})
    return type(
        f"{model.__name__}Form",
        (*mixins, PartialDateFormMixin, forms.ModelForm),
        {"Meta": meta, "partial_dates": partial_dates, **declared},
    )


def constraint_message(model, name):
    """The violation message of one of ``model``'s constraints, by name."""
    constraint = next(c for c in model._meta.constraints if c.name == name)
    return constraint.get_violation_error_message()


class AttendanceFormSet(forms.BaseInlineFormSet):
    """A meeting's attendees, checked against each other before saving.

    An inline row's own validation cannot run the conditional unique constraints
    (the meeting is the inline's key, excluded from it, and may not exist yet), so
    a person listed twice would reach the database and fail there with a 500. All
    of the meeting's rows are in the formset, so comparing them covers the
    database too.
    """

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or self._should_delete_form(form):
                continue
            person = form.cleaned_data.get("person")
            country = form.cleaned_data.get("country")
            position = form.cleaned_data.get("position")
            if person:
                key = ("person", person.pk)
                constraint = "attendance_person_once_per_meeting"
            elif country and position:
                key = ("unnamed", country.pk, position)
                constraint = "attendance_unnamed_once_per_position"
            else:
                continue  # the row already has its own error
            if key in seen:
                form.add_error(None, constraint_message(Attendance, constraint))
            seen.add(key)


class WindowEdgeField(forms.SplitDateTimeField):
    """A moment of a publishing window that an editor may leave empty: shown
    empty while it holds its open end (ALWAYS or NEVER), stored as it when
    left empty."""

    def __init__(self, *, open_end, **kwargs):
        self.open_end = open_end
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value):
        return None if value == self.open_end else value

    def clean(self, value):
        return super().clean(value) or self.open_end

    def has_changed(self, initial, data):
        return super().has_changed(self.prepare_value(initial), data)


def currency_choices():
    return [
        ("", "---------"),
        *((code, f"{code} — {currency_name(code)}") for code in CURRENCY_CODES),
    ]


class PledgeForm(
    partial_date_form(
        Pledge, {"announced_on": "announced_precision"}, mixins=(DerivedSlugMixin,)
    )
):
    # A list of the ISO 4217 codes with their names, rather than a text box whose
    # typo only the database constraint would catch.
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=currency_choices,
        error_messages={
            "invalid_choice": constraint_message(Pledge, "pledge_currency_iso_4217")
        },
    )


# The public pages' forms ---------------------------------------------------------


class MeetingFilterForm(forms.Form):
    """The timeline's filter: a kind, a series (by slug), a year, a participant
    (by lower-case code)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *Meeting.Kind.choices],
        required=False,
    )
    series = forms.ChoiceField(label=_("Series"), required=False)
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=1991, max_value=2100
    )
    participant = forms.ChoiceField(label=_("Participant"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: The year list offers the years with a meeting; any year is valid.
        self.years = [
            ("", _("All years")),
            *((year, year) for year in selectors.timeline_years()),
        ]
        #: The series list offers those with a public meeting.
        self.fields["series"].choices = [
            ("", _("All series")),
            *selectors.timeline_series(),
        ]
        self.fields["participant"].choices = [
            ("", _("All participants")),
            *(
                (code.lower(), name)
                for code, name in selectors.participants().values_list("code", "name")
            ),
        ]

    def clean_participant(self):
        return self.cleaned_data["participant"].upper()

    def series_name(self, slug):
        """The name of the series with this slug, or ''."""
        return dict(self.fields["series"].choices).get(slug, "") if slug else ""

    def participant_name(self, code):
        """The name of the participant with this (upper-case) code, or ''."""
        if not code:
            return ""
        return dict(self.fields["participant"].choices).get(code.lower(), "")

    def options(self):
        """Each list's ``(value, label, selected)`` rows: written out by the
        template, much faster than the form's widgets rendering them."""
        lists = {
            "kind": self.fields["kind"].choices,
            "series": self.fields["series"].choices,
            "year": self.years,
            "participant": self.fields["participant"].choices,
        }
        return {
            name: [
                (str(value), label, str(value) == str(self[name].value() or ""))
                for value, label in choices
            ]
            for name, choices in lists.items()
        }


class PledgeFilterForm(forms.Form):
    """The pledges page's choices: one donor (by lower-case code) or one year for
    the list, and whether the chart compares donors or years."""

    donor = forms.ChoiceField(label=_("donor"), required=False)
    year = forms.IntegerField(
        label=_("year"), required=False, min_value=1991, max_value=2100
    )
    by = forms.ChoiceField(
        label=_("comparison"),
        choices=[("donor", _("by donor")), ("year", _("by year"))],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.donors = {c.code.lower(): c for c in selectors.participants()}
        if self.is_bound and "donor" in self.data:
            # A code in capitals is the same donor (?donor=JP).
            self.data = self.data.copy()
            self.data["donor"] = self.data["donor"].lower()
        self.fields["donor"].choices = [("", ""), *((c, c) for c in self.donors)]

    def clean_donor(self):
        """The donor's country, or None."""
        return self.donors.get(self.cleaned_data["donor"])

    def clean_by(self):
        return self.cleaned_data["by"] or "donor"

    def ignored(self):
        """A message for each choice left out because it is not valid."""
        return [
            _("The %(name)s “%(value)s” is not one of the list: it is left out.")
            % {"name": self[name].label, "value": self.data.get(name, "")}
            for name in self.errors
        ]


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


#: The people index's groups, in its order: a–z, then one per other script.
INITIALS = [
    *((letter, letter.upper()) for letter in "abcdefghijklmnopqrstuvwxyz"),
    *SCRIPT_GROUPS.items(),
]


class PeopleFilterForm(forms.Form):
    """The people index's filters: a group of the A–Z, a participant the person
    came for (by lower-case code) and words of their names."""

    letter = forms.ChoiceField(
        label=_("Letter"), choices=[("", _("All")), *INITIALS], required=False
    )
    country = forms.ChoiceField(label=_("Came for"), required=False)
    q = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages=SearchForm.base_fields["q"].error_messages,
    )

    #: How a message names each list.
    FILTER_NAMES = {"letter": _("letter"), "country": _("participant")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [
            ("", _("Any participant")),
            *(
                (code.lower(), name)
                for code, name in selectors.participants().values_list("code", "name")
            ),
        ]

    def clean_country(self):
        return self.cleaned_data["country"].upper()

    def clean_q(self):
        return self.cleaned_data["q"].strip()

    def country_name(self, code):
        """The name of the participant with this (upper-case) code, or ''."""
        return (
            dict(self.fields["country"].choices).get(code.lower(), "") if code else ""
        )

    def country_options(self):
        """The participant list's ``(value, label, selected)`` rows."""
        chosen = str(self["country"].value() or "")
        return [
            (value, label, value == chosen)
            for value, label in self.fields["country"].choices
        ]

    def ignored(self):
        """What a visitor is told about each filter left out, one sentence each."""
        messages = []
        for name, errors in self.errors.items():
            if name == "q":
                messages.append(
                    _("%(error)s The names were not searched.") % {"error": errors[0]}
                )
            else:
                messages.append(
                    _(
                        "The %(filter)s “%(value)s” is not one of the list, so it was "
                        "left out."
                    )
                    % {"filter": self.FILTER_NAMES[name], "value": self.data.get(name)}
                )
        return messages
