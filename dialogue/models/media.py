"""The media library: a document's files (PDF) and a meeting's photos.

Each file is checked by its content when it is uploaded (dialogue/uploads.py) and
stored through Django's storage API under a name made here, never the
uploader's; its type, size (and a photo's size in pixels and renditions) are
kept beside it. Like every child record, a file of a draft document or a photo
of a draft meeting is never public, whatever its own flag, and visitors fetch
them only through the site's own addresses (dialogue/media_views.py), which apply
that rule.
"""

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import renditions, uploads
from .base import PublishedQuerySet, Timestamped
from .documents import Document
from .meetings import Meeting


class Language(models.TextChoices):
    """The languages the Dialogue's texts are published in."""

    ENGLISH = "en", _("English")
    JAPANESE = "ja", _("Japanese")
    RUSSIAN = "ru", _("Russian")
    KAZAKH = "kk", _("Kazakh")
    KYRGYZ = "ky", _("Kyrgyz")
    TAJIK = "tg", _("Tajik")
    TURKMEN = "tk", _("Turkmen")
    UZBEK = "uz", _("Uzbek")


def generated_name(instance, filename):
    """The ``upload_to`` of the files here: the name :meth:`StoredFile.inspect`
    made when it checked the upload, never one chosen by the uploader."""
    if not uploads.is_stored_name(filename):
        raise SuspiciousFileOperation(f"Not a name made by the site: {filename!r}")
    return filename


class StoredFile(Timestamped):
    """What a stored file keeps: its type and size, found from its content."""

    #: The file field's name, and the check its new uploads go through.
    file_field = ""

    content_type = models.CharField(_("type"), max_length=50, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), editable=False)

    class Meta:
        abstract = True

    @property
    def stored(self):
        return getattr(self, self.file_field)

    @property
    def has_new_upload(self):
        stored = self.stored
        return bool(stored) and not stored._committed

    @property
    def type_name(self):
        return uploads.TYPE_NAMES.get(self.content_type, self.content_type)

    def inspect(self, upload):
        raise NotImplementedError

    def inspect_upload(self):
        """Check a newly uploaded file by its content and keep what was found;
        raises ValidationError naming the field. Done once per upload."""
        if not self.has_new_upload or getattr(self, "_found", None) is not None:
            return
        try:
            found = self.inspect(self.stored.file)
        except ValidationError as exc:
            raise ValidationError({self.file_field: exc.error_list}) from exc
        self._found = found
        self.content_type = found.content_type
        self.size = found.size
        return found

    def clean(self):
        super().clean()
        self.inspect_upload()

    def save(self, *args, **kwargs):
        # Saved without a form (the shell, a script): the same check.
        self.inspect_upload()
        self._found = None
        super().save(*args, **kwargs)


class DocumentFileQuerySet(PublishedQuerySet):
    # A draft document's files stay off the public site with it.
    public_parents = ("document",)


class DocumentFile(StoredFile):
    file_field = "file"

    document = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        related_name="files",
        verbose_name=_("document"),
    )
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_(
            "What this file is, e.g. Full text or Annex; left empty, it is shown as "
            "Full text."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=Language,
        blank=True,
        help_text=_("The language of the text, if it is in one language."),
    )
    file = models.FileField(
        _("PDF file"),
        upload_to=generated_name,
        max_length=200,
        help_text=_(
            "A PDF file. It is checked by its content (a renamed file of another "
            "kind is refused) and stored under a new name."
        ),
    )
    pages = models.PositiveIntegerField(_("pages"), default=0, editable=False)

    objects = DocumentFileQuerySet.as_manager()

    class Meta:
        ordering = ["document", "title", "language", "pk"]
        verbose_name = _("document file")
        verbose_name_plural = _("document files")
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type=uploads.PDF),
                name="document_file_is_pdf",
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0), name="document_file_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(language__in=[*Language.values, ""]),
                name="document_file_language_valid",
            ),
        ]

    def __str__(self):
        return f"{self.document.title}: {self.label}"

    def get_absolute_url(self):
        return reverse("dialogue:document-file", args=[self.pk, self.download_name])

    @property
    def label(self):
        return self.title or _("Full text")

    @property
    def link_text(self):
        """Its label, with its language: "Full text (Japanese)"."""
        if self.language:
            return f"{self.label} ({self.get_language_display()})"
        return str(self.label)

    @property
    def facts(self):
        """Its type, size and length, as visitors read them: "PDF, 245.0 KB,
        12 pages"."""
        pages = ngettext("%(count)d page", "%(count)d pages", self.pages) % {
            "count": self.pages
        }
        return f"{self.type_name}, {filesizeformat(self.size)}, {pages}"

    @property
    def staff_url(self):
        """Where staff fetch it, draft or not: its address."""
        return self.get_absolute_url()

    @property
    def download_name(self):
        """The name a visitor's browser saves it under: the document's slug, the
        file's title and language (all safe characters), ``.pdf``."""
        parts = [self.document.slug, self.title, self.language]
        return (slugify(" ".join(part for part in parts if part))[:100] or "file") + (
            ".pdf"
        )

    def inspect(self, upload):
        found = uploads.inspect_pdf(upload)
        self.pages = found.pages
        self.file.name = uploads.stored_name("documents", found.extension)
        return found


