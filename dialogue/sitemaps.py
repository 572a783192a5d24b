"""sitemap.xml: every public page, with the date it last changed."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Country, Document, Meeting, Page, Person, Source


class StaticSitemap(Sitemap):
    priority = 0.8
    changefreq = "weekly"

    def items(self):
        return [
            "dialogue:home",
            "dialogue:participant-list",
            "dialogue:meeting-list",
            "dialogue:pledge-list",
            "dialogue:document-list",
            "dialogue:source-list",
            "dialogue:open-data",
        ]

    def location(self, item):
        return reverse(item)


class PublishedSitemap(Sitemap):
    model = None
    changefreq = "monthly"

    def items(self):
        return self.model.objects.published().order_by("pk")

    def lastmod(self, obj):
        return obj.updated_at


class MeetingSitemap(PublishedSitemap):
    model = Meeting
    priority = 0.7


class CountrySitemap(PublishedSitemap):
    model = Country
    priority = 0.7


class PersonSitemap(PublishedSitemap):
    model = Person


class DocumentSitemap(PublishedSitemap):
    model = Document


class SourceSitemap(PublishedSitemap):
    model = Source
    priority = 0.3


class PageSitemap(PublishedSitemap):
    model = Page


SITEMAPS = {
    "static": StaticSitemap,
    "meetings": MeetingSitemap,
    "participants": CountrySitemap,
    "people": PersonSitemap,
    "documents": DocumentSitemap,
    "sources": SourceSitemap,
    "pages": PageSitemap,
}
