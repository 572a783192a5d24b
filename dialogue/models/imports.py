"""Imports as change sets: what each import did, so that it can be undone."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from reversion.models import Revision


class ImportChangeSet(models.Model):
    """One import (an admin import or ``import_dataset``): django-reversion's
    metadata of the revision holding every record it created or changed as the
    import left them (``revision``), and of the revision holding the records it
    changed as they were before it (``before``)."""

    revision = models.OneToOneField(
        Revision,
        on_delete=models.CASCADE,
        related_name="import_change_set",
        verbose_name=_("revision"),
    )
    before = models.OneToOneField(
        Revision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_before",
        verbose_name=_("revision before the import"),
    )
    file_names = models.CharField(_("files"), max_length=500)
    rows_new = models.PositiveIntegerField(_("new rows"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated rows"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged rows"), default=0)
    #: The records the import created, as ["app_label.model", "pk"] pairs.
    created = models.JSONField(_("records created"), default=list, editable=False)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        ordering = ["-revision__date_created", "-pk"]
        verbose_name = _("past import")
        verbose_name_plural = _("past imports")

    def __str__(self):
        return _("Import of %(files)s") % {"files": self.file_names}
