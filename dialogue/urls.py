from django.urls import path

from . import views

app_name = "dialogue"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("participants/", views.ParticipantListView.as_view(), name="participant-list"),
    path(
        "participants/<str:code>/",
        views.ParticipantDetailView.as_view(),
        name="participant-detail",
    ),
    path("meetings/", views.MeetingListView.as_view(), name="meeting-list"),
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
]
