from django.urls import path
from django.views.decorators.http import require_safe

from . import sitemaps, views
from .feeds import MeetingFeed

app_name = "dialogue"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("participants/", views.ParticipantListView.as_view(), name="participant-list"),
    path(
        "participants/<str:code>/",
        views.ParticipantDetailView.as_view(),
        name="participant-detail",
    ),
    path("people/<str:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting-list"),
    path("feeds/meetings/", MeetingFeed(), name="meeting-feed"),
    path(
        "meetings/<slug:slug>/",
        views.MeetingDetailView.as_view(),
        name="meeting-detail",
    ),
    path("pledges/", views.PledgeListView.as_view(), name="pledge-list"),
    path("documents/", views.DocumentListView.as_view(), name="document-list"),
    path(
        "documents/<slug:slug>/",
        views.DocumentDetailView.as_view(),
        name="document-detail",
    ),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path(
        "sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source-detail"
    ),
    path("pages/<slug:slug>/", views.PageDetailView.as_view(), name="page-detail"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("data/", views.OpenDataView.as_view(), name="open-data"),
    path("data/dataset.json", views.dataset_json, name="dataset-json"),
    path("data/<str:kind>.csv", views.dataset_csv, name="dataset-csv"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("sitemap.xml", require_safe(sitemaps.sitemap), name="sitemap"),
    path(
        "sitemap-<str:section>.xml",
        require_safe(sitemaps.section),
        name="sitemap-section",
    ),
]
