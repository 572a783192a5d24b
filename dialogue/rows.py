"""What a page shows of a record, read as a row by a statement (see
dialogue/statements.py) instead of as a model instance: the fields a template
uses, under the names the records' own templates use, and the record's
citation key (dialogue/citations.py).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import CharField
from django.db.models.functions import Cast
from django.urls import reverse

from .addresses import country_url, record_url
from .models import Attendance, Document, meeting_label, pledge_label
from .partial_dates import PartialDate, format_range


def as_text(name):
    """A column (or an expression) as text, so that dates, amounts and years read
    the same from every database (the rows skip the ORM's conversions)."""
    return Cast(name, CharField())


def partial_date(text, precision):
    return PartialDate(datetime.date.fromisoformat(text) if text else None, precision)


@dataclass(frozen=True)
class Link:
    """A related record as a pledge's text links to it."""

    url: str
    name: str
    published: bool = True

    def get_absolute_url(self):
        return self.url

    @property
    def title(self):
        return self.name


#: The columns of :class:`PledgeRow`, for ``values_list(*PLEDGE_COLUMNS)`` on a
#: queryset annotated with :data:`PLEDGE_TEXTS`.
PLEDGE_COLUMNS = (
    "pk",
    "slug",
    "amount_text",
    "currency",
    "approximate",
    "announced_text",
    "announced_precision",
    "purpose",
    "donor__code",
    "donor__name",
    "meeting__slug",
    "meeting__title",
    "meeting__published",
)
PLEDGE_TEXTS = {
    "amount_text": as_text("amount"),
    "announced_text": as_text("announced_on"),
}


def pledge_rows(queryset):
    """``queryset`` (of pledges) as the columns of :class:`PledgeRow`."""
    return queryset.annotate(**PLEDGE_TEXTS).values_list(*PLEDGE_COLUMNS)


@dataclass(frozen=True)
class PledgeRow:
    """A pledge as ``includes/pledge_text.html`` shows it."""

    pk: int
    slug: str
    amount_text: str
    currency: str
    approximate: bool
    announced_text: str | None
    announced_precision: str
    purpose: str
    donor_code: str
    donor_name: str
    meeting_slug: str | None
    meeting_title: str | None
    meeting_published: bool | None

    @property
    def amount(self):
        # As the model's DecimalField gives it: two decimal places.
        return Decimal(self.amount_text).quantize(Decimal("0.01"))

    @property
    def announced(self):
        return partial_date(self.announced_text, self.announced_precision)

    @property
    def donor(self):
        return Link(
            country_url(self.donor_code),
            self.donor_name,
        )

    @property
    def meeting(self):
        if self.meeting_slug is None:
            return None
        return Link(
            record_url("dialogue:meeting-detail", self.meeting_slug),
            self.meeting_title,
            bool(self.meeting_published),
        )

    @property
    def citation_key(self):
        return ("dialogue.pledge", self.pk)

    def get_absolute_url(self):
        return f"{reverse('dialogue:pledge-list')}#pledge-{self.slug}"


@dataclass(frozen=True)
class PageSummary:
    """A prose page as another page introduces it: its summary and address."""

    slug: str
    summary: str

    def get_absolute_url(self):
        return record_url("dialogue:page-detail", self.slug)


@dataclass(frozen=True)
class Point:
    """A point of a document, as the document's page shows it."""

    heading: str
    text: str
    is_quotation: bool


@dataclass(frozen=True)
class Representative:
    """A person on a country's page: how often they came for it, and the latest
    time, as what position at which meeting."""

    slug: str
    name: str
    appearance_count: int
    position: str
    meeting_slug: str
    meeting_title: str

    @property
    def url(self):
        return record_url("dialogue:person-detail", self.slug)

    @property
    def meeting_url(self):
        return record_url("dialogue:meeting-detail", self.meeting_slug)


class InCapacity:
    """For a row of an attendance: in what capacity."""

    @property
    def capacity_label(self):
        return Attendance.Capacity(self.capacity).label


class ForCountry(InCapacity):
    """For a row of an attendance: the country represented, and in what capacity."""

    @property
    def country_url(self):
        return country_url(self.country_code)


@dataclass(frozen=True)
class Appearance(ForCountry):
    """A meeting a person attended, as their page lists it."""

    meeting_pk: int
    meeting_slug: str
    meeting_title: str
    start_date: str | None
    start_precision: str
    end_date: str | None
    end_precision: str
    position: str
    country_code: str
    country_name: str
    capacity: str

    @property
    def meeting_url(self):
        return record_url("dialogue:meeting-detail", self.meeting_slug)

    @property
    def dates(self):
        return format_range(
            partial_date(self.start_date, self.start_precision),
            partial_date(self.end_date, self.end_precision),
        )

    @property
    def citation_key(self):
        return ("dialogue.meeting", self.meeting_pk)


@dataclass(frozen=True)
class Attendee(ForCountry):
    """A row of a meeting's attendees: who (if named), as what, for which country,
    in which capacity."""

    person_slug: str | None
    person_name: str | None
    position: str
    country_code: str
    country_name: str
    capacity: str

    @property
    def person_url(self):
        return record_url("dialogue:person-detail", self.person_slug)


@dataclass(frozen=True)
class DocumentLink:
    """A document as a list links to it: title and kind, and its citations."""

    pk: int
    slug: str
    title: str
    kind: str

    @property
    def url(self):
        return record_url("dialogue:document-detail", self.slug)

    @property
    def kind_label(self):
        return Document.Kind(self.kind).label

    @property
    def citation_key(self):
        return ("dialogue.document", self.pk)


@dataclass(frozen=True)
class CitingRecord:
    """A record citing a source, as its page lists it: ``key`` (code or slug) and
    up to three more texts, which depend on the kind (see
    :func:`dialogue.views.cited_by`)."""

    kind: str
    key: str
    name: str
    more: str
    detail: str

    @property
    def url(self):
        if self.kind == "countries":
            return country_url(self.key)
        if self.kind == "pledges":
            return f"{reverse('dialogue:pledge-list')}#pledge-{self.key}"
        return record_url(CITING_URLS[self.kind], self.key)

    def __str__(self):
        if self.kind == "meetings":
            return meeting_label(self.name, partial_date(self.more, self.detail))
        if self.kind == "pledges":
            return pledge_label(self.name, self.more, Decimal(self.detail))
        return self.name


CITING_URLS = {
    "meetings": "dialogue:meeting-detail",
    "documents": "dialogue:document-detail",
    "pages": "dialogue:page-detail",
}
