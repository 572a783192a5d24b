from django.contrib import admin
from django.urls import include, path

from capj import health

handler400 = "capj.security.bad_request"

urlpatterns = [
    path("healthz", health.liveness, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("dialogue.urls")),
]
