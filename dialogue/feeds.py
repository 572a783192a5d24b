"""An Atom feed of the Dialogue's published meetings, newest additions first."""

import copy

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from .models import Meeting

FEED_LENGTH = 50


class MeetingFeed(Feed):
    feed_type = Atom1Feed
    title = f"{settings.SITE_NAME}: meetings"
    subtitle = "Meetings of the Central Asia plus Japan Dialogue, as they are added."

    def __call__(self, request, *args, **kwargs):
        # Links are built from the request's host, not from the sites framework's
        # placeholder domain; a copy per request keeps the shared view stateless.
        feed = copy.copy(self)
        feed.request = request
        return Feed.__call__(feed, request, *args, **kwargs)

    def link(self):
        return self.request.build_absolute_uri(reverse("dialogue:meeting-list"))

    def feed_url(self):
        return self.request.build_absolute_uri(reverse("dialogue:meeting-feed"))

    def items(self):
        return (
            Meeting.objects.public()
            .select_related("host", "series")
            .order_by("-created_at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, item):
        status = "" if item.status == item.Status.HELD else f" ({item.status})"
        return f"{item.title}{status}"

    def item_description(self, item):
        facts = [item.kind_name, item.dates]
        if item.place:
            facts.append(item.place)
        text = " · ".join(facts) + "."
        if item.summary:
            text += " " + item.summary
        return escape(text)  # the feed's summary is HTML

    def item_link(self, item):
        return self.request.build_absolute_uri(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.get_kind_display()]
