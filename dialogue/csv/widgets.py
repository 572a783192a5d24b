"""Widgets: one cell to one value, with a message a person can act on."""

import difflib
import re
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import slugify
from import_export import widgets

from ..iso import CURRENCY_CODES
from ..models import Country, Meeting, Person, Source
from ..partial_dates import PartialDate, Precision
from ..search import fold


def _quoted(values):
    return ", ".join(values)


class TextWidget(widgets.CharWidget):
    """Free text, kept exactly as written."""

    def __init__(self, max_length=None, required=False):
        super().__init__(coerce_to_string=True, allow_blank=True)
        self.max_length = max_length
        self.required = required

    def clean(self, value, row=None, **kwargs):
        value = "" if value is None else str(value)
        if self.required and not value.strip():
            raise ValueError("This column cannot be empty.")
        if self.max_length and len(value) > self.max_length:
            raise ValueError(
                f"This text is {len(value)} characters long; the limit is "
                f"{self.max_length}."
            )
        return value


class SlugWidget(TextWidget):
    """A slug: the key of a row. Surrounding spaces are ignored."""

    pattern = re.compile(r"^[-a-zA-Z0-9_]+\Z")

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value).strip()
        if value and not self.pattern.match(value):
            suggestion = slugify(value)
            hint = f', e.g. "{suggestion}"' if suggestion else ""
            raise ValueError(
                f'"{value}" is not a valid slug: use only letters, digits and '
                f"hyphens{hint}."
            )
        return value


class ChoiceWidget(widgets.Widget):
    def __init__(self, choices, allow_blank=False):
        super().__init__()
        self.values = list(choices.values)
        self.allow_blank = allow_blank

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if not value and self.allow_blank:
            return ""
        if value not in self.values:
            allowed = _quoted(self.values)
            if not value:
                raise ValueError(f"This column cannot be empty: use one of {allowed}.")
            blank = " or leave it empty" if self.allow_blank else ""
            raise ValueError(
                f'"{value}" is not allowed here: use one of {allowed}{blank}.'
            )
        return value


class PartialDateWidget(widgets.Widget):
    """``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or empty, precision kept."""

    def clean(self, value, row=None, **kwargs):
        return PartialDate.parse(value)  # its ValueError says what to write

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class DayWidget(widgets.Widget):
    """A full date, ``YYYY-MM-DD``, or empty."""

    def clean(self, value, row=None, **kwargs):
        date = PartialDate.parse(value)
        if date.known and date.precision != Precision.DAY:
            raise ValueError(
                f'"{value.strip()}" is not a full date: use YYYY-MM-DD or leave it '
                "empty."
            )
        return date.date

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class NumberWidget(widgets.Widget):
    """A whole number, from 1 up unless told otherwise.

    An empty cell is ``None`` (the number is not known), or ``empty`` when given,
    or refused when ``required``.
    """

    def __init__(
        self,
        minimum=1,
        empty=None,
        required=False,
        example="write 4 for the 4th meeting",
    ):
        super().__init__()
        self.minimum = minimum
        self.empty = empty
        self.required = required
        self.example = example

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if not value:
            if self.required:
                raise ValueError(f"This column cannot be empty: {self.example}.")
            return self.empty
        if not value.isdecimal() or not value.isascii():
            optional = self.empty is None and not self.required
            raise ValueError(
                f'"{value}" is not a whole number: {self.example}'
                + (
                    ", or leave it empty if the number is not known."
                    if optional
                    else "."
                )
            )
        number = int(value)
        if not self.minimum <= number <= 32767:
            raise ValueError(
                f'"{value}" is out of range: numbers start at {self.minimum}.'
            )
        return number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class UnicodeSlugWidget(SlugWidget):
    """A slug that may hold letters of any script, as people's slugs do."""

    pattern = re.compile(r"^[-\w]+\Z")


class AmountWidget(widgets.Widget):
    """A positive decimal written plainly: digits, at most one point, two decimals."""

    pattern = re.compile(r"^[0-9]+(\.[0-9]+)?\Z")
    max_value = Decimal("9999999999999999.99")  # max_digits=18, decimal_places=2

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        example = "write 700000000 or 1234.50"
        if not value:
            raise ValueError(f"This column cannot be empty: {example}.")
        if "," in value:
            raise ValueError(
                f'"{value}" contains a comma: {example}, with no thousands '
                "separators and a point for decimals."
            )
        if not self.pattern.match(value):
            raise ValueError(
                f'"{value}" is not a plain number: {example} (digits only, no '
                "letters, spaces or currency signs)."
            )
        amount = Decimal(value)
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(f'"{value}" has more than two decimal places.')
        if amount <= 0:
            raise ValueError("The amount must be more than zero.")
        if amount > self.max_value:
            raise ValueError(f'"{value}" is too large: the limit is {self.max_value}.')
        return amount.quantize(Decimal("0.01"))

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return format(value.normalize(), "f")


class CurrencyWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if value in CURRENCY_CODES:
            return value
        if value.upper() in CURRENCY_CODES:
            raise ValueError(
                f'"{value}" must be written in capitals: "{value.upper()}".'
            )
        if not value:
            raise ValueError(
                "This column cannot be empty: use an ISO 4217 code such as USD or JPY."
            )
        raise ValueError(
            f'Unknown currency "{value}": use an ISO 4217 code in capitals, such as '
            "USD, JPY or EUR."
        )


class TrueFalseWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if value.lower() == "true":
            return True
        if value.lower() == "false":
            return False
        shown = f'"{value}"' if value else "An empty cell"
        raise ValueError(f"{shown} is not allowed here: write true or false.")

    def render(self, value, obj=None, **kwargs):
        return "true" if value else "false"


class UrlWidget(TextWidget):
    validator = URLValidator(schemes=["http", "https"])

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value).strip()
        if value:
            try:
                self.validator(value)
            except ValidationError:
                raise ValueError(
                    f'"{value}" is not a web address: write it in full, starting '
                    "with https://."
                ) from None
        return value


class LookupWidget(widgets.ForeignKeyWidget):
    """A related row found by its natural key in a map loaded once per import."""

    def __init__(self, model, field, required=False):
        super().__init__(model, field=field)
        self.required = required
        self.lookup = {}

    def load(self, lookup):
        self.lookup = lookup

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if not value:
            if self.required:
                raise ValueError("This column cannot be empty.")
            return None
        try:
            return self.lookup[value]
        except KeyError:
            raise ValueError(self.unknown(value)) from None

    def unknown(self, value):
        raise NotImplementedError

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.field) if value is not None else ""


class CountryWidget(LookupWidget):
    def __init__(self, required=False):
        super().__init__(Country, "code", required)

    def unknown(self, value):
        if value.upper() in self.lookup:
            return f'Country codes are written in capitals: "{value.upper()}".'
        known = _quoted(sorted(self.lookup)) or "none yet"
        return (
            f'Unknown country code "{value}". Known codes: {known}. Add the country '
            "to countries.csv first, or correct the code."
        )


class MeetingWidget(LookupWidget):
    def __init__(self, required=False):
        super().__init__(Meeting, "slug", required)

    def unknown(self, value):
        return (
            f'Unknown meeting slug "{value}": no meeting has this slug. Add the '
            "meeting to meetings.csv first, or correct the slug."
            + _did_you_mean(value, self.lookup)
        )


def _did_you_mean(value, keys):
    if len(keys) > 5000:
        return ""
    close = difflib.get_close_matches(value, keys, n=1, cutoff=0.8)
    return f' Did you mean "{close[0]}"?' if close else ""


class SourcesWidget(widgets.ManyToManyWidget):
    """Source slugs joined by ``;``. An unknown slug is an error, never dropped."""

    def __init__(self):
        super().__init__(Source, separator=";", field="slug")
        self.lookup = {}

    def load(self, lookup):
        self.lookup = lookup

    def clean(self, value, row=None, **kwargs):
        slugs = []
        for part in (value or "").split(";"):
            part = part.strip()
            if part and part not in slugs:
                slugs.append(part)
        unknown = [slug for slug in slugs if slug not in self.lookup]
        if unknown:
            listed = _quoted(f'"{slug}"' for slug in unknown)
            noun = "slug" if len(unknown) == 1 else "slugs"
            raise ValueError(
                f"Unknown source {noun} {listed}: add the source to sources.csv "
                "first, or correct the slug. Separate slugs with ;."
            )
        return tuple(sorted((self.lookup[slug] for slug in slugs), key=_slug))

    def render(self, value, obj=None, **kwargs):
        return ";".join(source.slug for source in value or ())


def _slug(obj):
    return obj.slug


class PersonWidget(widgets.ForeignKeyWidget):
    """A person by name. A name not yet known becomes a new person on import."""

    def __init__(self):
        super().__init__(Person, field="name")
        self.by_name = {}
        self.slugs = set()
        self.new = {}

    def load(self, people):
        self.by_name = defaultdict(list)
        for person in people:
            self.by_name[person.name].append(person)
            self.slugs.add(person.slug)
        self.folded = None

    def suggestion(self, name, close=True):
        """The name of a known person that ``name`` may be a misspelling of.

        Names, and each person's other names, are compared as the site's search
        compares them (Unicode NFKC, case folded): first exactly, then, if
        ``close``, by similarity.
        """
        if self.folded is None:
            self.folded = {}
            for people in self.by_name.values():
                for person in people:
                    for variant in (person.name, *person.other_names.splitlines()):
                        if key := fold(variant.strip()):
                            self.folded.setdefault(key, person.name)
        key = fold(name)
        if key in self.folded:
            return self.folded[key]
        if close:
            found = difflib.get_close_matches(key, self.folded, n=1, cutoff=0.8)
            if found:
                return self.folded[found[0]]
        return None

    def clean(self, value, row=None, **kwargs):
        name = (value or "").strip()
        if not name:
            return None
        if len(name) > 200:
            raise ValueError(
                f"This name is {len(name)} characters long; the limit is 200."
            )
        found = self.by_name.get(name, [])
        if len(found) > 1:
            slugs = _quoted(sorted(person.slug for person in found))
            raise ValueError(
                f'{len(found)} people are called "{name}" (slugs {slugs}), so the '
                "file cannot say which one is meant. Make their names distinct in "
                "the admin first."
            )
        if found:
            return found[0]
        if name not in self.new:
            self.new[name] = Person(name=name, slug=self.free_slug(name))
        return self.new[name]

    def free_slug(self, name):
        base = slugify(name, allow_unicode=True)[:110] or "person"
        slug, counter = base, 2
        while slug in self.slugs:
            slug, counter = f"{base}-{counter}", counter + 1
        self.slugs.add(slug)
        return slug

    def render(self, value, obj=None, **kwargs):
        return value.name if value is not None else ""
