"""One resource per file: its columns, in the contract's order (docs/csv-format.md)."""

import re
from collections import defaultdict

from ..models import (
    Attendance,
    Country,
    Document,
    DocumentPoint,
    Meeting,
    MeetingSeries,
    Page,
    Person,
    Pledge,
    Source,
)
from .base import CsvResource, KeyLoader, NaturalKeyLoader
from .columns import Column, PartialDateColumn, SourcesColumn
from .widgets import (
    AmountWidget,
    CountryWidget,
    DayWidget,
    DocumentWidget,
    KeyWidget,
    MeetingWidget,
    NumberWidget,
    PersonWidget,
    SeriesWidget,
    TextWidget,
    TrueFalseWidget,
)


def _countries():
    return {country.code: country for country in Country.objects.all()}


def _series():
    return {series.slug: series for series in MeetingSeries.objects.all()}


def _meetings():
    return {meeting.slug: meeting for meeting in Meeting.objects.all()}


class CountryResource(CsvResource):
    file_name = "countries.csv"
    extension_columns = ("sources", "published")
    key_noun = "country code"

    code = Column("code", KeyWidget())
    name = Column("name", TextWidget(spaces_are_empty=True))
    role = Column("role", KeyWidget())
    joined_on = Column("joined_on", DayWidget())
    summary = Column("summary", TextWidget())
    sources = SourcesColumn()

    class Meta:
        model = Country
        import_id_fields = ("code",)
        fields = (
            "code",
            "name",
            "role",
            "joined_on",
            "summary",
            "sources",
            "published",
        )

    def load(self, dataset):
        self.fields["sources"].load(self._meta.model)


class SourceResource(CsvResource):
    file_name = "sources.csv"
    extension_columns = ("note", "published")

    slug = Column("slug", KeyWidget())
    title = Column("title", TextWidget(spaces_are_empty=True))
    publisher = Column("publisher", TextWidget())
    url = Column("url", KeyWidget())
    published_on = Column("published_on", DayWidget())
    note = Column("note", TextWidget())

    class Meta:
        model = Source
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "title",
            "publisher",
            "url",
            "published_on",
            "note",
            "published",
        )


class MeetingLoader(KeyLoader):
    """The library's loader, for the rows that give a slug; a row without one is
    the meeting its other cells describe (:meth:`MeetingResource.same_meeting`)."""

    def get_instance(self, row):
        if (row.get("slug") or "").strip():
            return super().get_instance(row)
        return self.resource.same_meeting(row)


class MeetingResource(CsvResource):
    file_name = "meetings.csv"
    extension_columns = ("outcomes", "series", "published")
    related = ("host", "series")
    key_attribute = "slug"

    slug = Column("slug", KeyWidget())
    kind = Column("kind", KeyWidget())
    number = Column(
        "number",
        NumberWidget(
            "write 4 for the 4th meeting, or leave it empty if the number is not known"
        ),
    )
    title = Column("title", TextWidget(spaces_are_empty=True))
    status = Column("status", KeyWidget())
    # The admin makes a title left empty; a file names each meeting, so that a row
    # re-imported reads as the meeting it made.
    required_columns = ("title",)
    start_date = PartialDateColumn("start_date", "start_date", "start_precision")
    end_date = PartialDateColumn("end_date", "end_date", "end_precision")
    city = Column("city", TextWidget())
    host = Column("host", CountryWidget())
    format = Column("format", KeyWidget())
    summary = Column("summary", TextWidget())
    sources = SourcesColumn()
    outcomes = Column("outcomes", TextWidget())
    series = Column("series", SeriesWidget())

    class Meta:
        model = Meeting
        instance_loader_class = MeetingLoader
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "kind",
            "number",
            "title",
            "status",
            "start_date",
            "end_date",
            "city",
            "host",
            "format",
            "summary",
            "sources",
            "outcomes",
            "series",
            "published",
        )

    def load(self, dataset):
        self.fields["host"].widget.load(_countries())
        self.fields["series"].widget.load(_series())
        self.fields["sources"].load(self._meta.model)
        # Slugs the file gives are reserved before any is made up.
        given = dataset["slug"] if "slug" in (dataset.headers or []) else []
        self.given_slugs = {slug.strip() for slug in given if slug.strip()}
        self.slugs = None
        self.by_derived_slug = None

    def taken_slugs(self):
        """Every slug in use or given by the file, loaded at the first made-up
        slug; made-up slugs are added as they are given out."""
        if self.slugs is None:
            self.slugs = set(Meeting.objects.values_list("slug", flat=True))
            self.slugs |= self.given_slugs
        return self.slugs

    def same_meeting(self, row):
        """A row without a slug is the meeting whose slug was made from the same
        date, kind and number and whose every other cell matches, so that
        importing the same file twice adds nothing (correctness rule of
        docs/csv-format.md)."""
        probe = Meeting()
        columns = [
            field
            for name, field in self.fields.items()
            if name != "slug" and field.column_name in row
        ]
        try:
            values = [(field, field.parse(row)) for field in columns]
        except ValueError:
            return None  # reported as the row is read
        for field, value in values:
            field.assign(probe, value)
        derived = probe.derive_slug(taken=())
        for candidate in self.meetings_by_derived_slug().get(derived, []):
            if all(field.current(candidate) == value for field, value in values):
                return candidate
        return None

    def meetings_by_derived_slug(self):
        """Existing meetings by their slug, and by it without a "-2" suffix."""
        if self.by_derived_slug is None:
            self.by_derived_slug = defaultdict(list)
            for meeting in self.get_queryset():
                for key in {meeting.slug, re.sub(r"-\d+$", "", meeting.slug)}:
                    self.by_derived_slug[key].append(meeting)
        return self.by_derived_slug

    def import_instance(self, instance, row, **kwargs):
        if instance.pk is not None and not (row.get("slug") or "").strip():
            row = {**row, "slug": instance.slug}  # found by its made-up slug
        super().import_instance(instance, row, **kwargs)
        if not instance.slug:
            instance.slug = instance.derive_slug(taken=self.taken_slugs())
            self.slugs.add(instance.slug)

    def file_key(self, instance):
        return (instance.slug,) if instance.slug else None


