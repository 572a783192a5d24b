from django.contrib import admin
from django.urls import include, path

from capj import health

admin.site.site_header = "Central Asia plus Japan Dialogue — editors"
admin.site.site_title = "CA+J editors"
admin.site.index_title = "Content"

handler400 = "capj.security.bad_request"

urlpatterns = [
    path("healthz", health.liveness, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("dialogue.urls")),
]
