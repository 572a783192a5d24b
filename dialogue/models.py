"""The Dialogue's data: participants, meetings and who attended, pledges,
documents and their points, sources, and editor-written pages.

Every model has a natural key (never a database id) for fixtures and CSV files,
and a ``published`` flag: drafts stay off the public site.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .addresses import country_url, record_url
from .iso import COUNTRY_CODES, CURRENCY_CODES
from .markup import render_markdown
from .partial_dates import PartialDate, Precision, format_range, precision_constraints
from .text import fold


def ordinal(number):
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def choice_constraint(field, choices, name, allow_blank=False):
    values = list(choices.values) + ([""] if allow_blank else [])
    return models.CheckConstraint(condition=Q(**{f"{field}__in": values}), name=name)


class Role(models.TextChoices):
    MEMBER = "member", _("member")
    OBSERVER = "observer", _("observer")
    GUEST = "guest", _("guest")


class MeetingKind(models.TextChoices):
    FOREIGN_MINISTERS = "foreign_ministers", _("Foreign Ministers' Meeting")
    SENIOR_OFFICIALS = "senior_officials", _("Senior Officials' Meeting")
    INTELLECTUAL_DIALOGUE = "intellectual_dialogue", _("Intellectual Dialogue")
    EXPERT_MEETING = "expert_meeting", _("Expert Meeting")
    BUSINESS_DIALOGUE = "business_dialogue", _("Business Dialogue")
    SUMMIT = "summit", _("Summit")
    OTHER = "other", _("Other meeting")


class MeetingStatus(models.TextChoices):
    HELD = "held", _("held")
    PLANNED = "planned", _("planned")
    CANCELLED = "cancelled", _("cancelled")


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    ONLINE = "online", _("online")
    HYBRID = "hybrid", _("hybrid")


class Capacity(models.TextChoices):
    DELEGATE = "delegate", _("delegate")
    OBSERVER = "observer", _("observer")
    GUEST = "guest", _("guest")


class DocumentKind(models.TextChoices):
    JOINT_STATEMENT = "joint_statement", _("joint statement")
    ACTION_PLAN = "action_plan", _("action plan")
    SPEECH = "speech", _("speech")
    PRESS_RELEASE = "press_release", _("press release")
    OTHER = "other", _("other document")


def public_or_none(record):
    """A linked record as visitors see it: itself when published, else None
    (the link's target is a draft, or there is none)."""
    return record if record is not None and record.published else None


class PublishedQuerySet(models.QuerySet):
    """The one home of what visitors may see of a kind of record.

    A record is public when it is published and so is each record it belongs to
    (``public_parents``: a draft meeting hides its attendees); an optional link
    (``public_links``) must be empty or point at a public record. Pages, search,
    open data, feeds and sitemaps all read through :meth:`public` (or
    :meth:`public_q` across a relation).
    """

    public_parents = ()
    public_links = ()

    def published(self):
        """Records whose own flag is set, whatever their parents."""
        return self.filter(published=True)

    def public_q(self, prefix="", *, skip=()):
        """The rule as a Q on this model, or across a relation with ``prefix``
        (``"attendances__"``); the parents named in ``skip`` are left out."""
        rule = Q(**{f"{prefix}published": True})
        for parent in self.public_parents:
            if parent not in skip:
                rule &= Q(**{f"{prefix}{parent}__published": True})
        for link in self.public_links:
            rule &= Q(**{f"{prefix}{link}__isnull": True}) | Q(
                **{f"{prefix}{link}__published": True}
            )
        return rule

    def public(self):
        """Records visitors may see."""
        return self.filter(self.public_q())


class SlugQuerySet(PublishedQuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Timestamped(models.Model):
    published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_("Untick to keep this as a draft, hidden from the public site."),
    )
    # Defaults rather than auto_now(_add), so that fixtures and bulk imports,
    # which save without calling save(), still get a time.
    created_at = models.DateTimeField(
        _("created"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(
        _("last changed"), default=timezone.now, editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


class Searchable(Timestamped):
    """A record that search finds (dialogue/search.py).

    Its ``search_fields`` are folded (:func:`dialogue.text.fold`) once, when it is
    saved or imported, into ``search_text``: a search folds only the visitor's
    words and compares them with that stored column, indexed where the database
    can index it. Writes that skip ``save()`` call :meth:`fold_search_text`
    themselves (the CSV import, fixtures through a ``pre_save`` receiver).
    """

    search_fields = ()
    #: The columns :meth:`fold_search_text` fills.
    folded_fields = ("search_text",)

    search_text = models.TextField(
        _("search text"), blank=True, default="", editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.fold_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *self.folded_fields}
        super().save(*args, **kwargs)

    def fold_search_text(self):
        """Fill ``search_text`` from the searchable fields, one line each, so that
        no search matches across two fields."""
        self.search_text = "\n".join(
            folded
            for name in self.search_fields
            if (folded := fold(getattr(self, name)))
        )


class Source(Searchable):
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    note = models.TextField(
        _("note"), blank=True, help_text=_("What this source is, for readers.")
    )
    search_fields = ("title", "publisher", "note")

    objects = SlugQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        permissions = [
            ("import_source", _("Can import sources from CSV")),
            ("export_source", _("Can export sources as CSV")),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("dialogue:source-detail", self.slug)

    def natural_key(self):
        return (self.slug,)


class CountryQuerySet(PublishedQuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Country(Searchable):
    Role = Role

    code = models.CharField(
        _("ISO 3166-1 code"),
        max_length=2,
        unique=True,
        help_text=_("Two capital letters, e.g. KZ for Kazakhstan."),
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    role = models.CharField(_("role in the Dialogue"), max_length=10, choices=Role)
    joined_on = models.DateField(_("date joined"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="countries", blank=True, verbose_name=_("sources")
    )
    # The name alone, folded: what a meeting matches through its host (the place
    # a result shows), not the country's summary or code.
    # (Text, not 100 characters: folding may lengthen a name, "㍿" is "株式会社".)
    search_name = models.TextField(
        _("name as search compares it"), blank=True, default="", editable=False
    )
    search_fields = ("name", "code", "summary")
    folded_fields = ("search_text", "search_name")

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        permissions = [
            ("import_country", _("Can import participants from CSV")),
            ("export_country", _("Can export participants as CSV")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__in=COUNTRY_CODES),
                name="country_code_iso_3166",
                violation_error_message=_(
                    "The code must be an ISO 3166-1 alpha-2 code in capitals, e.g. KZ."
                ),
            ),
            choice_constraint("role", Role, "country_role_valid"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return country_url(self.code)

    def natural_key(self):
        return (self.code,)

    def fold_search_text(self):
        super().fold_search_text()
        self.search_name = fold(self.name)


class Person(Searchable):
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=True)
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("As most often written in English; any script is accepted."),
    )
    other_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("Other spellings and scripts (Cyrillic, Japanese), one per line."),
    )
    search_fields = ("name", "other_names")

    objects = SlugQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        permissions = [
            ("import_person", _("Can import people from CSV")),
            ("export_person", _("Can export people as CSV")),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name, allow_unicode=True)[:120]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return record_url("dialogue:person-detail", self.slug)

    def natural_key(self):
        return (self.slug,)


class MeetingQuerySet(SlugQuerySet):
    def chronological(self):
        return self.order_by(
            F("start_date").asc(nulls_last=True), "kind", "number", "slug"
        )


def meeting_label(title, start):
    """How a meeting is named in a list of records: its title and date."""
    return f"{title} ({start})"


def pledge_label(donor, currency, amount):
    """How a pledge is named in a list of records: who, how much."""
    return f"{donor}: {currency} {amount:,.0f}"


class Meeting(Searchable):
    Kind = MeetingKind
    Status = MeetingStatus
    Format = MeetingFormat

    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        blank=True,
        help_text=_("Left empty, it is made from the date, kind and number."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    number = models.PositiveSmallIntegerField(
        _("number within its kind"),
        null=True,
        blank=True,
        help_text=_("4 for the 4th Foreign Ministers' Meeting; empty when unknown."),
    )
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.HELD
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    start_precision = models.CharField(
        _("start date known to the"),
        max_length=7,
        choices=Precision,
        default=Precision.DAY,
    )
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_precision = models.CharField(
        _("end date known to the"),
        max_length=7,
        choices=Precision,
        default=Precision.UNKNOWN,
        help_text=_("Leave the end date empty for a one-day meeting."),
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    host = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="hosted_meetings",
        null=True,
        blank=True,
        verbose_name=_("host country"),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="meetings", blank=True, verbose_name=_("sources")
    )
    search_fields = ("title", "summary", "outcomes", "city", "slug")

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = [F("start_date").asc(nulls_last=True), "kind", "number"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        permissions = [
            ("import_meeting", _("Can import meetings from CSV")),
            ("export_meeting", _("Can export meetings as CSV")),
        ]
        constraints = [
            choice_constraint("kind", MeetingKind, "meeting_kind_valid"),
            choice_constraint("status", MeetingStatus, "meeting_status_valid"),
            choice_constraint("format", MeetingFormat, "meeting_format_valid", True),
            *precision_constraints("start_date", "start_precision", "meeting"),
            *precision_constraints("end_date", "end_precision", "meeting"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=False, end_date__gte=F("start_date")),
                name="meeting_end_not_before_start",
                violation_error_message=_("A meeting cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(format="online") | Q(city=""),
                name="meeting_online_has_no_city",
                violation_error_message=_("An online meeting has no city."),
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__gte=1),
                name="meeting_number_positive",
            ),
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=Q(number__isnull=False) & ~Q(status="cancelled"),
                name="meeting_number_unique_per_kind",
                violation_error_message=_(
                    "Another meeting of this kind already has this number."
                ),
            ),
        ]

    def __str__(self):
        return meeting_label(self.title, self.start)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.derive_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return record_url("dialogue:meeting-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    @property
    def start(self):
        return PartialDate(self.start_date, self.start_precision)

    @property
    def end(self):
        return PartialDate(self.end_date, self.end_precision)

    @property
    def dates(self):
        return format_range(self.start, self.end)

    @property
    def kind_name(self):
        """'4th Foreign Ministers' Meeting', or the kind alone when unnumbered."""
        label = self.get_kind_display()
        return f"{ordinal(self.number)} {label}" if self.number else label

    @property
    def public_host(self):
        """The host country, or None when there is none or it is a draft."""
        return public_or_none(self.host)

    @property
    def place(self):
        """Where it was, for visitors: the city, and the host country unless that
        country is a draft."""
        if self.format == self.Format.ONLINE:
            return str(_("online"))
        host = self.public_host
        parts = [self.city, host.name if host else ""]
        return ", ".join(part for part in parts if part)

    def derive_slug(self):
        """``2012-11-10-foreign-ministers-4``; unique, with a suffix if taken."""
        date_part = self.start.isoformat() or "undated"
        base = slugify(f"{date_part} {self.kind.replace('_', ' ')} {self.number or ''}")
        slug, counter = base, 2
        while Meeting.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, counter = f"{base}-{counter}", counter + 1
        return slug


class AttendanceQuerySet(PublishedQuerySet):
    def get_by_natural_key(self, meeting, country, person, position):
        if person:
            return self.get(meeting__slug=meeting, person__slug=person)
        return self.get(
            meeting__slug=meeting,
            country__code=country,
            person__isnull=True,
            position=position,
        )

    public_parents = ("meeting", "country")
    public_links = ("person",)

    def public(self, *, country=None):
        """Rows visitors may see: published, of a published meeting, for a
        published country, naming a person only if that person is published.

        With ``country``, that country's rows whatever its own flag: on the
        country's page, the page itself decides (staff preview a draft country).
        """
        if country is None:
            return super().public()
        return self.filter(self.public_q(skip=("country",)), country=country)


class Attendance(Timestamped):
    Capacity = Capacity

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("meeting"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="attendances",
        null=True,
        blank=True,
        verbose_name=_("person"),
        help_text=_("Leave empty when the name is not known."),
    )
    position = models.CharField(
        _("position"),
        max_length=200,
        blank=True,
        help_text=_("e.g. Minister for Foreign Affairs, Ambassador to Japan."),
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="attendances",
        verbose_name=_("for country"),
    )
    capacity = models.CharField(
        _("capacity"), max_length=10, choices=Capacity, default=Capacity.DELEGATE
    )

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "country__name", "position"]
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        permissions = [
            ("import_attendance", _("Can import attendees from CSV")),
            ("export_attendance", _("Can export attendees as CSV")),
        ]
        constraints = [
            choice_constraint("capacity", Capacity, "attendance_capacity_valid"),
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="attendance_person_once_per_meeting",
                violation_error_message=_("This person is already listed here."),
            ),
            models.UniqueConstraint(
                fields=["meeting", "country", "position"],
                condition=Q(person__isnull=True),
                name="attendance_unnamed_once_per_position",
                violation_error_message=_(
                    "An unnamed attendee with this position and country is "
                    "already listed here."
                ),
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(position=""),
                name="attendance_unnamed_has_position",
                violation_error_message=_(
                    "An attendee whose name is not known needs a position."
                ),
            ),
        ]

    def __str__(self):
        who = self.person.name if self.person else self.position
        return f"{who} ({self.country.code}) at {self.meeting.title}"

    def natural_key(self):
        return (
            self.meeting.slug,
            self.country.code,
            self.person.slug if self.person else "",
            self.position,
        )

    natural_key.dependencies = [
        "dialogue.meeting",
        "dialogue.country",
        "dialogue.person",
    ]

    @property
    def display_name(self):
        if self.person:
            return self.person.name
        return _("%(position)s (name not recorded)") % {"position": self.position}


class PledgeQuerySet(SlugQuerySet):
    # A draft donor's pledges stay off the public site with it; a pledge
    # announced at a draft meeting stays public, without the meeting.
    public_parents = ("donor",)


class Pledge(Timestamped):
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        blank=True,
        help_text=_(
            "Left empty, it is made from the donor, date, currency and amount, "
            "e.g. jp-2012-11-10-usd-700000000."
        ),
    )
    donor = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="pledges",
        verbose_name=_("donor"),
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=18,
        decimal_places=2,
        help_text=_("In the currency below, e.g. 700000000 for 700 million."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. USD or JPY.")
    )
    approximate = models.BooleanField(
        _("approximate"),
        default=False,
        help_text=_("Tick when the source gives a rounded or 'about' figure."),
    )
    announced_on = models.DateField(_("announced on"), null=True, blank=True)
    announced_precision = models.CharField(
        _("announcement date known to the"),
        max_length=7,
        choices=Precision,
        default=Precision.DAY,
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        related_name="pledges",
        null=True,
        blank=True,
        verbose_name=_("announced at"),
    )
    purpose = models.TextField(_("purpose"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="pledges", blank=True, verbose_name=_("sources")
    )

    objects = PledgeQuerySet.as_manager()

    class Meta:
        ordering = [F("announced_on").asc(nulls_last=True), "slug"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        permissions = [
            ("import_pledge", _("Can import pledges from CSV")),
            ("export_pledge", _("Can export pledges as CSV")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="pledge_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(currency__in=CURRENCY_CODES),
                name="pledge_currency_iso_4217",
                violation_error_message=_(
                    "The currency must be an ISO 4217 code in capitals, e.g. USD."
                ),
            ),
            *precision_constraints("announced_on", "announced_precision", "pledge"),
        ]

    def __str__(self):
        return pledge_label(self.donor, self.currency, self.amount)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.derive_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("dialogue:pledge-list") + f"#pledge-{self.slug}"

    def natural_key(self):
        return (self.slug,)

    @property
    def announced(self):
        return PartialDate(self.announced_on, self.announced_precision)

    @property
    def public_meeting(self):
        """The meeting it was announced at, or None when none or a draft."""
        return public_or_none(self.meeting)

    def derive_slug(self):
        """``jp-2012-11-10-usd-700000000``; unique, with a suffix if taken."""
        donor = self.donor.code if self.donor_id else ""
        date_part = self.announced.isoformat() or "undated"
        amount = f"{Decimal(self.amount or 0):.2f}".removesuffix(".00")
        base = slugify(
            f"{donor} {date_part} {self.currency} {amount.replace('.', '-')}"
        )[:110]
        slug, counter = base, 2
        while Pledge.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, counter = f"{base}-{counter}", counter + 1
        return slug


class Document(Searchable):
    Kind = DocumentKind

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    date = models.DateField(_("date"), null=True, blank=True)
    date_precision = models.CharField(
        _("date known to the"),
        max_length=7,
        choices=Precision,
        default=Precision.DAY,
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
        verbose_name=_("adopted or given at"),
    )
    author = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
        verbose_name=_("author or speaker"),
    )
    author_role = models.CharField(_("author's position"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="documents", blank=True, verbose_name=_("sources")
    )
    search_fields = ("title", "summary", "author_role")

    objects = SlugQuerySet.as_manager()

    class Meta:
        ordering = [F("date").asc(nulls_last=True), "title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        permissions = [
            ("import_document", _("Can import documents from CSV")),
            ("export_document", _("Can export documents as CSV")),
        ]
        constraints = [
            choice_constraint("kind", DocumentKind, "document_kind_valid"),
            *precision_constraints("date", "date_precision", "document"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("dialogue:document-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    @property
    def dated(self):
        return PartialDate(self.date, self.date_precision)

    @property
    def public_author(self):
        """The author or speaker, or None when there is none or it is a draft."""
        return public_or_none(self.author)

    @property
    def public_meeting(self):
        """The meeting, or None when there is none or it is a draft."""
        return public_or_none(self.meeting)


class DocumentPointQuerySet(PublishedQuerySet):
    public_parents = ("document",)

    def get_by_natural_key(self, document, number):
        return self.get(document__slug=document, number=number)


class DocumentPoint(Searchable):
    document = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        related_name="points",
        verbose_name=_("document"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    heading = models.CharField(
        _("heading"),
        max_length=200,
        blank=True,
        help_text=_("Points with the same heading are listed together."),
    )
    text = models.TextField(_("text"))
    is_quotation = models.BooleanField(
        _("quotation"),
        default=False,
        help_text=_("Tick when the text is quoted word for word."),
    )
    search_fields = ("text", "heading")

    objects = DocumentPointQuerySet.as_manager()

    class Meta:
        ordering = ["document", "number"]
        verbose_name = _("document point")
        verbose_name_plural = _("document points")
        permissions = [
            ("import_documentpoint", _("Can import document points from CSV")),
            ("export_documentpoint", _("Can export document points as CSV")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="document_point_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="document_point_number_positive"
            ),
        ]

    def __str__(self):
        return f"{self.document.title}, point {self.number}"

    def natural_key(self):
        return (self.document.slug, self.number)

    natural_key.dependencies = ["dialogue.document"]


class Page(Searchable):
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences for search engines and link previews."),
    )
    body = models.TextField(
        _("body"),
        help_text=_("Markdown. HTML is not allowed and will be removed."),
    )
    menu_order = models.PositiveSmallIntegerField(
        _("menu position"), default=0, help_text=_("Lower numbers come first.")
    )
    sources = models.ManyToManyField(
        Source, related_name="pages", blank=True, verbose_name=_("sources")
    )
    search_fields = ("title", "summary", "body")

    objects = SlugQuerySet.as_manager()

    class Meta:
        ordering = ["menu_order", "title"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        permissions = [
            ("import_page", _("Can import pages from CSV")),
            ("export_page", _("Can export pages as CSV")),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("dialogue:page-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    @property
    def body_html(self):
        return render_markdown(self.body)