class AttendanceResource(CsvResource):
    """attendees.csv: a named attendee is identified by meeting and person, an
    unnamed one (empty person) by meeting, country and position."""

    extension_columns = ("published",)
    file_name = "attendees.csv"
    related = ("meeting", "person", "country")

    meeting = Column("meeting", MeetingWidget())
    person = Column("person", PersonWidget())
    position = Column("position", TextWidget())
    country = Column("country", CountryWidget())
    capacity = Column("capacity", KeyWidget())

    class Meta:
        model = Attendance
        instance_loader_class = NaturalKeyLoader
        import_id_fields = ("meeting", "person", "country", "position")
        fields = ("meeting", "person", "position", "country", "capacity", "published")

    def load(self, dataset):
        self.fields["meeting"].widget.load(_meetings())
        self.fields["country"].widget.load(_countries())
        self.fields["person"].widget.load(Person.objects.all())

    def instance_key(self, obj):
        if obj.person_id:
            return (obj.meeting.slug, "person", obj.person.name)
        return (obj.meeting.slug, "unnamed", obj.country.code, obj.position)

    def row_key(self, row):
        meeting = (row.get("meeting") or "").strip()
        person = (row.get("person") or "").strip()
        if person:
            return (meeting, "person", person)
        country = (row.get("country") or "").strip()
        return (meeting, "unnamed", country, row.get("position") or "")

    def file_key(self, instance):
        if instance.meeting_id is None or instance.country_id is None:
            return None  # the model names the empty cell
        if instance.person is not None:
            return (instance.meeting.slug, "person", instance.person.name)
        return (
            instance.meeting.slug,
            "unnamed",
            instance.country.code,
            instance.position,
        )

    def duplicate_message(self, instance, first_line):
        if instance.person is not None:
            return (
                "person",
                f'"{instance.person.name}" is listed twice for the meeting '
                f'"{instance.meeting.slug}" (first on line {first_line}).',
            )
        return (
            "position",
            f'An unnamed attendee with the position "{instance.position}" for '
            f"{instance.country.code} is listed twice for the meeting "
            f'"{instance.meeting.slug}" (first on line {first_line}).',
        )


