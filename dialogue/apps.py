from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialogueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dialogue"
    verbose_name = _("Central Asia plus Japan Dialogue")

    def ready(self):
        # The slug-change redirects (and fixtures' search text), and the content
        # version's bumps.
        from . import cache, revisions, signals  # noqa: F401
