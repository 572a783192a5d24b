"""The editors' admin site: Django's, with a home page that lists what is waiting
(drafts, scheduled records) and the latest changes by every editor.

It replaces ``django.contrib.admin`` in INSTALLED_APPS through
:class:`EditorsAdminConfig`, as Django documents for overriding the default site.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class EditorsAdminConfig(AdminConfig):
    default_site = "dialogue.admin_site.EditorsAdminSite"


class EditorsAdminSite(admin.AdminSite):
    site_header = "Central Asia plus Japan Dialogue — editors"
    site_title = "CA+J editors"
    index_title = "Content"
    index_template = "admin/editors_index.html"

    def index(self, request, extra_context=None):
        from .editorial import overview

        return super().index(request, {**overview(request), **(extra_context or {})})
