"""The content version: one value for the whole public site, changed by every write.

The page cache (``dialogue.page_cache``) files each page with the version it was
rendered under and serves it only while that version is current. Every write that
can change what visitors see bumps it: an editor's save, a publish or unpublish, a
delete, a change to a many-to-many list, a CSV import (which writes in bulk, without
model signals), a fixture load or a migration. The version lives in the shared cache
(Redis in production), so the next request on any worker of any server sees it.

A write inside a transaction bumps the version at once and again when the
transaction commits: a page rendered in between, from the data before the commit,
carries a version that is no longer current, and is never served.

When the version is missing from the cache (a fresh or restarted Redis, an eviction)
a new one is made, so no stored page is current any more.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver
from import_export.signals import post_import

logger = logging.getLogger(__name__)

VERSION_KEY = "capj:content-version"

#: Apps whose records can show on a public page. Sessions, logins, the admin's
#: history and lockouts change often and never change a public page.
CONTENT_APPS = frozenset({"dialogue", "redirects", "sites"})


def content_version(stored=None):
    """The current content version: ``stored`` (the value read from the cache, as
    the page cache reads it with the page), or a new one when the cache has none."""
    if stored is None:
        stored = cache.get(VERSION_KEY)
    if stored is None:
        stored = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, stored, timeout=None):
            stored = cache.get(VERSION_KEY) or stored
    return stored


def _bump():
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
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
