"""Caching that is never stale: one content version for the whole public site.

Every cached public page is stored with the *content version* it was rendered
under, a value kept in the shared cache (Redis in production, so every worker of
every app server reads the same one), and is served only while that version is
current. Every write that can change what visitors see bumps it: an editor's save, a
publish or unpublish, a delete, a change to a many-to-many list, a CSV import (which
writes in bulk, without model signals), a fixture load or a migration. The next
request, on any worker of any server, finds its stored page under an old version,
and renders the page from the database.

A write inside a transaction bumps the version at once and again when the
transaction commits: a page rendered in between (from the data before the commit)
carries a version that is no longer current, and is never served.

When the version is missing from the cache (a fresh or restarted Redis, an eviction)
a new one is made, so no stored page is current any more.
"""

import hashlib
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict

from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver
from import_export.signals import post_import
from import_export.tmp_storages import CacheStorage, TempFolderStorage

logger = logging.getLogger(__name__)

VERSION_KEY = "capj:content-version"
PAGE_KEY_PREFIX = "capj:page"

#: Apps whose records can show on a public page. Sessions, logins, the admin's
#: history and lockouts change often and never change a public page.
CONTENT_APPS = frozenset({"dialogue", "redirects", "sites"})


def _new_version():
    """``"<seconds since the epoch>:<random>"``: when it changed, and unique."""
    return f"{time.time():.6f}:{uuid.uuid4().hex}"


def content_version():
    """The current content version (creating one when the cache has none)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = _new_version()
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY) or version
    return version


def changed_at(version):
    """When the content last changed, as seconds since the epoch."""
    return float(version.partition(":")[0])


def _bump():
    try:
        cache.set(VERSION_KEY, _new_version(), timeout=None)
    except Exception:  # the cache being down must not lose an editor's save
        logger.exception("Could not bump the content version")


def bump_content_version(using=None):
    """Make every cached public page stale, now and when the transaction commits.

    Call it after writes that bypass model signals (bulk inserts and updates,
    ``QuerySet.update()``); saves, deletes and imports through the admin are
    covered by the signal receivers below.
    """
    _bump()
    if transaction.get_connection(using).in_atomic_block:
        transaction.on_commit(_bump, using=using)


def page_key(url):
    """The cache key of the page at ``url`` (scheme, host, path and query)."""
    digest = hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{PAGE_KEY_PREFIX}:{digest}"


class RecentPages:
    """This process's copies of the pages it served lately, the least recently used
    dropped first, within ``max_bytes`` of page bodies.

    A copy is used only while its content version is the current one, which is read
    from the shared cache on every request: a page served again costs one small
    read instead of fetching the whole page, and is never stale.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.size = 0
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, version):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry["version"] != version:
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old["body"])
            if len(entry["body"]) > self.max_bytes:
                return
            self.entries[key] = entry
            self.size += len(entry["body"])
            while self.size > self.max_bytes:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped["body"])


recent_pages = RecentPages(max_bytes=32 * 1024 * 1024)


def find_page(key):
    """The current content version, and the page stored under ``key`` if it was
    rendered under that version (else None).

    One read of the version from the shared cache; the page itself comes from this
    process's recent copies, or else from the shared cache. A version missing from
    the cache is made anew, and no stored page matches it.
    """
    version = content_version()
    entry = recent_pages.get(key, version)
    if entry is None:
        entry = cache.get(key)
        if entry is None or entry["version"] != version:
            return version, None
        recent_pages.put(key, entry)
    return version, entry


def store_page(key, entry, seconds):
    """Keep a rendered page for every server, and a copy in this process."""
    cache.set(key, entry, seconds)
    recent_pages.put(key, entry)


def _is_content(model):
    return model is not None and model._meta.app_label in CONTENT_APPS


@receiver(post_save, dispatch_uid="capj-content-saved")
@receiver(post_delete, dispatch_uid="capj-content-deleted")
def content_saved_or_deleted(sender, using=None, **kwargs):
    if _is_content(sender):
        bump_content_version(using)


@receiver(m2m_changed, dispatch_uid="capj-content-m2m")
def content_links_changed(sender, instance, action, using=None, **kwargs):
    if action.startswith("post_") and _is_content(type(instance)):
        bump_content_version(using)


@receiver(post_import, dispatch_uid="capj-content-imported")
def content_imported(sender, model=None, **kwargs):
    bump_content_version()


@receiver(post_migrate, dispatch_uid="capj-content-migrated")
def content_migrated(sender, using=None, **kwargs):
    # Also sent after `flush`, which empties the tables without signals.
    bump_content_version(using)


class SharedImportStorage(CacheStorage):
    """An admin import's upload, kept in the shared cache between the preview and
    the confirm step, so the confirm may reach another app server.

    A missing entry (expired after a day, or lost with a cache restart) reads as a
    missing file, which the confirm step answers with "upload it again".
    """

    NAME = re.compile(r"[0-9a-f]{32}\Z")

    def read(self):
        if not self.name or not self.NAME.match(self.name):
            raise FileNotFoundError("No such upload in the import storage.")
        data = super().read()
        if data is None:
            raise FileNotFoundError(f"The upload {self.name} is no longer stored.")
        return data


def import_storage(**kwargs):
    """Where an admin import's upload waits for its confirm step.

    With a shared cache (Redis), in the cache, where every app server finds it. With
    a cache local to one process (the in-memory cache of ``make run`` and the tests)
    the other workers could not see it there, so in the machine's temporary folder,
    django-import-export's default.
    """
    if isinstance(caches["default"], LocMemCache | DummyCache):
        return TempFolderStorage(**kwargs)
    return SharedImportStorage(**kwargs)
