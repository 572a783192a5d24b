from django.conf import settings

from .models import Page


def site(request):
    """On every page: the site's name, the prose pages for the navigation, and
    the page's canonical address (its path on this host, without the query)."""
    return {
        "site_name": settings.SITE_NAME,
        "nav_pages": Page.objects.published().only("slug", "title"),
        "canonical_url": request.build_absolute_uri(request.path),
    }
