from django.urls import path
from django.views.decorators.http import require_safe

from . import media_views, people_views, share_cards, sitemaps, views
from .feeds import MeetingFeed
from .page_cache import cache_public

app_name = "dialogue"

# Every page here is cached whole for visitors (dialogue/page_cache.py). ``query``
# names the GET parameters a page reads: its cache key keeps only those, and the
# view is given only those.
PAGE = ("page",)

urlpatterns = [
    path("", cache_public(views.HomeView.as_view()), name="home"),
    path(
        "participants/",
        cache_public(views.ParticipantListView.as_view()),
        name="participant-list",
    ),
    path(
        "participants/<str:code>/",
        cache_public(views.ParticipantDetailView.as_view(), query=PAGE),
        name="participant-detail",
    ),
    path(
        "people/",
        cache_public(
            people_views.PersonListView.as_view(),
            query=("letter", "country", "q", "page"),
        ),
        name="person-list",
    ),
    path(
        "people/<str:slug>/",
        cache_public(people_views.PersonDetailView.as_view(), query=PAGE),
        name="person-detail",
    ),
    path(
        "meetings/",
        cache_public(
            views.MeetingListView.as_view(),
            query=("kind", "series", "year", "participant", "page"),
        ),
        name="meeting-list",
    ),
    path(
        "feeds/meetings/",
        cache_public(require_safe(MeetingFeed())),
        name="meeting-feed",
    ),
    path(
        "meetings/<slug:slug>/",
        cache_public(views.MeetingDetailView.as_view()),
        name="meeting-detail",
    ),
    path(
        "pledges/",
        cache_public(
            views.PledgeListView.as_view(), query=("by", "donor", "page", "year")
        ),
        name="pledge-list",
    ),
    path(
        "documents/",
        cache_public(views.DocumentListView.as_view(), query=PAGE),
        name="document-list",
    ),
    path(
        "documents/<slug:slug>/",
        cache_public(views.DocumentDetailView.as_view()),
        name="document-detail",
    ),
    path(
        "sources/",
        cache_public(views.SourceListView.as_view(), query=PAGE),
        name="source-list",
    ),
    path(
        "sources/<slug:slug>/",
        cache_public(views.SourceDetailView.as_view()),
        name="source-detail",
    ),
    path(
        "pages/<slug:slug>/",
        cache_public(views.PageDetailView.as_view()),
        name="page-detail",
    ),
    path(
        "search/", cache_public(views.SearchView.as_view(), query=("q",)), name="search"
    ),
    path("data/", cache_public(views.OpenDataView.as_view()), name="open-data"),
    # The downloads are sent as they are written, and kept on disk once per
    # version of the content, with their own ETag (dialogue/opendata.py): not in
    # the page cache, which keeps only what fits in one piece.
    path("data/dataset.json", views.dataset_json, name="dataset-json"),
    path("data/<str:kind>.csv", views.dataset_csv, name="dataset-csv"),
    # Documents' files and photos: not in the page cache; each answer says how
    # long browsers may keep it (dialogue/media_views.py).
    path(
        "files/<int:pk>/<str:name>",
        media_views.document_file,
        name="document-file",
    ),
    path(
        "photos/<int:pk>/original",
        media_views.photo_original,
        name="photo-original",
    ),
    path(
        "photos/<int:pk>/<str:name>",
        media_views.photo_rendition,
        name="photo-rendition",
    ),
    # Link previews' pictures (og:image): not in the page cache; cached by their
    # address, which names the signed title (dialogue/share_cards.py).
    path("share/<str:key>.png", share_cards.card_view, name="share-card"),
    path("robots.txt", cache_public(views.robots_txt), name="robots-txt"),
    path("sitemap.xml", cache_public(require_safe(sitemaps.sitemap)), name="sitemap"),
    path(
        "sitemap-<str:section>.xml",
        cache_public(require_safe(sitemaps.section), query=("p",)),
        name="sitemap-section",
    ),
]
