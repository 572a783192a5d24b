"""The media library in the editors' admin: documents' files and meetings' photos,
each in its own list (with thumbnails) and as rows of its document's or meeting's
form.

The ModelAdmins themselves are declared in admin.py, from the mixins here and the
ContentAdmin every kind shares (the draft switch and the history).

A file or photo has no publishing window of its own: it follows its document's or
meeting's (a photo of a meeting set to go public at nine goes public with it). Its
document or meeting is a plain list to choose from, which screen readers name.
"""

from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import DocumentFile, Photo

#: What the browser's file picker offers for each kind (the content decides).
ACCEPT = {
    DocumentFile: "application/pdf,.pdf",
    Photo: "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp",
}
THUMBNAIL_WIDTH = 120


class StoredFileLink:
    """A stored file as the file widget names it: its type and size, linked to the
    site's own address for it (staff may fetch drafts there), not to the storage's
    folder, which is not served."""

    def __init__(self, record):
        self.url = record.staff_url
        self.label = record.facts

    def __str__(self):
        return str(self.label)


class StoredFileWidget(admin_widgets.AdminFileWidget):
    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = StoredFileLink(value.instance)
        return context


class StoredFileFields:
    """The file field of a media model: its widget names the stored file and
    offers only the accepted types."""

    class Media:
        css = {"all": ["css/admin.css"]}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.FileField):
            kwargs["widget"] = StoredFileWidget(
                attrs={"accept": ACCEPT[db_field.model]}
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def thumbnail(photo):
    """A small picture of ``photo`` (its narrowest rendition, shown 120 pixels
    wide); decorative, as its text alternative is shown beside it."""
    if photo is None or photo.pk is None or not photo.renditions:
        return "—"
    smallest = photo.thumbnail
    height = max(1, round(smallest["height"] * THUMBNAIL_WIDTH / smallest["width"]))
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="" class="thumbnail">',
        smallest["url"],
        THUMBNAIL_WIDTH,
        height,
    )


def stored_facts(record):
    if record is None or record.pk is None:
        return _("(checked when saved)")
    return format_html('<a href="{}">{}</a>', record.staff_url, record.facts)


class DocumentFileInline(StoredFileFields, admin.StackedInline):
    """A document's files, stacked: each field with its label (a table's column
    heading names no field for a screen reader)."""

    model = DocumentFile
    extra = 0
    fields = (("file", "shown_facts"), ("title", "language"), "published")
    readonly_fields = ("shown_facts",)

    @admin.display(description=_("stored"))
    def shown_facts(self, record):
        return stored_facts(record)


class PhotoInline(StoredFileFields, admin.StackedInline):
    """A meeting's photos, stacked: a row of six fields would not fit a screen."""

    model = Photo
    extra = 0
    fields = (
        ("image", "shown_thumbnail"),
        ("alt_text", "credit"),
        "caption",
        "published",
    )
    readonly_fields = ("shown_thumbnail",)

    @admin.display(description=_("thumbnail"))
    def shown_thumbnail(self, photo):
        return thumbnail(photo)


class DocumentFileLibrary(StoredFileFields):
    """The list of every document's files."""

    fields = (
        "document",
        "file",
        "title",
        "language",
        "published",
        "shown_facts",
    )
    readonly_fields = ("shown_facts",)
    list_display = ("shown_label", "document", "language", "shown_facts", "published")
    list_filter = ("published", "language")
    list_select_related = ("document",)
    search_fields = ("title", "document__title", "document__slug")

    @admin.display(description=_("file"), ordering="title")
    def shown_label(self, record):
        return record.link_text

    @admin.display(description=_("stored"))
    def shown_facts(self, record):
        return stored_facts(record)


class PhotoLibrary(StoredFileFields):
    """The list of every meeting's photos, with thumbnails."""

    fields = (
        "meeting",
        ("image", "shown_thumbnail"),
        "alt_text",
        "credit",
        "caption",
        "published",
        "shown_facts",
    )
    readonly_fields = ("shown_thumbnail", "shown_facts")
    list_display = (
        "shown_thumbnail",
        "alt_text",
        "meeting",
        "credit",
        "shown_facts",
        "published",
    )
    list_display_links = ("alt_text",)
    list_filter = ("published", "meeting__kind")
    list_select_related = ("meeting",)
    search_fields = ("alt_text", "caption", "credit", "meeting__title")

    @admin.display(description=_("thumbnail"))
    def shown_thumbnail(self, photo):
        return thumbnail(photo)

    @admin.display(description=_("stored"), ordering="size")
    def shown_facts(self, record):
        return stored_facts(record)


__all__ = [
    "DocumentFileInline",
    "DocumentFileLibrary",
    "PhotoInline",
    "PhotoLibrary",
]
