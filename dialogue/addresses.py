"""The addresses of record pages, made as ``reverse()`` makes them, but cheaply.

A page links to dozens of records, and ``reverse()`` costs about a hundred Python
calls each time. A record's address is its URL pattern with one key filled in, so
each pattern is reversed once (per script prefix) with a placeholder, and the key
is put in its place, quoted exactly as ``reverse()`` quotes it.
"""

from functools import lru_cache
from urllib.parse import quote

from django.urls import get_script_prefix, reverse
from django.utils.http import RFC3986_SUBDELIMS

PLACEHOLDER = "capj-address-key"
#: The characters reverse() leaves unquoted in a path.
SAFE = RFC3986_SUBDELIMS + "/~:@"


@lru_cache
def _around(url_name, script_prefix):
    before, _, after = reverse(url_name, args=[PLACEHOLDER]).partition(PLACEHOLDER)
    return before, after


def record_url(url_name, key):
    """``reverse(url_name, args=[key])`` for a URL pattern with one argument."""
    before, after = _around(url_name, get_script_prefix())
    return f"{before}{quote(str(key), safe=SAFE)}{after}"


def admin_url(model, view, *args):
    """An admin page of ``model``: ``admin_url(Meeting, "change", pk)``."""
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def country_url(code):
    """A participant's page: its address has the country's code in lower case."""
    return record_url("dialogue:participant-detail", code.lower())
