"""The public pages' cache: Django's cache middleware, under the content version.

Django's ``UpdateCacheMiddleware`` and ``FetchFromCacheMiddleware`` (subclassed
below) sit right after django-csp's middleware, so a page served from the cache
skips sessions, authentication, CSRF and the view, and still gets its own
Content-Security-Policy and security headers on the way out. Django's
``ConditionalGetMiddleware`` answers ``304 Not Modified``.

Which pages: the views wrapped in :func:`cache_public` in ``dialogue/urls.py``,
each naming the GET parameters it reads. The key keeps only those
(``/meetings/?junk=1`` is ``/meetings/``), and the view is given only those, so
what is stored is the page of its key.

Key and version. Django keys a page by its address and the request headers it
varies on, learned with an extra round trip; the content version
(``dialogue.cache``) would be a third. Here the key is the address alone and the
page is stored with the version it was rendered under: one ``cache.get_many``
reads the version and the page, and the page is served only if the two versions
are equal. A key that held the version would need the version first (two round
trips), and every bump would leave the old copies of every page in the cache until
they expire; here a page's next render overwrites its one copy. Pages vary on
Cookie only, for the session, and requests with a session never use the cache, so
the key leaves Cookie out.

Never stored nor served from the cache:

- anyone with a session or pending messages (signed-in editors: their pages can
  show drafts; they are marked ``Cache-Control: private``);
- draft previews (``private, no-store``), responses that set a cookie (a CSRF
  token), vary on anything but Cookie, or are not a 200;
- requests inside a database transaction (what they read may not be committed);
- anything, when the cache is local to one process (LocMem, Dummy): a write
  handled by one worker could not reach the pages another worker cached.

A page is kept no longer than until the next scheduled publishing or
unpublishing (``publish_at``, ``unpublish_at``): those change what visitors see
without a write, so without a version bump.

A stored page says ``Cache-Control: no-cache`` with a weak ETag: browsers and CDNs
ask every time, and get a 304 until the page changes. django-csp's nonce is never
replayed: the stored copy has a placeholder where the rendering request's nonce
was, and each response from it gets a new nonce, the one in its policy.
"""

import copy
import functools
import hashlib
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connection
from django.http import QueryDict
from django.middleware import cache as django_cache
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import cc_delim_re, patch_cache_control, patch_vary_headers

from . import cache as content
from .models import next_scheduled_change

logger = logging.getLogger(__name__)

NONCE_PLACEHOLDER = b"\x00csp-nonce\x00"
NOT_STORED_CACHE_CONTROL = ("private", "no-store", "no-cache")


# Called by the URLconf when it is imported (see choice_constraint in
# dialogue/models/base.py); tests/test_cache.py tests the parameters it keeps.
def cache_public(view, query=()):  # pragma: no mutate block
    """``view``'s pages are cached for visitors; ``query`` names the GET parameters
    it reads. The view sees only those, and the cache key keeps only those."""
    names = tuple(sorted(set(query)))

    @functools.wraps(view)
    def public_view(request, *args, **kwargs):
        request.GET = QueryDict(kept_query(request, names), encoding=request.encoding)
        return view(request, *args, **kwargs)

    public_view.page_cache_query = names
    return public_view


def kept_query(request, names):
    """The request's query string with only ``names``, in a fixed order."""
    if not request.META.get("QUERY_STRING"):
        return ""
    get = request.GET
    return urlencode([(name, value) for name in names for value in get.getlist(name)])


def page_key(request, names):
    url = request.build_absolute_uri(request.path)
    query = kept_query(request, names)
    if query:
        url += "?" + query
    digest = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
    return f"{settings.CACHE_MIDDLEWARE_KEY_PREFIX}:page:{digest}"


def is_personal(request):
    cookies = request.COOKIES
    return (
        settings.SESSION_COOKIE_NAME in cookies
        or getattr(settings, "MESSAGES_COOKIE_NAME", "messages") in cookies
    )


def page_cache_is_on(cache):
    return settings.CACHE_MIDDLEWARE_SECONDS > 0 and not isinstance(
        cache, LocMemCache | DummyCache
    )


