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

With Redis, each process keeps the version in memory and is told of every change
(:class:`VersionWatch`), so a page served from the cache needs no network round trip
unless something changed.
"""

import hashlib
import logging
import os
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
#: The channel every change of the version is published on (with Redis).
CHANGES_CHANNEL = "capj:content-changed"
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
        if hasattr(cache, "set_and_publish"):
            cache.set_and_publish(VERSION_KEY, _new_version(), CHANGES_CHANNEL)
        else:
            cache.set(VERSION_KEY, _new_version(), timeout=None)
    except Exception:  # the cache being down must not lose an editor's save
        logger.exception("Could not bump the content version")


class VersionWatch:
    """This process's copy of the content version, told of every change by Redis.

    Reading the version from Redis on every request costs a network round trip,
    more than serving a cached page takes otherwise. Instead a process subscribes,
    on a connection of its own, to the channel every change is published on (in the
    same MULTI/EXEC as the new version: :func:`_bump`), then reads the version; on
    each request it only looks, without waiting, whether a message has come, and
    reads the version again if one has. Redis sends the message to every
    subscriber before it answers the MULTI/EXEC that published it (a lone PUBLISH is
    answered first, and a subscriber polling at once can miss it: the bump is never
    one): on one host, by the time the writer's own response is out, let alone the
    next request, the message is waiting on every subscriber's connection; across
    hosts it is a network hop ahead of the editor's next request.

    Any trouble (Redis restarted, the connection lost or closed, a fork) drops the
    subscription: that request reads the version from the cache, as without a
    watch, and the next one subscribes again. Without Redis (the in-process and file
    caches of development and tests) every request reads the version.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.connection = None
        self.pid = None
        self.version = None

    def current(self):
        if not hasattr(cache, "new_connection"):
            return content_version()
        with self.lock:
            try:
                if self.connection is None or self.pid != os.getpid():
                    self._subscribe()
                elif self._told_of_a_change():
                    self.version = content_version()
                return self.version
            except Exception:
                logger.warning("Content version watch lost; subscribing again")
                self._drop()
                return content_version()

    def _subscribe(self):
        self.connection, self.pid = None, os.getpid()
        connection = cache.new_connection()
        connection.connect()
        connection.send_command("SUBSCRIBE", CHANGES_CHANNEL)
        # The confirmation; with RESP3 it and the messages come as pushes.
        connection.read_response(push_request=True)
        # Read after subscribing: a change in between is a message waiting.
        self.version = content_version()
        self.connection = connection

    def _told_of_a_change(self):
        if not self.connection.is_connected:
            # can_read() would connect afresh, without the subscription.
            raise ConnectionError("The subscription's connection is closed.")
        told = False
        while self.connection.can_read(timeout=0):
            message = self.connection.read_response(push_request=True)
            if message is None:  # a closed connection reads as nothing
                raise ConnectionError("The subscription's connection was closed.")
            told = True
        return told

    def _drop(self):
        connection, self.connection = self.connection, None
        if connection is not None and self.pid == os.getpid():
            try:
                connection.disconnect()
            except Exception:
                logger.debug("Could not close the watch's connection", exc_info=True)


version_watch = VersionWatch()


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

    The version as :class:`VersionWatch` knows it; the page itself comes from this
    process's recent copies, or else from the shared cache. A version missing from
    the cache is made anew, and no stored page matches it.
    """
    version = version_watch.current()
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
