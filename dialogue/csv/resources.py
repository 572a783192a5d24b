"""One resource per file, and the files of the dataset."""

import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from ..iso import COUNTRY_CODES
from ..models import (
    Attendance,
    Capacity,
    Country,
    Document,
    DocumentKind,
    DocumentPoint,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Page,
    Person,
    Pledge,
    Role,
    Source,
)
from .base import CsvResource, _countries, _load_sources
from .columns import Column, PartialDateColumn, SourcesColumn
from .widgets import (
    AmountWidget,
    ChoiceWidget,
    CountryWidget,
    CurrencyWidget,
    DayWidget,
    LookupWidget,
    MeetingWidget,
    NumberWidget,
    PersonWidget,
    SlugWidget,
    TextWidget,
    TrueFalseWidget,
    UnicodeSlugWidget,
    UrlWidget,
    _did_you_mean,
)


class CountryResource(CsvResource):
    file_name = "countries.csv"
    key_columns = ("code",)
    extension_columns = ("sources",)

    code = Column("code", SlugWidget())
    name = Column("name", TextWidget(max_length=100, required=True))
    role = Column("role", ChoiceWidget(Role))
    joined_on = Column("joined_on", DayWidget())
    summary = Column("summary", TextWidget())
    sources = SourcesColumn()

    class Meta:
        model = Country
        fields = ("code", "name", "role", "joined_on", "summary", "sources")

    def load(self, dataset):
        super().load(dataset)
        self.names = {obj.name: obj for obj in self.existing.values()}
        if "sources" in (dataset.headers or []):
            _load_sources(self)

    def instance_key(self, obj):
        return (obj.code,)

    def import_instance(self, instance, row, **kwargs):
        code = (row.get("code") or "").strip()
        if code not in COUNTRY_CODES:
            if code.upper() in COUNTRY_CODES:
                message = f'Country codes are written in capitals: "{code.upper()}".'
            elif not code:
                message = "This column cannot be empty: use the country's ISO code."
            else:
                message = (
                    f'"{code}" is not an ISO 3166-1 alpha-2 country code: use two '
                    "capital letters, e.g. KZ for Kazakhstan."
                )
            raise ValidationError({"code": [message]})
        super().import_instance(instance, row, **kwargs)

    def duplicate_message(self, instance, first_line):
        return (
            "code",
            f'The country code "{instance.code}" appears twice in this file '
            f"(first on line {first_line}).",
        )

    def check(self, instance):
        other = self.names.get(instance.name)
        if other is not None and other.pk != instance.pk:
            yield (
                "name",
                f'The name "{instance.name}" already belongs to the country with '
                f'code "{other.code}".',
            )
        else:
            self.names[instance.name] = instance

    def describe_key(self, row_result):
        return row_result.object_repr


class SourceResource(CsvResource):
    file_name = "sources.csv"
    key_columns = ("slug",)
    extension_columns = ("note",)

    slug = Column("slug", SlugWidget(max_length=100, required=True))
    title = Column("title", TextWidget(max_length=300, required=True))
    publisher = Column("publisher", TextWidget(max_length=200))
    url = Column("url", UrlWidget(max_length=500))
    published_on = Column("published_on", DayWidget())
    note = Column("note", TextWidget())

    class Meta:
        model = Source
        fields = ("slug", "title", "publisher", "url", "published_on", "note")

    def instance_key(self, obj):
        return (obj.slug,)

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )


class MeetingResource(CsvResource):
    file_name = "meetings.csv"
    key_columns = ("slug",)
    extension_columns = ("outcomes",)
    export_related = ("host",)

    slug = Column("slug", SlugWidget(max_length=120))
    kind = Column("kind", ChoiceWidget(MeetingKind))
    number = Column("number", NumberWidget())
    title = Column("title", TextWidget(max_length=300, required=True))
    status = Column("status", ChoiceWidget(MeetingStatus))
    start_date = PartialDateColumn("start_date", "start_date", "start_precision")
    end_date = PartialDateColumn("end_date", "end_date", "end_precision")
    city = Column("city", TextWidget(max_length=100))
    host = Column("host", CountryWidget())
    format = Column("format", ChoiceWidget(MeetingFormat, allow_blank=True))
    summary = Column("summary", TextWidget())
    sources = SourcesColumn()
    outcomes = Column("outcomes", TextWidget())

    class Meta:
        model = Meeting
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
        )

    def existing_queryset(self):
        return Meeting.objects.select_related("host")

    def load(self, dataset):
        super().load(dataset)
        self.fields["host"].widget.load(_countries())
        _load_sources(self)
        self.slugs = {key[0] for key in self.existing}
        # Slugs written in the file are reserved before any is made up.
        if "slug" in (dataset.headers or []):
            self.slugs.update(slug.strip() for slug in dataset["slug"] if slug.strip())
        self.numbers = {
            (m.kind, m.number): m
            for m in self.existing.values()
            if m.number is not None and m.status != MeetingStatus.CANCELLED
        }
        self.by_base_slug = defaultdict(list)
        for meeting in self.existing.values():
            self.by_base_slug[re.sub(r"-\d+$", "", meeting.slug)].append(meeting)

    def instance_key(self, obj):
        return (obj.slug,)

    def find_existing(self, row):
        slug = (row.get("slug") or "").strip()
        if slug:
            return self.existing.get((slug,))
        return self.find_same_meeting(row)

    def find_same_meeting(self, row):
        """A row without a slug is the meeting whose made-up slug and every cell
        match, so that importing the same file twice adds nothing."""
        probe = Meeting()
        try:
            values = {
                name: field.parse(row)
                for name, field in self.fields.items()
                if name != "slug" and field.column_name in row
            }
        except ValueError:
            return None
        for name, value in values.items():
            self.fields[name].assign(probe, value)
        base = derived_slug(probe)
        for candidate in self.by_base_slug.get(base, []):
            if all(
                self.fields[name].current(candidate) == value
                for name, value in values.items()
            ):
                return candidate
        return None

    def import_instance(self, instance, row, **kwargs):
        if instance.pk is not None and not (row.get("slug") or "").strip():
            row = {**row, "slug": instance.slug}  # found by its made-up slug
        super().import_instance(instance, row, **kwargs)
        if not instance.slug:
            instance.slug = self.free_slug(derived_slug(instance))

    def free_slug(self, base):
        slug, counter = base, 2
        while slug in self.slugs:
            slug, counter = f"{base}-{counter}", counter + 1
        self.slugs.add(slug)
        return slug

    def file_key(self, instance):
        return (instance.slug,) if instance.slug else None

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )

    def check(self, instance):
        start, end = instance.start, instance.end
        if end.known and not start.known:
            yield "start_date", "A meeting with an end date needs a start date."
        elif end.known and end.date < start.date:
            yield "end_date", "A meeting cannot end before it starts."
        if instance.format == MeetingFormat.ONLINE and instance.city:
            yield "city", "An online meeting has no city: leave the city empty."
        if instance.number is not None and instance.status != MeetingStatus.CANCELLED:
            key = (instance.kind, instance.number)
            other = self.numbers.get(key)
            if other is not None and other.pk != instance.pk and other is not instance:
                where = f'the meeting "{other.slug}"' if other.pk else "another row"
                yield (
                    "number",
                    f"{instance.get_kind_display()} number {instance.number} is "
                    f"already {where}.",
                )
            else:
                self.numbers[key] = instance

    def describe_key(self, row_result):
        instance = row_result.instance
        return instance.slug if instance is not None else row_result.object_repr


def derived_slug(meeting):
    """The slug a meeting without one gets (as ``Meeting.derive_slug``, unsuffixed)."""
    date_part = meeting.start.isoformat() or "undated"
    return slugify(
        f"{date_part} {meeting.kind.replace('_', ' ')} {meeting.number or ''}"
    )


class AttendanceResource(CsvResource):
    """attendees.csv: a named attendee is identified by meeting and person, an
    unnamed one (empty person) by meeting, country and position."""

    file_name = "attendees.csv"
    key_columns = ("meeting", "person", "country", "position")
    export_related = ("meeting", "person", "country")

    meeting = Column("meeting", MeetingWidget(required=True))
    person = Column("person", PersonWidget())
    position = Column("position", TextWidget(max_length=200))
    country = Column("country", CountryWidget(required=True))
    capacity = Column("capacity", ChoiceWidget(Capacity))

    class Meta:
        model = Attendance
        fields = ("meeting", "person", "position", "country", "capacity")

    def existing_queryset(self):
        return Attendance.objects.select_related("meeting", "person", "country")

    def load(self, dataset):
        super().load(dataset)
        self.fields["meeting"].widget.load(
            {meeting.slug: meeting for meeting in Meeting.objects.all()}
        )
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
        return (
            meeting,
            "unnamed",
            (row.get("country") or "").strip(),
            row.get("position") or "",
        )

    def file_key(self, instance):
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

    def check(self, instance):
        if instance.person is None and not instance.position.strip():
            yield (
                "position",
                "An attendee whose name is not known needs a position, e.g. "
                "Minister for Foreign Affairs.",
            )

    def describe_key(self, row_result):
        return row_result.object_repr


class PledgeResource(CsvResource):
    file_name = "pledges.csv"
    key_columns = ("slug",)
    export_related = ("donor", "meeting")

    slug = Column("slug", SlugWidget(max_length=120, required=True))
    donor = Column("donor", CountryWidget(required=True))
    amount = Column("amount", AmountWidget())
    currency = Column("currency", CurrencyWidget())
    approximate = Column("approximate", TrueFalseWidget())
    announced_on = PartialDateColumn(
        "announced_on", "announced_on", "announced_precision"
    )
    meeting = Column("meeting", MeetingWidget())
    purpose = Column("purpose", TextWidget())
    sources = SourcesColumn()

    class Meta:
        model = Pledge
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
        )

    def existing_queryset(self):
        return Pledge.objects.select_related("donor", "meeting")

    def load(self, dataset):
        super().load(dataset)
        self.fields["donor"].widget.load(_countries())
        self.fields["meeting"].widget.load(
            {meeting.slug: meeting for meeting in Meeting.objects.all()}
        )
        _load_sources(self)

    def instance_key(self, obj):
        return (obj.slug,)

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )

    def describe_key(self, row_result):
        instance = row_result.instance
        return instance.slug if instance is not None else row_result.object_repr


