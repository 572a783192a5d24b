"""What every record shares: choices, the visibility rules, timestamps."""

import datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..text import fold


def ordinal(number):
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def unique_slug(base, taken, others):
    """``base``, or ``base-2``, ``base-3``…: the first not in ``taken`` (the slugs
    in use, when the caller holds them all, as an import does) or, without it, not
    used by any of ``others`` (a queryset)."""

    def in_use(slug):
        if taken is not None:
            return slug in taken
        return others.filter(slug=slug).exists()

    slug, counter = base, 2
    while in_use(slug):
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


# Called in the models' Meta, when they are imported: before mutation testing can
# switch a mutant on, so its mutants could only "survive". The constraints it makes
# are tested in the database (tests/test_models.py, TestConstraints).
def choice_constraint(field, choices, name, blank=False):  # pragma: no mutate block
    values = list(choices.values) + ([""] if blank else [])
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
    """A linked record as visitors see it: itself when it is public now, else
    None (the link's target is a draft or scheduled, or there is none)."""
    return record if record is not None and record.is_public_now else None


#: The open ends of a publishing window: "publish at" left empty is stored as
#: ALWAYS, "unpublish at" left empty as NEVER, so that each table's part of the
#: rule is three plain comparisons. Measured in one process on SQLite, a page
#: rendered without the page cache: with NULL for empty (two ORs a table) a
#: country's page took 41-53 % more CPU than with the published flag alone, the
#: pledges 50-58 %; with these ends, 24-31 % and 27-31 %.
ALWAYS = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
NEVER = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


def live_q(prefix=""):
    """A record's own part of the rule: published, and within its publishing
    window now (``Now()``: the database's clock when the query runs)."""
    return Q(
        **{
            f"{prefix}published": True,
            f"{prefix}publish_at__lte": Now(),
            f"{prefix}unpublish_at__gt": Now(),
        }
    )


#: The fields :attr:`Timestamped.is_public_now` reads, for ``only()`` lists.
LIVE_FIELDS = ("published", "publish_at", "unpublish_at")


def live_fields(prefix=""):
    return tuple(f"{prefix}{name}" for name in LIVE_FIELDS)


def public_value(record, name):
    """A field of ``record`` as visitors see it: a field that describes a linked
    record (named in the model's ``public_with``: a document's ``author_role`` is
    its author's position) is empty unless that record is public."""
    link = type(record).public_with.get(name)
    if link is not None and public_or_none(getattr(record, link)) is None:
        return ""
    return getattr(record, name)


class PublishedQuerySet(models.QuerySet):
    """The one home of what visitors may see of a kind of record.

    A record is public when it is published and so is each record it belongs to
    (``public_parents``: a draft meeting hides its attendees); an optional link
    (``public_links``) must be empty or point at a public record (a pledge at a
    draft meeting is hidden with it). New records start as drafts (the flag's
    default), so nothing goes public before an editor says so. Pages, search,
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
        (``"attendances__"``); the parents and links named in ``skip`` are left
        out."""
        rule = live_q(prefix)
        for parent in self.public_parents:
            if parent not in skip:
                rule &= live_q(f"{prefix}{parent}__")
        for link in self.public_links:
            if link in skip:
                continue
            rule &= Q(**{f"{prefix}{link}__isnull": True}) | live_q(f"{prefix}{link}__")
        return rule

    def public(self):
        """Records visitors may see."""
        return self.filter(self.public_q())

    def listed(self, *, drafts=False):
        """The records a list shows, each with ``is_public``: the public ones or,
        with ``drafts`` (staff), every record, those visitors cannot see marked
        by ``is_public`` false."""
        if drafts:
            rule = ExpressionWrapper(self.public_q(), output_field=BooleanField())
            return self.annotate(is_public=rule)
        return self.public().annotate(is_public=Value(True))

    def public_under(self, **parent):
        """The rows of one parent (``document=...``) visitors may see on that
        parent's own page: the rule without the parent's flag, which the page
        itself judges (staff preview a draft)."""
        [name] = parent
        return self.filter(self.public_q(skip=(name,)), **parent)

    def listed_under(self, *, drafts=False, **parent):
        """:meth:`public_under`, each row with ``is_public``; with ``drafts``
        (staff previewing the parent), every row of the parent, those visitors
        would not see there marked by ``is_public`` false."""
        if not drafts:
            return self.public_under(**parent).annotate(is_public=Value(True))
        [name] = parent
        rule = ExpressionWrapper(
            self.public_q(skip=(name,)), output_field=BooleanField()
        )
        return self.filter(**parent).annotate(is_public=rule)


class SlugQuerySet(PublishedQuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Timestamped(models.Model):
    #: ``{field: link}``: fields shown only beside a public linked record
    #: (:func:`public_value`); pages, open data and search all leave them out
    #: otherwise.
    public_with = {}

    published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_(
            "Tick to show this on the public site. New records start as drafts, "
            "and a record of a draft (an attendee of a draft meeting) stays hidden "
            "whatever its own flag."
        ),
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        default=ALWAYS,
        help_text=_(
            "With Published ticked, the record goes public at this moment and not "
            "before. Leave empty to publish at once."
        ),
    )
    unpublish_at = models.DateTimeField(
        _("unpublish at"),
        default=NEVER,
        help_text=_(
            "The record leaves the public site at this moment. Leave empty to keep "
            "it public."
        ),
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

    @property
    def is_public_now(self):
        """This record's own part of the rule (:func:`live_q`), in Python."""
        return self.published and self.publish_at <= timezone.now() < self.unpublish_at

    def clean(self):
        super().clean()
        if self.unpublish_at <= self.publish_at:
            raise ValidationError(
                {
                    "unpublish_at": _(
                        "The record would leave the public site before it goes "
                        "public: choose an unpublish time after the publish time."
                    )
                }
            )


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


def next_scheduled_change(after):
    """The first moment after ``after`` at which a record is set to go public or
    leave the public site, or None: what visitors may see changes then with no
    write, so a page cached before it must not be served after it. One query."""
    moments = [
        model.objects.filter(**{f"{field}__gt": after, f"{field}__lt": NEVER})
        .values_list(field)
        .order_by()
        for model in apps.get_app_config("dialogue").get_models()
        if issubclass(model, Timestamped)
        for field in ("publish_at", "unpublish_at")
    ]
    first, *rest = moments
    found = first.union(*rest).order_by("publish_at")[:1]
    return found[0][0] if found else None
