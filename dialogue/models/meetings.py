"""Meetings and who attended them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..addresses import record_url
from ..partial_dates import PartialDate, Precision, format_range, precision_constraints
from .base import (
    Capacity,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    PublishedQuerySet,
    Searchable,
    SlugQuerySet,
    Timestamped,
    choice_constraint,
    ordinal,
    public_or_none,
    unique_slug,
)
from .content import Source
from .participants import Country, Person


class MeetingQuerySet(SlugQuerySet):
    def chronological(self):
        return self.order_by(
            F("start_date").asc(nulls_last=True), "kind", "number", "slug"
        )


#: What an empty format means, wherever a meeting's format is shown or chosen.
FORMAT_NOT_RECORDED = _("not recorded")


def meeting_label(title, start):
    """How a meeting is named in a list of records: its title and date."""
    return f"{title} ({start})"


class MeetingSeriesQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def main_for(self, kind):
        """The kind's own series, or None."""
        return self.filter(kind=kind, main_for_kind=True).first()


class MeetingSeries(models.Model):
    """A run of meetings numbered together: the Foreign Ministers' Meetings, a
    business dialogue a trade association runs. Its name is shown with each of its
    meetings' numbers ("2nd Business Dialogue"); its kind files it for the
    timeline's filter. A series is shown only through its public meetings."""

    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        help_text=_("Its key in CSV files and addresses, e.g. business-dialogue."),
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        unique=True,
        help_text=_(
            "What one of its meetings is called, without the number, e.g. "
            "Foreign Ministers' Meeting: shown as “4th Foreign Ministers' Meeting”."
        ),
    )
    short_name = models.CharField(
        _("short name"), max_length=40, blank=True, help_text=_("e.g. FMM")
    )
    organiser = models.CharField(
        _("organiser"),
        max_length=200,
        blank=True,
        help_text=_("Who runs it, e.g. a ministry or a trade association."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=30,
        choices=MeetingKind,
        help_text=_("The kind its meetings are filed under on the timeline."),
    )
    main_for_kind = models.BooleanField(
        _("the kind's own series"),
        default=False,
        help_text=_(
            "Meetings of this kind that name no series are in this one. One "
            "series per kind at most."
        ),
    )

    objects = MeetingSeriesQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        constraints = [
            choice_constraint("kind", MeetingKind, "meeting_series_kind_valid"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(main_for_kind=True),
                name="meeting_series_one_main_per_kind",
                violation_error_message=_("Another series is already this kind's own."),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


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
    series = models.ForeignKey(
        MeetingSeries,
        on_delete=models.PROTECT,
        related_name="meetings",
        null=True,
        blank=True,
        verbose_name=_("series"),
        help_text=_(
            "The series it is numbered in, e.g. a business dialogue. Left empty, it "
            "is its kind's own series (Foreign Ministers' Meeting, …), if the kind "
            "has one."
        ),
    )
    number = models.PositiveSmallIntegerField(
        _("number within its series"),
        null=True,
        blank=True,
        help_text=_("4 for the 4th Foreign Ministers' Meeting; empty when unknown."),
    )
    title = models.CharField(
        _("title"),
        max_length=300,
        blank=True,
        help_text=_(
            "Left empty, it is made from the number, kind and city, e.g. 4th "
            "Foreign Ministers' Meeting in Tokyo."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status,
        default=Status.PLANNED,
        help_text=_("“Held” only once it has taken place: not for a future date."),
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
    city = models.CharField(
        _("city"),
        max_length=100,
        blank=True,
        help_text=_("Where it met, e.g. Tokyo. Leave empty for an online meeting."),
    )
    host = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="hosted_meetings",
        null=True,
        blank=True,
        verbose_name=_("host country"),
        help_text=_("The country that hosted it, if a source says so."),
    )
    format = models.CharField(
        _("format"),
        max_length=10,
        choices=Format,
        blank=True,
        help_text=_(
            "Leave empty when the sources do not say whether it was held in "
            "person, online or both: empty means not recorded."
        ),
    )
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_(
            "What the meeting was and what was discussed, in a few sentences, as the "
            "sources say. Shown on its page and in lists."
        ),
    )
    outcomes = models.TextField(
        _("outcomes"),
        blank=True,
        help_text=_(
            "What it decided or produced (agreements, documents, pledges), as the "
            "sources say. Leave empty when no source says."
        ),
    )
    sources = models.ManyToManyField(
        Source,
        related_name="meetings",
        blank=True,
        verbose_name=_("sources"),
        help_text=_("The sources of what its page says, cited there."),
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
                fields=["series", "number"],
                condition=Q(number__isnull=False) & ~Q(status="cancelled"),
                name="meeting_number_unique_per_series",
                violation_error_message=_(
                    "Another meeting of this series already has this number."
                ),
            ),
            # A meeting of its own is numbered within its kind, as before series.
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=Q(series__isnull=True)
                & Q(number__isnull=False)
                & ~Q(status="cancelled"),
                name="meeting_number_unique_per_kind",
                violation_error_message=_(
                    "Another meeting of this kind, in no series, already has this "
                    "number."
                ),
            ),
        ]

    def __str__(self):
        return meeting_label(self.title, self.start)

    def save(self, *args, **kwargs):
        self.fill_series()
        if not self.title:
            self.title = self.derive_title()
        if not self.slug:
            self.slug = self.derive_slug()
        super().save(*args, **kwargs)

    def derive_title(self):
        """ "4th Foreign Ministers' Meeting in Tokyo", as most titles read."""
        if self.city:
            return _("%(kind)s in %(city)s") % {
                "kind": self.kind_name,
                "city": self.city,
            }
        return str(self.kind_name)

    def fill_series(self):
        """A meeting that names no series is in its kind's own, if it has one:
        numbered there, as meetings were before series existed."""
        if self.series_id is None and self.kind:
            self.series = MeetingSeries.objects.main_for(self.kind)

    def clean(self):
        super().clean()
        self.fill_series()
        # A series files its meetings under its kind: the two cannot disagree.
        if self.series is not None and self.kind != self.series.kind:
            raise ValidationError(
                {
                    "kind": _(
                        "The series “%(series)s” is filed under “%(kind)s”: choose "
                        "that kind, or another series."
                    )
                    % {
                        "series": self.series.name,
                        "kind": self.series.get_kind_display(),
                    }
                }
            )
        if not self.title:
            self.title = self.derive_title()
        # The home page counts held meetings: a future one is planned until then.
        # A date known only to the month or year is stored as its first day.
        if (
            self.status == self.Status.HELD
            and self.start_date is not None
            and self.start_date > timezone.localdate()
        ):
            raise ValidationError(
                {
                    "status": _(
                        "A meeting starting on %(date)s, in the future, cannot be "
                        "“held”: choose “planned” until it has taken place."
                    )
                    % {"date": self.start}
                }
            )

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
    def series_name(self):
        """Its series' name, or its kind's when it is in none."""
        if self.series_id is not None:
            return self.series.name
        return str(self.get_kind_display())

    @property
    def kind_name(self):
        """'4th Foreign Ministers' Meeting', or the series (or kind) alone when
        unnumbered."""
        label = self.series_name
        return f"{ordinal(self.number)} {label}" if self.number else label

    @property
    def format_display(self):
        """How it was held, or "not recorded" when no source says."""
        return self.get_format_display() or FORMAT_NOT_RECORDED

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

    def derive_slug(self, taken=None):
        """``2012-11-10-foreign-ministers-4``; unique, with a suffix if taken (see
        :func:`unique_slug`)."""
        date_part = self.start.isoformat() or "undated"
        base = slugify(f"{date_part} {self.kind.replace('_', ' ')} {self.number or ''}")
        return unique_slug(base, taken, Meeting.objects.exclude(pk=self.pk))


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
        _("capacity"),
        max_length=10,
        choices=Capacity,
        default=Capacity.DELEGATE,
        help_text=_("Delegate (a participant of the Dialogue), observer or guest."),
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
