"""sitemap.xml: every public page, with the date it last changed
(``django.contrib.sitemaps``).

Every address is on the request's own host, as every other link the site gives:
the Sites framework's single domain would be wrong for all but one host. While
every section fits in one file (the protocol's limit is 50,000 addresses),
``/sitemap.xml`` is the one sitemap of them all; once a section is larger it is a
sitemap index of the sections' files, each split in pages of 50,000.

``templates/sitemap.xml`` stands in for Django's template of the same name: the
same XML, in Jinja2, which writes a sitemap of a few thousand addresses about five
times faster (cProfile: Django's ``date`` filter alone took half of the page).
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property

from .models import Country, Document, Meeting, Page, Person, Source


class RequestSitemap(Sitemap):
    """A section whose addresses are on the host the request came to."""

    def __init__(self, request):
        self.request = request

    def get_domain(self, site=None):
        return self.request.get_host()

    @cached_property
    def paginator(self):
        # Counted once a request: by sitemap() to choose, then by Django's view.
        return super().paginator


class FixedPages(RequestSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return [
            "dialogue:home",
            "dialogue:participant-list",
            "dialogue:person-list",
            "dialogue:meeting-list",
            "dialogue:pledge-list",
            "dialogue:document-list",
            "dialogue:source-list",
            "dialogue:open-data",
        ]

    def location(self, item):
        return reverse(item)


class RecordPages(RequestSitemap):
    """A page per public record of ``model``, with when it last changed."""

    model = None
    changefreq = "monthly"

    def items(self):
        # Only what the address and the date need; by key, so pages are stable.
        key = "code" if self.model is Country else "slug"
        return self.model.objects.public().only(key, "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # For the index: one row, as Django's GenericSitemap reads it (Sitemap's
        # own reads every record: 6.5 s and 150 MB for 300,000 people).
        latest = self.items().order_by("-updated_at").values_list("updated_at")
        found = latest[:1]
        return found[0][0] if found else None


def record_section(model, priority):
    return type(
        f"{model.__name__}Pages",
        (RecordPages,),
        {"model": model, "priority": priority},
    )


SECTIONS = {
    "pages": FixedPages,
    "meetings": record_section(Meeting, 0.7),
    "participants": record_section(Country, 0.7),
    "people": record_section(Person, 0.5),
    "documents": record_section(Document, 0.5),
    "sources": record_section(Source, 0.3),
    "prose": record_section(Page, 0.5),
}


def sections(request):
    return {name: section(request) for name, section in SECTIONS.items()}


def sitemap(request):
    """The sitemap of every section, or their index once one needs pages."""
    found = sections(request)
    if all(section.paginator.num_pages <= 1 for section in found.values()):
        return sitemap_views.sitemap(request, found)
    return index(request, found)


def section(request, section):
    """One section's sitemap (``?p=2`` for its second 50,000 addresses)."""
    return sitemap_views.sitemap(request, sections(request), section=section)


@sitemap_views.x_robots_tag
def index(request, found):
    """Django's sitemap index, with the sections' files on the request's host
    (Django's own index view names them on the Sites framework's domain)."""
    items = []
    for name, section in found.items():
        url = request.build_absolute_uri(
            reverse("dialogue:sitemap-section", args=[name])
        )
        lastmod = section.get_latest_lastmod()
        items.append(sitemap_views.SitemapIndexItem(url, lastmod))
        for page in range(2, section.paginator.num_pages + 1):
            items.append(sitemap_views.SitemapIndexItem(f"{url}?p={page}", lastmod))
    return TemplateResponse(
        request,
        "sitemap_index.xml",
        {"sitemaps": items},
        content_type="application/xml",
    )
