from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from .addresses import record_url
from .selectors import navigation_pages

#: The main navigation, before the prose pages; "Open data" comes after them.
SECTIONS = (
    ("meeting-list", _("Timeline")),
    ("participant-list", _("Participants")),
    ("person-list", _("People")),
    ("pledge-list", _("Pledges")),
    ("document-list", _("Documents")),
    ("source-list", _("Sources")),
)
#: Fixed addresses the header and footer link to, as ``site_urls.<name>``.
FIXED = ("home", "search", "meeting-feed", "open-data", "source-list")


@lru_cache
def fixed_urls(script_prefix):
    """The site's fixed addresses, reversed once per process and script prefix."""
    urls = {name: reverse(f"dialogue:{name}") for name in {*FIXED, *dict(SECTIONS)}}
    return {
        "site_urls": {name.replace("-", "_"): urls[name] for name in FIXED},
        "sections": [(urls[name], label) for name, label in SECTIONS],
    }


def canonical_url(request):
    url = request.build_absolute_uri(request.path)
    # The page number as the paginator reads it (int()): "¹" is a digit to
    # str.isdigit() but no number to int(), and "٢" is 2 to both.
    try:
        page = int(request.GET.get("page", ""))
    except ValueError:
        page = 1
    if page > 1:
        url += f"?page={page}"
    return url


def site(request):
    """On every page: the site's name and fixed addresses, the main navigation
    (with the published prose pages, read only when a page shows it), the page's
    canonical address (its path on this host, without the query but for the page
    number of a long list, whose later pages are pages of their own) and the site's
    address (scheme and host, which completes the paths a printout shows)."""
    fixed = fixed_urls(get_script_prefix())

    def navigation():
        items = [
            *fixed["sections"],
            *(
                (record_url("dialogue:page-detail", slug), title)
                for slug, title in navigation_pages()
            ),
            (fixed["site_urls"]["open_data"], _("Open data")),
        ]
        return [
            {"url": url, "label": label, "current": url == request.path}
            for url, label in items
        ]

    return {
        "site_name": settings.SITE_NAME,
        "site_urls": fixed["site_urls"],
        "navigation": navigation,
        "canonical_url": canonical_url(request),
        "site_url": request.build_absolute_uri("/").removesuffix("/"),
    }
