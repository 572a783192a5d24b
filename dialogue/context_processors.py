from django.conf import settings

from .models import Page


def site(request):
    """The site's name and the prose pages for the navigation, on every page."""
    return {
        "site_name": settings.SITE_NAME,
        "nav_pages": Page.objects.published().only("slug", "title"),
    }
