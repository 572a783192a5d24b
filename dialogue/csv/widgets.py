"""Widgets: one cell to one Python value, and back, as docs/csv-format.md writes it.

A widget reads the format of a cell (a date with its precision, a number in plain
digits, ``true``/``false``, the key of a record in another file) and raises
``ValueError`` with a message a person can act on. What a value may be — its
length, its choices, a slug's letters, a web address, a number's range, whether it
may be empty — is the model's rule, checked by ``Model.full_clean`` and the
database (:mod:`.base`), and not stated again here.
"""

import difflib
import re
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from import_export import widgets

from ..models import Country, Document, Meeting, MeetingSeries, Person, Source
from ..partial_dates import PartialDate, Precision
from ..text import fold


class TextWidget(widgets.CharWidget):
    """Free text, kept exactly as written.

    With ``spaces_are_empty`` (a column the model requires), a cell of spaces only
    reads as empty, so that the model refuses it as it refuses an empty cell.
    """

    def __init__(self, spaces_are_empty=False):
        super().__init__()
        self.spaces_are_empty = spaces_are_empty

    def clean(self, value, row=None, **kwargs):
        value = "" if value is None else str(value)
        if self.spaces_are_empty and not value.strip():
            return ""
        return value


class KeyWidget(TextWidget):
    """A slug, code, choice or web address: read without surrounding spaces."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value).strip()


class PartialDateWidget(widgets.Widget):
    """``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or empty, precision kept.

    Not the library's ``DateWidget`` (correctness rule): a date here is known to
    the day, the month or the year, and ``DateWidget`` reads a day only, saying
    "Value could not be parsed using defined formats." of anything else.
    """

    def clean(self, value, row=None, **kwargs):
        return PartialDate.parse(value)  # its ValueError says what to write

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class DayWidget(widgets.Widget):
    """A full date, ``YYYY-MM-DD``, or empty (``None``)."""

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
    """A whole number in plain digits; an empty cell reads as ``empty``.

    Not the library's ``IntegerWidget`` (correctness rule): it reads ``4.9`` as 4
    and ``1e3`` as 1000, and ``5th`` fails with the decimal module's words.
    """

    def __init__(self, example, empty=None):
        super().__init__()
        self.example = example
        self.empty = empty

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if not value:
            return self.empty
        if not (value.isdecimal() and value.isascii()):
            raise ValueError(f'"{value}" is not a whole number: {self.example}.')
        return int(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class AmountWidget(widgets.Widget):
    """An amount written plainly: digits and at most one point, no thousands
    separators, letters, spaces or currency signs. Empty is ``None``.

    Not the library's ``DecimalWidget`` (correctness rule): it reads separators as
    the locale has them, so that ``1,000`` may be 1000 or 1.000, and ``700m``
    fails with the decimal module's words.
    """

    pattern = re.compile(r"^[0-9]+(\.[0-9]+)?\Z")
    example = "write 700000000 or 1234.50"

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if not value:
            return None
        if "," in value:
            raise ValueError(
                f'"{value}" contains a comma: {self.example}, with no thousands '
                "separators and a point for decimals."
            )
        if not self.pattern.match(value):
            raise ValueError(
                f'"{value}" is not a plain number: {self.example} (digits only, no '
                "letters, spaces or currency signs)."
            )
        return Decimal(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else format(value.normalize(), "f")


class TrueFalseWidget(widgets.Widget):
    """``true`` or ``false``, in any case; anything else is refused.

    Not the library's ``BooleanWidget`` (correctness rule): it reads any word it
    does not know, ``maybe`` say, as false, and writes ``1`` and ``0``.
    """

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


def _did_you_mean(value, keys):
    if len(keys) > 5000:
        return ""
    close = difflib.get_close_matches(value, keys, n=1, cutoff=0.8)
    return f' Did you mean "{close[0]}"?' if close else ""


class LookupWidget(widgets.ForeignKeyWidget):
    """A related record found by its key in a map loaded once per import.

    Not the library's ``CachedForeignKeyWidget`` (measured need): it builds a
    ``namedtuple`` class for every cell it looks up, about 60 µs a cell on the
    development machine against well under 1 µs for this map, and an unknown key
    raises ``DoesNotExist``, which names neither the key nor the keys there are.
    """

    def __init__(self, model, field):
        super().__init__(model, field=field)
        self.load({})

    def load(self, lookup):
        """``lookup``: the records by their key."""
        self.lookup = lookup

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if not value:
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
    def __init__(self):
        super().__init__(Country, "code")

    def unknown(self, value):
        if value.upper() in self.lookup:
            return f'Country codes are written in capitals: "{value.upper()}".'
        known = ", ".join(sorted(self.lookup)) or "none yet"
        return (
            f'Unknown country code "{value}". Known codes: {known}. Add the country '
            "to countries.csv first, or correct the code."
        )


class MeetingWidget(LookupWidget):
    def __init__(self):
        super().__init__(Meeting, "slug")

    def unknown(self, value):
        return (
            f'Unknown meeting slug "{value}": no meeting has this slug. Add the '
            "meeting to meetings.csv first, or correct the slug."
            + _did_you_mean(value, self.lookup)
        )


class SeriesWidget(LookupWidget):
    def __init__(self):
        super().__init__(MeetingSeries, "slug")

    def unknown(self, value):
        known = ", ".join(sorted(self.lookup)) or "none yet"
        return (
            f'Unknown series "{value}". Known series: {known}. Add the series in '
            "the admin (Meeting series) first, or correct the slug."
            + _did_you_mean(value, self.lookup)
        )


class DocumentWidget(LookupWidget):
    def __init__(self):
        super().__init__(Document, "slug")

    def unknown(self, value):
        return (
            f'Unknown document slug "{value}": no document has this slug. Add the '
            "document first, or correct the slug." + _did_you_mean(value, self.lookup)
        )


def _slug(obj):
    return obj.slug


class SourcesWidget(widgets.ManyToManyWidget):
    """Source slugs joined by ``;``, read as a tuple of sources sorted by slug.

    An unknown slug is an error, never dropped; a slug given twice counts once.
    The library's own ``clean`` filters the sources by the slugs given, a query a
    row (measured need) that drops an unknown slug silently (correctness rule).
    """

    def __init__(self):
        super().__init__(Source, separator=";", field="slug")
        self.load({})

    def load(self, lookup, links=None):
        """``lookup``: sources by slug; ``links``: source pks by owner pk."""
        self.lookup = lookup
        self.links = links or {}
        self.by_pk = {source.pk: source for source in lookup.values()}

    def sources_of(self, owner_pk):
        """An existing record's sources, as :meth:`clean` reads them."""
        sources = (self.by_pk[pk] for pk in self.links.get(owner_pk, ()))
        return tuple(sorted(sources, key=_slug))

    def clean(self, value, row=None, **kwargs):
        slugs = []
        for part in (value or "").split(self.separator):
            part = part.strip()
            if part and part not in slugs:
                slugs.append(part)
        unknown = [slug for slug in slugs if slug not in self.lookup]
        if unknown:
            listed = ", ".join(f'"{slug}"' for slug in unknown)
            noun = "slug" if len(unknown) == 1 else "slugs"
            raise ValueError(
                f"Unknown source {noun} {listed}: add the source to sources.csv "
                "first, or correct the slug. Separate slugs with ;."
            )
        return tuple(sorted((self.lookup[slug] for slug in slugs), key=_slug))

    def render(self, value, obj=None, **kwargs):
        return self.separator.join(getattr(obj, self.field) for obj in value or ())


class PersonWidget(widgets.ForeignKeyWidget):
    """A person by name. A name not yet known becomes a new person on import,
    checked by the model and given the slug the model derives from the name."""

    def __init__(self):
        super().__init__(Person, field="name")
        self.slugs = set()
        self.new = {}
        self.load([])

    def load(self, people):
        """``people``: everyone known, whose names the file may give."""
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
        found = self.by_name.get(name, ())
        if len(found) > 1:
            slugs = ", ".join(sorted(person.slug for person in found))
            raise ValueError(
                f'{len(found)} people are called "{name}" (slugs {slugs}), so the '
                "file cannot say which one is meant. Make their names distinct in "
                "the admin first."
            )
        if found:
            return found[0]
        if name not in self.new:
            self.new[name] = self.new_person(name)
        return self.new[name]

    def new_person(self, name):
        person = Person(name=name)
        try:
            person.clean_fields(exclude={"slug"})
        except ValidationError as exc:  # the name's own problems, e.g. its length
            raise ValueError(" ".join(exc.messages)) from None
        person.slug = person.derive_slug(taken=self.slugs)
        self.slugs.add(person.slug)
        return person

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.field) if value is not None else ""