class PhotoQuerySet(PublishedQuerySet):
    # A draft meeting's photos stay off the public site with it.
    public_parents = ("meeting",)


class Photo(StoredFile):
    file_field = "image"

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name=_("meeting"),
    )
    image = models.FileField(
        _("image"),
        upload_to=generated_name,
        max_length=200,
        help_text=_(
            "A JPEG, PNG or WebP image. Visitors get copies in three sizes, without "
            "its camera data (place, time)."
        ),
    )
    alt_text = models.CharField(
        _("text alternative"),
        max_length=300,
        help_text=_(
            "What the photo shows, for people who cannot see it, e.g. The ministers "
            "of the five countries at the table in Tokyo."
        ),
    )
    credit = models.CharField(
        _("credit"),
        max_length=200,
        help_text=_(
            "Who took it or holds its rights, e.g. Ministry of Foreign "
            "Affairs of Japan."
        ),
    )
    caption = models.CharField(
        _("caption"),
        max_length=500,
        blank=True,
        help_text=_(
            "Shown under the photo, if there is more to say than the text alternative."
        ),
    )
    width = models.PositiveIntegerField(_("width"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height"), default=0, editable=False)
    #: ``[{"width", "height", "name", "size"}]``, narrowest first (renditions.py).
    renditions = models.JSONField(_("renditions"), default=list, editable=False)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=uploads.IMAGE_TYPES),
                name="photo_type_valid",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="photo_size_positive"),
            models.CheckConstraint(
                condition=~Q(alt_text=""),
                name="photo_alt_text_required",
                violation_error_message=_("Every photo needs a text alternative."),
            ),
            models.CheckConstraint(
                condition=~Q(credit=""),
                name="photo_credit_required",
                violation_error_message=_("Every photo needs a credit."),
            ),
        ]

    def __str__(self):
        return self.alt_text

    def get_absolute_url(self):
        return f"{self.meeting.get_absolute_url()}#photo-{self.pk}"

    @property
    def staff_url(self):
        """Where staff fetch the original, camera data and all."""
        return reverse("dialogue:photo-original", args=[self.pk])

    @property
    def facts(self):
        """The original's type, size in pixels and bytes."""
        return (
            f"{self.type_name}, {self.width:,} × {self.height:,} pixels, "
            f"{filesizeformat(self.size)}"
        )

    @property
    def stem(self):
        """The stored original's name without its extension; the renditions'
        names start with it."""
        return self.image.name.rsplit(".", 1)[0]

    def rendition_url(self, rendition):
        name = rendition["name"].rsplit("/", 1)[-1]
        return reverse("dialogue:photo-rendition", args=[self.pk, name])

    @property
    def sizes(self):
        """The renditions with their addresses, narrowest first."""
        return [{**r, "url": self.rendition_url(r)} for r in self.renditions]

    @property
    def largest(self):
        return self.sizes[-1]

    @property
    def src(self):
        """The rendition for browsers without ``srcset``: a page column's."""
        fitting = [r for r in self.sizes if r["width"] <= renditions.WIDTHS[1]]
        return (fitting or self.sizes)[-1]["url"]

    @property
    def srcset(self):
        return ", ".join(f"{r['url']} {r['width']}w" for r in self.sizes)

    @property
    def thumbnail(self):
        return self.sizes[0] if self.renditions else None

    def inspect(self, upload):
        found = uploads.inspect_image(upload)
        self.width, self.height = found.width, found.height
        self.image.name = uploads.stored_name("photos", found.extension)
        return found

    def save(self, *args, **kwargs):
        self.inspect_upload()
        if self.has_new_upload:
            storage = self.image.storage
            self.renditions = renditions.make_renditions(
                self.image.file, storage, self.stem
            )
        super().save(*args, **kwargs)