class PledgeResource(CsvResource):
    extension_columns = ("published",)
    file_name = "pledges.csv"
    related = ("donor", "meeting")
    key_attribute = "slug"

    # Correctness rule: the model would make a slug up, but a pledge added so
    # could not be found again by the next import, which would add it twice.
    required_columns = ("slug",)

    slug = Column("slug", KeyWidget())
    donor = Column("donor", CountryWidget())
    amount = Column("amount", AmountWidget())
    currency = Column("currency", KeyWidget())
    approximate = Column("approximate", TrueFalseWidget())
    announced_on = PartialDateColumn(
        "announced_on", "announced_on", "announced_precision"
    )
    meeting = Column("meeting", MeetingWidget())
    purpose = Column("purpose", TextWidget())
    sources = SourcesColumn()

    class Meta:
        model = Pledge
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "donor",
            "amount",
            "currency",
            "approximate",
            "announced_on",
            "meeting",
            "purpose",
            "sources",
            "published",
        )

    def load(self, dataset):
        self.fields["donor"].widget.load(_countries())
        self.fields["meeting"].widget.load(_meetings())
        self.fields["sources"].load(self._meta.model)


class PersonResource(CsvResource):
    """people.csv: slugs and names, e.g. to correct a spelling."""

    extension_columns = ("published",)
    file_name = "people.csv"

    slug = Column("slug", KeyWidget())
    name = Column("name", TextWidget(spaces_are_empty=True))
    other_names = Column("other_names", TextWidget())

    class Meta:
        model = Person
        import_id_fields = ("slug",)
        fields = ("slug", "name", "other_names", "published")


class DocumentResource(CsvResource):
    extension_columns = ("published",)
    file_name = "documents.csv"
    related = ("meeting", "author")

    slug = Column("slug", KeyWidget())
    title = Column("title", TextWidget(spaces_are_empty=True))
    kind = Column("kind", KeyWidget())
    date = PartialDateColumn("date", "date", "date_precision")
    meeting = Column("meeting", MeetingWidget())
    author = Column("author", PersonWidget())
    author_role = Column("author_role", TextWidget())
    summary = Column("summary", TextWidget())
    sources = SourcesColumn()

    class Meta:
        model = Document
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "title",
            "kind",
            "date",
            "meeting",
            "author",
            "author_role",
            "summary",
            "sources",
            "published",
        )

    def load(self, dataset):
        self.fields["meeting"].widget.load(_meetings())
        self.fields["author"].widget.load(Person.objects.all())
        self.fields["sources"].load(self._meta.model)


class DocumentPointResource(CsvResource):
    """document_points.csv: a point is its document and number."""

    extension_columns = ("published",)
    file_name = "document_points.csv"
    related = ("document",)

    document = Column("document", DocumentWidget())
    number = Column("number", NumberWidget("write 1 for the first point"))
    heading = Column("heading", TextWidget())
    text = Column("text", TextWidget(spaces_are_empty=True))
    is_quotation = Column("is_quotation", TrueFalseWidget())

    class Meta:
        model = DocumentPoint
        instance_loader_class = NaturalKeyLoader
        import_id_fields = ("document", "number")
        fields = ("document", "number", "heading", "text", "is_quotation", "published")

    def load(self, dataset):
        documents = {document.slug: document for document in Document.objects.all()}
        self.fields["document"].widget.load(documents)

    def instance_key(self, obj):
        return (obj.document.slug, str(obj.number))

    def row_key(self, row):
        number = (row.get("number") or "").strip()
        if number.isdecimal() and number.isascii():
            number = str(int(number))
        return ((row.get("document") or "").strip(), number)

    def file_key(self, instance):
        if instance.document_id is None or instance.number is None:
            return None  # the model names the empty cell
        return (instance.document.slug, instance.number)

    def duplicate_message(self, instance, first_line):
        return (
            "number",
            f'Point {instance.number} of "{instance.document.slug}" appears twice in '
            f"this file (first on line {first_line}).",
        )


class PageResource(CsvResource):
    """pages.csv: the editor-written prose pages, Markdown bodies."""

    extension_columns = ("published",)
    file_name = "pages.csv"

    slug = Column("slug", KeyWidget())
    title = Column("title", TextWidget(spaces_are_empty=True))
    summary = Column("summary", TextWidget())
    body = Column("body", TextWidget(spaces_are_empty=True))
    menu_order = Column("menu_order", NumberWidget("write 0 to list it first", empty=0))
    sources = SourcesColumn()

    class Meta:
        model = Page
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "title",
            "summary",
            "body",
            "menu_order",
            "sources",
            "published",
        )

    def load(self, dataset):
        self.fields["sources"].load(self._meta.model)
