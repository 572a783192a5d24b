"""Documents (statements, plans, speeches) and their points."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..addresses import record_url
from ..partial_dates import PartialDate, Precision, precision_constraints
from ..text import fold
from .base import (
    DocumentKind,
    PublishedQuerySet,
    Searchable,
    SlugQuerySet,
    choice_constraint,
    public_or_none,
    public_value,
)
from .content import Source
from .meetings import Meeting
from .participants import Person


class Document(Searchable):
    Kind = DocumentKind

    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_(
            "The end of the document's address, e.g. joint-statement-2004. Changing it"
            " changes the address; the old one then leads to the new."
        ),
    )
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
        help_text=_("The meeting it was adopted or given at, if a source says so."),
    )
    author = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
        verbose_name=_("author or speaker"),
        help_text=_(
            "Who wrote or gave it, for a speech or an article; leave empty for a joint"
            " text."
        ),
    )
    author_role = models.CharField(
        _("author's position"),
        max_length=200,
        blank=True,
        help_text=_(
            "The author's position when it was written, e.g. Minister for Foreign "
            "Affairs."
        ),
    )
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_(
            "What it says, in a few sentences. Its points (below) hold its own words."
        ),
    )
    sources = models.ManyToManyField(
        Source,
        related_name="documents",
        blank=True,
        verbose_name=_("sources"),
        help_text=_("Where its text can be read, cited on its page."),
    )

    # The author's position, folded apart from the rest: search matches it only
    # through a public author, as the page shows it (``public_with``).
    search_role = models.TextField(
        _("author's position as search compares it"),
        blank=True,
        default="",
        editable=False,
    )

    search_fields = ("title", "summary")
    folded_fields = ("search_text", "search_role")
    #: The position describes the author: shown only beside a public author.
    public_with = {"author_role": "author"}

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

    @property
    def public_author_role(self):
        """The author's position, or "" when the author is not shown."""
        return public_value(self, "author_role")

    def fold_search_text(self):
        super().fold_search_text()
        self.search_role = fold(self.author_role)


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
    text = models.TextField(
        _("text"),
        help_text=_(
            "The point in the document's own words when it is a quotation, otherwise "
            "as the source summarises it."
        ),
    )
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