class FetchFromCacheMiddleware(django_cache.FetchFromCacheMiddleware):
    """Django's, with the key above: the version and the page in one round trip
    (Django's own lookup takes two, for the header list and then the page, and the
    version would be a third; the round trip is most of what a page from the cache
    costs: docs/performance.md)."""

    def process_request(self, request):
        request._cache_update_cache = False
        names = self.cached_query(request)
        if names is None:
            return None
        key = page_key(request, names)
        try:
            found = self.cache.get_many([content.VERSION_KEY, key])
            version = content.content_version(found.get(content.VERSION_KEY))
        except Exception:
            logger.exception("Page cache unavailable; serving uncached")
            return None
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            return self.replay(request, entry)
        request._cache_update_cache = True
        request._page_cache_entry = (key, version, timezone.now())
        return None

    def cached_query(self, request):
        """The GET parameters the page reads, if this request may use the cache."""
        if (
            request.method != "GET"
            or is_personal(request)
            or connection.in_atomic_block
            or not page_cache_is_on(self.cache)
        ):
            return None
        # Which view, to know whether it is cached and which parameters it reads:
        # this middleware runs before the URL is resolved.
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return None
        return getattr(match.func, "page_cache_query", None)

    def replay(self, request, entry):
        _version, has_nonce, response = entry
        if has_nonce:
            nonce = getattr(request, "csp_nonce", None)
            # django-csp's lazy nonce reads as false until used: compare with None.
            fresh = b"" if nonce is None else str(nonce).encode()
            response.content = response.content.replace(NONCE_PLACEHOLDER, fresh)
            if "Content-Length" in response:
                response["Content-Length"] = str(len(response.content))
        return response


class UpdateCacheMiddleware(django_cache.UpdateCacheMiddleware):
    """Django's, storing the page with its version under the key above, with a
    placeholder for the nonce, and telling browsers to revalidate (``no-cache`` and
    an ETag) rather than keep the page for the cache's timeout (Django's ``max-age``
    would let them show a page older than the last edit)."""

    def process_response(self, request, response):
        if is_personal(request):
            if "Cache-Control" not in response:
                patch_cache_control(response, private=True)
            patch_vary_headers(response, ("Cookie",))
            return response
        if not self._should_update_cache(request, response):
            return response
        key, version, started = request._page_cache_entry
        timeout = self.timeout_before_next_change(started)
        if timeout is None:
            return response
        body = response.content
        nonce = getattr(request, "_csp_nonce", None)
        has_nonce = isinstance(nonce, str) and nonce.encode() in body
        if has_nonce:
            body = body.replace(nonce.encode(), NONCE_PLACEHOLDER)
        response["ETag"] = f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
        patch_cache_control(response, no_cache=True)
        patch_vary_headers(response, ("Cookie",))
        stored = copy.copy(response)
        stored.content = body
        try:
            self.cache.set(key, (version, has_nonce, stored), timeout)
        except Exception:
            logger.exception("Could not store a page in the cache")
        return response

    def timeout_before_next_change(self, started):
        """The page's time in the cache: the cache's timeout, cut short by the next
        scheduled publishing or unpublishing after the request started (the page
        shows what was public then); None, not stored, if that is under a second
        away or cannot be read. Scheduled changes happen with no write, so no
        version bump."""
        try:
            moment = next_scheduled_change(started)
        except DatabaseError:
            logger.exception("Could not read the next scheduled change")
            return None
        if moment is None:
            return self.cache_timeout
        seconds = int((moment - timezone.now()).total_seconds())
        return min(seconds, self.cache_timeout) if seconds >= 1 else None

    def _should_update_cache(self, request, response):
        # Django's checks (in its process_response, replaced above), stricter: it
        # stores a response that sets a cookie without varying on Cookie, or that
        # varies on other headers; the key here holds no header, so neither is.
        if not super()._should_update_cache(request, response):
            return False
        cache_control = response.get("Cache-Control", "").lower()
        vary = {
            header.strip().lower()
            for header in cc_delim_re.split(response.get("Vary", ""))
            if header.strip()
        }
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not any(word in cache_control for word in NOT_STORED_CACHE_CONTROL)
            and vary <= {"cookie"}
        )
