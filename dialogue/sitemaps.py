"""sitemap.xml: every public page, with the date it last changed.

One query per kind of record (its key and when it last changed), and each address
made by ``record_url``: the sitemap lists every page, so its cost per page must
stay small.
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.urls import reverse

from .addresses import record_url
from .models import Country, Document, Meeting, Page, Person, Source

#: Fixed pages: (URL name, change frequency, priority).
FIXED_PAGES = (
    ("dialogue:home", "weekly", "0.8"),
    ("dialogue:participant-list", "weekly", "0.8"),
    ("dialogue:meeting-list", "weekly", "0.8"),
    ("dialogue:pledge-list", "weekly", "0.8"),
    ("dialogue:document-list", "weekly", "0.8"),
    ("dialogue:source-list", "weekly", "0.8"),
    ("dialogue:open-data", "weekly", "0.8"),
)
#: A page per published record: (model, key field, URL name, priority).
RECORD_PAGES = (
    (Meeting, "slug", "dialogue:meeting-detail", "0.7"),
    (Country, "code", "dialogue:participant-detail", "0.7"),
    (Person, "slug", "dialogue:person-detail", "0.5"),
    (Document, "slug", "dialogue:document-detail", "0.5"),
    (Source, "slug", "dialogue:source-detail", "0.3"),
    (Page, "slug", "dialogue:page-detail", "0.5"),
)


@dataclass(frozen=True)
class Entry:
    location: str
    changefreq: str
    priority: str
    lastmod: object = None


def entries(base):
    """Every public page of the site, its address starting with ``base``."""
    for url_name, changefreq, priority in FIXED_PAGES:
        yield Entry(base + reverse(url_name), changefreq, priority)
    for model, key, url_name, priority in RECORD_PAGES:
        rows = model.objects.published().order_by("pk").values_list(key, "updated_at")
        for value, updated_at in rows:
            if model is Country:
                value = value.lower()
            yield Entry(
                base + record_url(url_name, value), "monthly", priority, updated_at
            )


def render(entries):
    """The sitemap protocol's XML for ``entries``."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for entry in entries:
        lastmod = (
            f"<lastmod>{entry.lastmod:%Y-%m-%d}</lastmod>" if entry.lastmod else ""
        )
        lines.append(
            f"<url><loc>{escape(entry.location)}</loc>{lastmod}"
            f"<changefreq>{entry.changefreq}</changefreq>"
            f"<priority>{entry.priority}</priority></url>"
        )
    lines.append("</urlset>\n")
    return "\n".join(lines)
