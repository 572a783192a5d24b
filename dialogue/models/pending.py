"""Changes to a live record that wait, unseen by visitors, until an editor
publishes them."""

import json

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PendingChangeQuerySet(models.QuerySet):
    @staticmethod
    def key(obj):
        """The fields naming ``obj``'s pending changes."""
        return {
            "content_type": ContentType.objects.get_for_model(type(obj)),
            "object_id": str(obj.pk),
        }

    def of(self, obj):
        """The pending changes of ``obj`` (none or one)."""
        return self.filter(**self.key(obj))


class PendingChange(models.Model):
    """Changes to a record saved as a pending draft: the public site keeps showing
    the record as it is until an editor publishes or discards them.

    Kept as the values the editor submitted on the record's change form (its
    fields and its children's rows), not as a copy of the records: publishing is
    then the change form's own save, with its validation, its children's forms and
    a revision, and the rows the form names are the live record's, which exist.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("kind of record")
    )
    object_id = models.CharField(_("record"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200)
    #: The change form's submitted values, ``{name: [values]}``.
    data = models.JSONField(_("submitted values"), editable=False)
    #: What the changes are, in the admin history's form (``LogEntry``'s JSON).
    changes = models.JSONField(_("changes"), default=list, editable=False)
    #: When the live record was last changed as these changes were saved: a later
    #: change to it is one the pending changes would overwrite.
    based_on = models.DateTimeField(_("live record as of"), editable=False)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)

    objects = PendingChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-saved_at", "-pk"]
        verbose_name = _("pending change")
        verbose_name_plural = _("pending changes")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                name="one_pending_change_per_record",
            )
        ]

    def __str__(self):
        return _("Pending changes to %(record)s") % {"record": self.object_repr}

    def form_data(self):
        """The submitted values, as the change form reads a request's."""
        data = QueryDict(mutable=True)
        for name, values in self.data.items():
            data.setlist(name, values)
        return data

    def describe(self):
        """The changes in the admin history's words ("Changed Title.")."""
        return LogEntry(change_message=json.dumps(self.changes)).get_change_message()

    @property
    def live_changed_since(self):
        """Whether the live record changed after these changes were saved."""
        obj = (
            self.content_type.model_class()
            ._base_manager.filter(pk=self.object_id)
            .only("updated_at")
            .first()
        )
        return obj is not None and obj.updated_at > self.based_on