class PersonResource(CsvResource):
    """people.csv (admin only): slugs and names, e.g. to correct a spelling."""

    file_name = "people.csv"
    key_columns = ("slug",)

    slug = Column("slug", UnicodeSlugWidget(max_length=120, required=True))
    name = Column("name", TextWidget(max_length=200, required=True))
    other_names = Column("other_names", TextWidget())

    class Meta:
        model = Person
        fields = ("slug", "name", "other_names")

    def instance_key(self, obj):
        return (obj.slug,)

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )


class DocumentWidget(LookupWidget):
    def __init__(self, required=False):
        super().__init__(Document, "slug", required)

    def unknown(self, value):
        return (
            f'Unknown document slug "{value}": no document has this slug. Add the '
            "document first, or correct the slug." + _did_you_mean(value, self.lookup)
        )


class DocumentResource(CsvResource):
    """documents.csv (admin only)."""

    file_name = "documents.csv"
    key_columns = ("slug",)
    export_related = ("meeting", "author")

    slug = Column("slug", SlugWidget(max_length=120, required=True))
    title = Column("title", TextWidget(max_length=300, required=True))
    kind = Column("kind", ChoiceWidget(DocumentKind))
    date = PartialDateColumn("date", "date", "date_precision")
    meeting = Column("meeting", MeetingWidget())
    author = Column("author", PersonWidget())
    author_role = Column("author_role", TextWidget(max_length=200))
    summary = Column("summary", TextWidget())
    sources = SourcesColumn()

    class Meta:
        model = Document
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
        )

    def existing_queryset(self):
        return Document.objects.select_related("meeting", "author")

    def load(self, dataset):
        super().load(dataset)
        self.fields["meeting"].widget.load(
            {meeting.slug: meeting for meeting in Meeting.objects.all()}
        )
        self.fields["author"].widget.load(Person.objects.all())
        _load_sources(self)

    def instance_key(self, obj):
        return (obj.slug,)

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )


class DocumentPointResource(CsvResource):
    """document_points.csv (admin only): a point is its document and number."""

    file_name = "document_points.csv"
    key_columns = ("document", "number")
    export_related = ("document",)

    document = Column("document", DocumentWidget(required=True))
    number = Column(
        "number", NumberWidget(required=True, example="write 1 for the first point")
    )
    heading = Column("heading", TextWidget(max_length=200))
    text = Column("text", TextWidget(required=True))
    is_quotation = Column("is_quotation", TrueFalseWidget())

    class Meta:
        model = DocumentPoint
        fields = ("document", "number", "heading", "text", "is_quotation")

    def existing_queryset(self):
        return DocumentPoint.objects.select_related("document")

    def load(self, dataset):
        super().load(dataset)
        self.fields["document"].widget.load(
            {document.slug: document for document in Document.objects.all()}
        )

    def instance_key(self, obj):
        return (obj.document.slug, str(obj.number))

    def row_key(self, row):
        number = (row.get("number") or "").strip()
        if number.isdecimal() and number.isascii():
            number = str(int(number))
        return ((row.get("document") or "").strip(), number)

    def file_key(self, instance):
        return (instance.document.slug, instance.number)

    def duplicate_message(self, instance, first_line):
        return (
            "number",
            f'Point {instance.number} of "{instance.document.slug}" appears twice in '
            f"this file (first on line {first_line}).",
        )


class PageResource(CsvResource):
    """pages.csv (admin only): the editor-written prose pages, Markdown bodies."""

    file_name = "pages.csv"
    key_columns = ("slug",)

    slug = Column("slug", SlugWidget(max_length=100, required=True))
    title = Column("title", TextWidget(max_length=200, required=True))
    summary = Column("summary", TextWidget(max_length=300))
    body = Column("body", TextWidget(required=True))
    menu_order = Column(
        "menu_order",
        NumberWidget(minimum=0, empty=0, example="write 0 to list it first"),
    )
    sources = SourcesColumn()

    class Meta:
        model = Page
        fields = ("slug", "title", "summary", "body", "menu_order", "sources")

    def load(self, dataset):
        super().load(dataset)
        _load_sources(self)

    def instance_key(self, obj):
        return (obj.slug,)

    def duplicate_message(self, instance, first_line):
        return (
            "slug",
            f'The slug "{instance.slug}" appears twice in this file (first on line '
            f"{first_line}).",
        )
