"""Sources and editor-written prose pages."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..addresses import record_url
from ..markup import render_markdown
from .base import (
    Searchable,
    SlugQuerySet,
)


class Source(Searchable):
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_(
            "The end of the source's address on this site, e.g. mofa-2012. Changing it"
            " changes the address; the old one then leads to the new."
        ),
    )
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(
        _("publisher"),
        max_length=200,
        blank=True,
        help_text=_("Who published it, e.g. Ministry of Foreign Affairs of Japan."),
    )
    url = models.URLField(
        _("URL"),
        max_length=500,
        blank=True,
        help_text=_("Where the source can be read, if it is online."),
    )
    published_on = models.DateField(
        _("publication date"),
        null=True,
        blank=True,
        help_text=_(
            "When the source itself was published (not the events it reports)."
        ),
    )
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


class Page(Searchable):
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_(
            "The end of the page's address, e.g. about. Changing it changes the "
            "address; the old one then leads to the new."
        ),
    )
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
        Source,
        related_name="pages",
        blank=True,
        verbose_name=_("sources"),
        help_text=_("The sources the page's claims rest on, cited at its foot."),
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
