"""The public pages' cache: whole responses, stored in the shared cache.

``PageCacheMiddleware`` sits right after django-csp's middleware, so a page served
from the cache skips sessions, authentication, CSRF and the view, yet still gets a
fresh Content-Security-Policy and the security headers added on its way out.

What is cached: a visitor's ``GET`` of a page that answered ``200`` without setting
a cookie and without ``Cache-Control: private``, ``no-store`` or ``no-cache``. What is
never cached nor served from the cache:

- anyone with a session or pending messages (signed-in editors: their pages can show
  drafts; they are marked ``Cache-Control: private``);
- draft previews (the views mark them ``private, no-store``);
- pages that hand out a CSRF token (they set the CSRF cookie);
- the admin;
- anything at all when the cache is local to one process (see
  ``page_cache_seconds``);
- requests running inside a database transaction (what they read may not be
  committed, so it must not be shown to others; in tests, pytest-django's
  transaction around each test turns the cache off).

Each stored page carries the content version it was rendered under
(``dialogue.cache``), and is served only while that is still the current version, so
a write is seen on the very next request on every worker and server. Each worker
keeps copies of the pages it served lately, so a page served again costs one small
read of the version from the shared cache. Browsers and CDNs revalidate
every time (``Cache-Control: no-cache``) with the ``ETag`` or ``Last-Modified`` they
were given, and get a ``304 Not Modified`` while nothing has changed.

django-csp's nonce is never replayed: the nonce of the request that rendered the page
is replaced by a placeholder in the stored copy, and each response gets a new one.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date

from . import cache as content

logger = logging.getLogger(__name__)

NONCE_PLACEHOLDER = b"\x00csp-nonce\x00"
#: Headers that belong to one response only, or are added outside this middleware.
NOT_STORED = frozenset(
    {
        "set-cookie",
        "date",
        "content-length",
        "content-security-policy",
        "content-security-policy-report-only",
    }
)
FORBIDDEN_CACHE_CONTROL = ("private", "no-store", "no-cache")


def page_cache_seconds():
    """How long a page is kept, or 0 when the page cache is off.

    It is off unless the cache is shared by every worker process: with a cache local
    to one process (LocMemCache), a write handled by one worker would not reach the
    pages cached by the others.
    """
    if isinstance(caches["default"], LocMemCache | DummyCache):
        return 0
    return getattr(settings, "PAGE_CACHE_SECONDS", 3600)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None
        self.probes = ()

    def __call__(self, request):
        seconds = page_cache_seconds()
        if seconds <= 0 or not self.may_use_cache(request):
            response = self.get_response(request)
            if self.is_personal(request):
                self.mark_private(response)
            return response
        key = content.page_key(request.build_absolute_uri())
        try:
            version, entry = content.find_page(key)
        except Exception:
            logger.exception("Page cache unavailable; serving uncached")
            return self.get_response(request)
        if entry is not None:
            return self.replay(request, entry, version)
        started = time.time()
        response = self.get_response(request)
        if not self.may_store(request, response):
            return response
        entry = self.entry_for(request, response, started, version)
        try:
            content.store_page(key, entry, seconds)
        except Exception:
            logger.exception("Could not store a page in the cache")
        self.add_validators(response, entry)
        return get_conditional_response(
            request,
            etag=entry["etag"],
            last_modified=self.last_changed(version),
            response=response,
        )

    # Which requests and responses --------------------------------------------

    def is_personal(self, request):
        cookies = request.COOKIES
        return (
            settings.SESSION_COOKIE_NAME in cookies
            or getattr(settings, "MESSAGES_COOKIE_NAME", "messages") in cookies
        )

    def may_use_cache(self, request):
        if request.method != "GET":
            return False
        if self.is_personal(request) or connection.in_atomic_block:
            return False
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
            # The health probes are never cached, and liveness must not depend on
            # the cache: they skip it altogether.
            self.probes = (reverse("healthz"), reverse("readyz"))
        return not (
            request.path.startswith(self.admin_prefix) or request.path in self.probes
        )

    def may_store(self, request, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False
        cache_control = response.get("Cache-Control", "").lower()
        if any(word in cache_control for word in FORBIDDEN_CACHE_CONTROL):
            return False
        vary = {
            value.strip().lower()
            for value in response.get("Vary", "").split(",")
            if value.strip()
        }
        # Cookie only matters for the session, and these requests carry none.
        return vary <= {"cookie"}

    def mark_private(self, response):
        if "Cache-Control" not in response:
            patch_cache_control(response, private=True)
        patch_vary_headers(response, ("Cookie",))

    # Storing and replaying -------------------------------------------------

    def entry_for(self, request, response, started, version):
        body = response.content
        nonce = getattr(request, "_csp_nonce", None)
        has_nonce = isinstance(nonce, str) and nonce.encode() in body
        if has_nonce:
            body = body.replace(nonce.encode(), NONCE_PLACEHOLDER)
        return {
            "version": version,
            "status": response.status_code,
            "headers": [
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in NOT_STORED
            ],
            "body": body,
            "nonce": has_nonce,
            "etag": f'W/"{hashlib.sha256(body).hexdigest()[:32]}"',
            "last_modified": http_date(math.floor(started)),
        }

    def add_validators(self, response, entry):
        response["ETag"] = entry["etag"]
        response["Last-Modified"] = entry["last_modified"]
        patch_cache_control(response, no_cache=True)
        patch_vary_headers(response, ("Cookie",))

    def replay(self, request, entry, version):
        body = entry["body"]
        if entry["nonce"]:
            nonce = getattr(request, "csp_nonce", None)
            # django-csp's lazy nonce reads as false until used: compare with None.
            fresh = b"" if nonce is None else str(nonce).encode()
            body = body.replace(NONCE_PLACEHOLDER, fresh)
        response = HttpResponse(body, status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response["Content-Length"] = str(len(body))
        self.add_validators(response, entry)
        return get_conditional_response(
            request,
            etag=entry["etag"],
            last_modified=self.last_changed(version),
            response=response,
        )

    @staticmethod
    def last_changed(version):
        """For If-Modified-Since (whole seconds): a copy dated after the last change
        is current; one dated in the same second may not be."""
        return math.floor(content.changed_at(version)) + 1
