"""Participating countries and the people who came for them."""

from django.db import models
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..addresses import country_url, record_url
from ..iso import COUNTRY_CODES
from ..text import fold, initial_group, sort_key
from .base import (
    PublishedQuerySet,
    Role,
    Searchable,
    SlugQuerySet,
    choice_constraint,
    unique_slug,
)
from .content import Source


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
    role = models.CharField(
        _("role in the Dialogue"),
        max_length=10,
        choices=Role,
        help_text=_("Member, observer or guest of the Dialogue."),
    )
    joined_on = models.DateField(
        _("date joined"),
        null=True,
        blank=True,
        help_text=_("When it joined the Dialogue, if a source says so."),
    )
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_(
            "A few sentences on its part in the Dialogue, as the sources say. Shown at"
            " the top of its page."
        ),
    )
    sources = models.ManyToManyField(
        Source,
        related_name="countries",
        blank=True,
        verbose_name=_("sources"),
        help_text=_("The sources of the summary and role, cited on its page."),
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
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        allow_unicode=True,
        help_text=_(
            "The end of the person's address, made from the name when left empty. "
            "Changing it changes the address; the old one then leads to the new."
        ),
    )
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

    # The people index's order and A–Z group (dialogue.text.sort_key and
    # initial_group), stored so that a letter's page is one indexed range.
    sort_name = models.TextField(
        _("name as the index sorts it"), blank=True, default="", editable=False
    )
    name_initial = models.CharField(
        _("group in the index"),
        max_length=10,
        blank=True,
        default="",
        editable=False,
    )

    search_fields = ("name", "other_names")
    folded_fields = ("search_text", "sort_name", "name_initial")

    objects = SlugQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        permissions = [
            ("import_person", _("Can import people from CSV")),
            ("export_person", _("Can export people as CSV")),
        ]
        indexes = [
            models.Index(fields=["sort_name", "id"], name="person_sort_name"),
            models.Index(
                fields=["name_initial", "sort_name", "id"], name="person_initial"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.derive_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return record_url("dialogue:person-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    def fold_search_text(self):
        super().fold_search_text()
        self.sort_name = sort_key(self.name)
        self.name_initial = initial_group(self.name)

    def derive_slug(self, taken=None):
        """``erlan-abdyldaev``, from the name in any script; unique, with a suffix
        if taken (see :func:`unique_slug`)."""
        base = slugify(self.name, allow_unicode=True)[:110] or "person"
        return unique_slug(base, taken, Person.objects.exclude(pk=self.pk))
