"""Stable addresses: when an editor changes a slug, the old URL answers 301.

Before a page-bearing object is saved, its current address is remembered; after the
save, if the address changed, a ``django.contrib.redirects`` entry is written from
the old path to the new one (``RedirectFallbackMiddleware`` serves it once the old
path is a 404). Earlier redirects to the old path are pointed at the new one, so a
twice-renamed page needs one hop, and a redirect from the new path (a slug changed
back) is removed, so it cannot loop.

Fixtures (``loaddata``) save records without calling their ``save()``: a searchable
record loaded from one gets its folded search text here.
"""

from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .models import Country, Document, Meeting, Page, Person, Searchable, Source

TRACKED = (Country, Document, Meeting, Page, Person, Source)


@receiver(pre_save)
def remember_old_address(sender, instance, raw=False, **kwargs):
    if raw or sender not in TRACKED or instance.pk is None:
        return
    try:
        old = sender.objects.get(pk=instance.pk)
    except sender.DoesNotExist:
        return
    instance._old_absolute_url = old.get_absolute_url()


@receiver(post_save)
def redirect_old_address(sender, instance, raw=False, **kwargs):
    old_path = getattr(instance, "_old_absolute_url", None)
    if raw or sender not in TRACKED or old_path is None:
        return
    del instance._old_absolute_url
    new_path = instance.get_absolute_url()
    if old_path == new_path:
        return
    site_id = settings.SITE_ID
    Redirect.objects.filter(site_id=site_id, old_path=new_path).delete()
    Redirect.objects.filter(site_id=site_id, new_path=old_path).update(
        new_path=new_path
    )
    Redirect.objects.update_or_create(
        site_id=site_id, old_path=old_path, defaults={"new_path": new_path}
    )


@receiver(pre_save)
def fold_fixture_search_text(sender, instance, raw=False, **kwargs):
    if raw and isinstance(instance, Searchable):
        instance.fold_search_text()
